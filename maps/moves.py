"""What moved on a map between two sessions: a snapshot taken when a follow-up begins, and the
comparison the summary shows ("What moved since the last session").

The snapshot is plain JSON (kept on the follow-up's workshop): per stage the emotion line's
median and the figures, per note the follow-up fields. Stages and notes are named by id, as they
stay the same rows on the same map; one deleted since is left out, one added since is counted.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from maps.models import Evidence, JourneyMap, OpportunityStatus, Stage, Sticky
from maps.selectors import emotion_line

# The fields of a note whose change a follow-up reads back, as the snapshot names them.
NOTE_FIELDS = ("status", "evidence", "owner", "due_on")


def _figures(stage: Stage) -> list[list[str]]:
    return [[metric.name, f"{metric.value.normalize():f}", metric.unit] for metric in stage.metrics.all()]


def _note(note: Sticky) -> dict[str, str]:
    return {
        "status": note.status,
        "evidence": note.evidence,
        "owner": note.owner,
        "due_on": note.due_on.isoformat() if note.due_on else "",
    }


def snapshot(*, journey_map: JourneyMap) -> dict[str, Any]:
    """The map as it stands now, in what a follow-up compares (four queries)."""
    stages = list(journey_map.stages.prefetch_related("metrics"))
    line = emotion_line(journey_map=journey_map, stages=stages, viewer_id=None)
    notes = Sticky.objects.filter(journey_map=journey_map, deleted_at=None, hidden=False)
    return {
        "taken_at": timezone.now().isoformat(),
        "stages": {
            str(cell.stage.pk): {"median": cell.point.median, "figures": _figures(cell.stage)}
            for cell in line["emotion_cells"]
        },
        "notes": {str(note.pk): _note(note) for note in notes},
    }


@dataclass
class StageMove:
    stage: Stage
    then: float | None
    now: float | None
    figures_then: list[list[str]] = field(default_factory=list)
    figures_now: list[list[str]] = field(default_factory=list)

    @property
    def change(self) -> float | None:
        return None if self.then is None or self.now is None else self.now - self.then


@dataclass
class NoteMove:
    note: Sticky
    changes: list[tuple[str, str, str]]  # (field, then, now), each shown as a person reads it


def _shown(name: str, value: str) -> str:
    if not value:
        return "—"
    if name == "status":
        return str(OpportunityStatus(value).label)
    if name == "evidence":
        return str(Evidence(value).label)
    if name == "due_on":
        return datetime.date.fromisoformat(value).isoformat()
    return value


def moved(
    *, then: Mapping[str, Any], stages: Sequence[Stage], notes: Sequence[Sticky], cells: Sequence[Any]
) -> dict[str, Any]:
    """What moved since `then` (a `snapshot`), from what the summary has read: its stages with
    their figures, its visible notes and its emotion line's cells. No query of its own."""
    medians = {cell.stage.pk: cell.point.median for cell in cells}
    stage_moves = []
    for stage in stages:
        old = then["stages"].get(str(stage.pk), {"median": None, "figures": []})
        stage_moves.append(
            StageMove(stage, old["median"], medians.get(stage.pk), old["figures"], _figures(stage))
        )
    note_moves, added = [], 0
    for note in notes:
        old = then["notes"].get(str(note.pk))
        if old is None:
            added += 1
            continue
        now = _note(note)
        changes = [
            (name, _shown(name, old[name]), _shown(name, now[name]))
            for name in NOTE_FIELDS
            if old[name] != now[name]
        ]
        if changes:
            note_moves.append(NoteMove(note, changes))
    return {
        "since": datetime.datetime.fromisoformat(then["taken_at"]),
        "stage_moves": stage_moves,
        "note_moves": note_moves,
        "notes_added": added,
    }
