"""Notes that say the same thing, folded into one, and unfolded again; suggestions dismissed.

A folded note leaves the board as a deleted one does (its `deleted_at` is set, so every list
of the board's notes leaves it out) and names the note it is folded into (`folded_into`), under
which the board, the summary and the exports show it: its text and its author are kept. The
note it is folded into stays where it is and says how many wrote it. Unfolding puts every
folded note back at the end of its own cell. Which notes to fold is the facilitator's choice
(a suggestion of maps.similar accepted, perhaps with notes taken out) or anyone's who may write
(folding by hand); nothing is folded by the server on its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from maps import sql
from maps.models import JourneyMap, Sticky, VoteDot
from maps.services.change import Change, MapRefused, log

MAX_FOLD = 50  # notes folded at once: more than a cell holds in any real workshop


@transaction.atomic
def sticky_fold(
    *,
    journey_map: JourneyMap,
    author: AbstractBaseUser,
    sticky: Sticky,
    notes: Sequence[Sticky],
    op_id: str | None = None,
) -> Change:
    """Fold `notes` into `sticky`: one note on the board, the others kept under it.

    Notes already folded into one of `notes` come along (a fold of folds is one fold). Dots of
    an open vote on the folded notes go to `sticky`: the vote counts the point once, with every
    dot it had. Only notes of one lane fold together (a pain is not an action)."""
    # Folding takes notes out of cells and unfolding numbers them back in, as moves and
    # restores do: all queue on one lock (docs/decisions.md, "Moves queue on an advisory lock").
    sql.lock(sql.moves_lock(journey_map.pk))
    ids = sorted({note.pk for note in notes} - {sticky.pk})
    if not ids:
        raise MapRefused(_("Choose at least one other note to fold into this one."), code="invalid")
    if len(ids) > MAX_FOLD:
        raise MapRefused(_("Fold at most %(count)d notes at once.") % {"count": MAX_FOLD}, code="invalid")
    locked = {
        note.pk: note
        for note in Sticky.objects.select_for_update().filter(pk__in=[sticky.pk, *ids]).order_by("pk")
    }
    head = locked.get(sticky.pk)
    # Gone since the form found them (a stage removed meanwhile), deleted, or folded already.
    if head is None or any(pk not in locked or locked[pk].deleted_at for pk in ids) or head.deleted_at:
        raise MapRefused(_("Someone deleted or folded one of these notes."), code="gone")
    if head.hidden or any(locked[pk].hidden for pk in ids):
        raise MapRefused(_("Notes still private cannot be folded: reveal them first."), code="invalid")
    if any(locked[pk].lane_id != head.lane_id for pk in ids):
        raise MapRefused(_("Only notes of one lane fold together."), code="invalid", field="notes")
    now = timezone.now()
    Sticky.objects.filter(folded_into_id__in=ids).update(folded_into=head, updated_at=now)
    Sticky.objects.filter(pk__in=ids).update(
        folded_into=head, deleted_at=now, updated_at=now, folded_notes=0, folded_people=0
    )
    _count(head, now)
    VoteDot.objects.filter(vote__journey_map=journey_map, vote__closed_at=None, sticky_id__in=ids).update(
        sticky=head
    )
    event = log(journey_map, author, "sticky.fold", op_id, {"sticky": head.pk, "notes": ids})
    cells = {(head.stage_id, head.lane_id)} | {(locked[pk].stage_id, locked[pk].lane_id) for pk in ids}
    return Change(event, cells=cells, sticky=head)


def _count(head: Sticky, now) -> None:
    """Write on `head` how many notes are folded into it and how many people wrote it."""
    folded = Sticky.objects.filter(folded_into=head)
    head.folded_notes = folded.count()
    authors = set(folded.values_list("author_id", flat=True)) | {head.author_id}
    head.folded_people = len(authors) if head.folded_notes else 0
    head.updated_at = now
    head.save(update_fields=["folded_notes", "folded_people", "updated_at"])


@transaction.atomic
def sticky_unfold(
    *, journey_map: JourneyMap, author: AbstractBaseUser, sticky: Sticky, op_id: str | None = None
) -> Change:
    """Every note folded into `sticky` back on the board, at the end of its own cell. Dots
    stay where they are now: the vote counted the point, not the note."""
    sql.lock(sql.moves_lock(journey_map.pk))
    folded = list(Sticky.objects.select_for_update().filter(folded_into=sticky).order_by("pk"))
    if not folded:
        raise MapRefused(_("No notes are folded into this one."), code="noop")
    now = timezone.now()
    cells: set[tuple[int, int]] = set()
    for note in folded:
        cell = (note.stage_id, note.lane_id)
        if cell not in cells:
            sql.lock(sql.cell_lock(*cell))
        last = Sticky.objects.filter(stage_id=note.stage_id, lane_id=note.lane_id, deleted_at=None).aggregate(
            last=Max("position")
        )["last"]
        note.position = 0 if last is None else last + 1
        note.folded_into, note.deleted_at, note.updated_at = None, None, now
        note.save(update_fields=["position", "folded_into", "deleted_at", "updated_at"])
        cells.add(cell)
    _count(sticky, now)
    ids = [note.pk for note in folded]
    event = log(journey_map, author, "sticky.unfold", op_id, {"sticky": sticky.pk, "notes": ids})
    return Change(event, cells=cells | {(sticky.stage_id, sticky.lane_id)}, sticky=sticky)


@transaction.atomic
def similar_dismiss(
    *, journey_map: JourneyMap, author: AbstractBaseUser, notes: Sequence[Sticky], op_id: str | None = None
) -> Change:
    """The facilitator says these notes are not the same: the log keeps it, and no suggestion
    puts them together again (`maps.suggestions.kept_apart`)."""
    ids = sorted({note.pk for note in notes})
    if len(ids) < 2:
        raise MapRefused(_("A suggestion has two notes or more."), code="invalid")
    return Change(log(journey_map, author, "similar.dismiss", op_id, {"notes": ids}))
