"""Two maps side by side, stage by stage (e.g. the current state and the future state drawn from it)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

from maps.exports import ReadableMap, readable
from maps.models import JourneyMap, Stage, Sticky


@dataclass
class Side:
    stage: Stage
    median: float | None
    count: int
    lanes: list[tuple[Any, list[Sticky]]] = field(default_factory=list)  # (lane label, notes)

    @property
    def signed(self) -> str:
        """The median as the scale shows it: +2, 0, -1.5."""
        return "" if self.median is None else f"{self.median:+g}".replace("+0", "0")

    @property
    def note_count(self) -> int:
        return sum(len(notes) for _label, notes in self.lanes)


@dataclass
class Row:
    left: Side | None
    right: Side | None

    @property
    def change(self) -> float | None:
        """How much the feeling moved from left to right at this stage, when both are rated."""
        if self.left is None or self.right is None or None in (self.left.median, self.right.median):
            return None
        return self.right.median - self.left.median


def _sides(board: ReadableMap) -> list[Side]:
    sides = []
    for cell in board.line["emotion_cells"]:
        side = Side(cell.stage, cell.point.median, cell.point.count)
        for lane in board.lanes:
            notes = board.cell(cell.stage, lane)
            if notes:
                side.lanes.append((lane.label, notes))
        sides.append(side)
    return sides


def compare(left: JourneyMap, right: JourneyMap) -> list[Row]:
    """Rows of stages: the same name pairs up wherever it is; stages in the same place between
    two matches pair up too (a renamed stage); what is only in one map gets a row of its own."""
    left_sides, right_sides = _sides(readable(left)), _sides(readable(right))
    names = difflib.SequenceMatcher(
        a=[s.stage.name.strip().casefold() for s in left_sides],
        b=[s.stage.name.strip().casefold() for s in right_sides],
        autojunk=False,
    )
    rows: list[Row] = []
    for _tag, i1, i2, j1, j2 in names.get_opcodes():
        rows += [Row(a, b) for a, b in zip_longest(left_sides[i1:i2], right_sides[j1:j2])]
    for row in rows:
        if row.left is not None and row.right is not None:
            _mark_only_here(row.left, row.right)
            _mark_only_here(row.right, row.left)
    return rows


def _texts(side: Side) -> set[str]:
    return {note.text.strip().casefold() for _label, notes in side.lanes for note in notes}


def _mark_only_here(side: Side, other: Side) -> None:
    """Flag the notes of this stage that the other map's stage does not have (same text)."""
    theirs = _texts(other)
    for _label, notes in side.lanes:
        for note in notes:
            note.only_here = note.text.strip().casefold() not in theirs
