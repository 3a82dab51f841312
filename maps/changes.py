"""What changed on a map since a date, in plain words (the summary's "what changed")."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from django.db.models import Count
from django.utils.translation import ngettext_lazy

from maps.models import JourneyMap, MapEvent, Sticky
from maps.selectors import lane_label

NEWEST_NOTES = 10

# The map's kinds a reader cares about, in the order they read them: the map's frame, its
# content, then the analysis. Each says in plain words what `count` events of it mean.
CHANGE_WORDS: dict[str, Any] = {
    "scope.update": ngettext_lazy(
        "%(count)d change to the persona or scope", "%(count)d changes to the persona or scope", "count"
    ),
    "backstory.edit": ngettext_lazy(
        "%(count)d edit to the backstory", "%(count)d edits to the backstory", "count"
    ),
    "stage.create": ngettext_lazy("%(count)d stage added", "%(count)d stages added", "count"),
    "stage.rename": ngettext_lazy("%(count)d stage renamed", "%(count)d stage renames", "count"),
    "stage.move": ngettext_lazy("%(count)d stage moved", "%(count)d stage moves", "count"),
    "stage.delete": ngettext_lazy("%(count)d stage removed", "%(count)d stages removed", "count"),
    "lane.visible": ngettext_lazy(
        "%(count)d lane shown or hidden", "%(count)d lanes shown or hidden", "count"
    ),
    "sticky.create": ngettext_lazy("%(count)d note added", "%(count)d notes added", "count"),
    "sticky.edit": ngettext_lazy("%(count)d note reworded", "%(count)d notes reworded", "count"),
    "sticky.style": ngettext_lazy(
        "%(count)d change to a note's marks, evidence, owner or status",
        "%(count)d changes to notes' marks, evidence, owners or status",
        "count",
    ),
    "sticky.settle": ngettext_lazy(
        "%(count)d assumption checked, with the evidence that settled it",
        "%(count)d assumptions checked, with the evidence that settled them",
        "count",
    ),
    "sticky.move": ngettext_lazy("%(count)d note moved", "%(count)d notes moved", "count"),
    "sticky.link": ngettext_lazy(
        "%(count)d link between notes made or undone", "%(count)d links between notes made or undone", "count"
    ),
    "sticky.delete": ngettext_lazy("%(count)d note deleted", "%(count)d notes deleted", "count"),
    "sticky.restore": ngettext_lazy("%(count)d note brought back", "%(count)d notes brought back", "count"),
    "sticky.fold": ngettext_lazy(
        "%(count)d set of notes saying the same folded into one",
        "%(count)d sets of notes saying the same folded into one",
        "count",
    ),
    "sticky.unfold": ngettext_lazy(
        "%(count)d folded note unfolded", "%(count)d folded notes unfolded", "count"
    ),
    "sticky.reveal": ngettext_lazy(
        "%(count)d reveal of privately written notes", "%(count)d reveals of privately written notes", "count"
    ),
    "emotion.rate": ngettext_lazy(
        "%(count)d rating of how the persona feels", "%(count)d ratings of how the persona feels", "count"
    ),
    "emotion.reveal": ngettext_lazy(
        "%(count)d reveal of private ratings", "%(count)d reveals of private ratings", "count"
    ),
    "stage.annotate": ngettext_lazy(
        "%(count)d note on why the emotion line moves",
        "%(count)d notes on why the emotion line moves",
        "count",
    ),
    "metric.add": ngettext_lazy("%(count)d figure recorded", "%(count)d figures recorded", "count"),
    "metric.remove": ngettext_lazy("%(count)d figure removed", "%(count)d figures removed", "count"),
    "insight.add": ngettext_lazy(
        "%(count)d answer to the big-picture questions",
        "%(count)d answers to the big-picture questions",
        "count",
    ),
    "insight.remove": ngettext_lazy(
        "%(count)d big-picture answer removed", "%(count)d big-picture answers removed", "count"
    ),
    "vote.start": ngettext_lazy("%(count)d dot vote started", "%(count)d dot votes started", "count"),
    "vote.cast": ngettext_lazy(
        "%(count)d dot placed or taken back", "%(count)d dots placed or taken back", "count"
    ),
    "vote.close": ngettext_lazy("%(count)d dot vote closed", "%(count)d dot votes closed", "count"),
}
OTHER_CHANGES = ngettext_lazy("%(count)d other change", "%(count)d other changes", "count")


def changes_since(
    *,
    journey_map: JourneyMap,
    since: datetime,
    words: Mapping[str, Any] | None = None,
    quiet: Collection[str] = (),
) -> dict[str, Any]:
    """What changed on the map since `since`, in plain words: a line per kind of change.

    The caller's own kinds (a workshop's) come with their `words`, read after the map's, and
    the kinds that change nothing a reader would miss (`quiet`: a room's clock, say) are left
    out; any other kind counts as "other". Bounded whatever the size of the log: one grouped
    count, the number of people, and the newest few notes that anyone may read (never a note
    still private). Three queries.
    """
    said = {**CHANGE_WORDS, **(words or {})}
    order = {kind: i for i, kind in enumerate(said)}
    events = MapEvent.objects.filter(journey_map=journey_map, created_at__gte=since).exclude(kind__in=quiet)
    counts = dict(events.values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    other = sum(n for kind, n in counts.items() if kind not in said)
    known = sorted((kind for kind in counts if kind in said), key=order.__getitem__)
    lines = [str(said[kind] % {"count": counts[kind]}) for kind in known]
    if other:
        lines.append(str(OTHER_CHANGES % {"count": other}))
    newest = list(
        Sticky.objects.filter(journey_map=journey_map, created_at__gte=since, deleted_at=None, hidden=False)
        .select_related("stage", "lane")
        .order_by("-created_at", "-pk")[:NEWEST_NOTES]
    )
    for note in newest:
        note.lane.label = lane_label(note.lane)
    return {
        "since": since,
        "change_lines": lines,
        "newest_notes": newest,
        "changed_by": events.exclude(author=None).values("author_id").distinct().count(),
    }
