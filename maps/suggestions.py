"""What the facilitator is offered to fold: the board's notes read for maps.similar (which is
pure), less the groups the facilitator turned down."""

from __future__ import annotations

from dataclasses import dataclass

from maps import embedder
from maps.models import JourneyMap, MapEvent, Sticky
from maps.similar import Note, group


@dataclass(frozen=True)
class Suggestion:
    notes: list[Sticky]  # in board order: the first is the one the others fold into

    @property
    def ids(self) -> str:
        return ",".join(str(note.pk) for note in self.notes)


def kept_apart(journey_map: JourneyMap) -> list[list[int]]:
    """The notes of each suggestion the facilitator dismissed (the log keeps them)."""
    payloads = MapEvent.objects.filter(journey_map=journey_map, kind="similar.dismiss").values_list(
        "payload", flat=True
    )
    return [payload.get("notes", []) for payload in payloads]


def suggestions(
    journey_map: JourneyMap, *, scope: str = "cell", lane_id: int | None = None, stage_id: int | None = None
) -> list[Suggestion]:
    """Groups of notes on the board that say the same thing, in either language, largest
    first: within each cell, or with `scope` "lane" within each lane; only `lane_id`'s lane
    and `stage_id`'s stage when given (both: one cell). Notes still private are not offered
    (the room has not seen them)."""
    notes = (
        Sticky.objects.filter(journey_map=journey_map, deleted_at=None, hidden=False, lane__visible=True)
        .select_related("author", "stage", "lane")
        .order_by("lane__position", "stage__position", "position", "pk")
    )
    if lane_id is not None:
        notes = notes.filter(lane_id=lane_id)
    if stage_id is not None:
        notes = notes.filter(stage_id=stage_id)
    notes = list(notes)
    if len(notes) < 2:
        return []
    vectors = embedder.vectors([note.text for note in notes])
    places = [Note(note.pk, note.stage_id, note.lane_id) for note in notes]
    by_id = {note.pk: note for note in notes}
    groups = group(places, vectors, scope=scope, apart=kept_apart(journey_map))
    return [Suggestion([by_id[pk] for pk in ids]) for ids in groups]
