"""The formats for people, not for import: CSV and SVG here, Markdown in `markdown.py`.

They are read-only views of the map as everyone sees it after the reveals, drawn from one
`ReadableMap` (also used by `maps.compare`). User text is made safe for where it lands: a
spreadsheet cell never starts a formula, and bidirectional controls end where the text ends.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from maps.exports.document import author_name
from maps.folds import folds_display, with_folds
from maps.models import JourneyMap, Lane, Stage, Sticky, VoteDot
from maps.selectors import emotion_line, lane_label


@dataclass
class ReadableMap:
    """What CSV and Markdown draw, read once: the board as everyone sees it after the reveals."""

    journey_map: JourneyMap
    stages: list[Stage]
    lanes: list[Lane]
    notes: list[Sticky]
    dots: Counter[int]
    line: dict[str, Any]

    def __post_init__(self) -> None:
        self._cells: dict[tuple[int, int], list[Sticky]] = defaultdict(list)
        for note in self.notes:
            self._cells[(note.stage_id, note.lane_id)].append(note)

    def cell(self, stage: Stage, lane: Lane) -> list[Sticky]:
        return self._cells.get((stage.pk, lane.pk), [])

    def in_lane(self, key: str) -> list[Sticky]:
        lane_ids = {lane.pk for lane in self.lanes if lane.key == key}
        return [n for n in self.notes if n.lane_id in lane_ids]


def readable(journey_map: JourneyMap) -> ReadableMap:
    stages = list(journey_map.stages.all())
    lanes = list(journey_map.lanes.all())
    for lane in lanes:
        lane.label = lane_label(lane)
    stage_index = {stage.pk: i for i, stage in enumerate(stages)}
    lane_index = {lane.pk: i for i, lane in enumerate(lanes)}
    notes = sorted(
        Sticky.objects.filter(journey_map=journey_map, deleted_at=None, hidden=False)
        .select_related("author", "stage", "lane", "persona")
        .prefetch_related("links"),
        key=lambda n: (stage_index[n.stage_id], lane_index[n.lane_id], n.position, n.pk),
    )
    with_folds(notes)
    dots = Counter(
        VoteDot.objects.filter(vote__journey_map=journey_map)
        .exclude(vote__closed_at=None)
        .values_list("sticky_id", flat=True)
    )
    line = emotion_line(journey_map=journey_map, stages=stages, viewer_id=None)
    return ReadableMap(journey_map, stages, lanes, notes, dots, line)


def marks_display(note: Sticky) -> list[str]:
    labels = {
        "is_question": _("Question"),
        "is_decision": _("Decision"),
        "is_aha": _("Aha moment"),
        "is_micro_moment": _("Micro-moment"),
    }
    return [label for attr, label in labels.items() if getattr(note, attr)]


# Explicit bidirectional formatting: an override left open in one note would flip the text
# that follows it (another cell, the next column of a plain-text table).
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def bidi_isolated(value: str) -> str:
    """Text holding bidi controls, wrapped in an isolate (FSI … PDI) so they end where it ends.

    Plain right-to-left text (Arabic, Hebrew) needs nothing and is left exactly as written.
    """
    return f"\u2068{value}\u2069" if BIDI_CONTROLS.search(value) else value


# -- CSV ------------------------------------------------------------------------------------------

# Spreadsheets run a cell that starts with one of these as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet shows as text: a leading formula character gets a ' in front.

    Leading spaces do not hide a formula from every spreadsheet, so they are looked past.
    """
    if value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_csv(journey_map: JourneyMap) -> str:
    """The notes, one a row, for a spreadsheet. UTF-8 with a BOM, so Excel reads Chinese right."""
    board = readable(journey_map)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(
        [
            _("Stage"),
            _("Lane"),
            _("Note"),
            _("Marks"),
            _("Evidence"),
            _("Votes"),
            _("Author"),
            _("Folded into it"),
            _("Persona"),  # the persona, on a map of several (maps.personas); empty: every one
        ]
    )
    lane_by_id = {lane.pk: lane for lane in board.lanes}
    for note in board.notes:
        row = [
            note.stage.name,
            str(lane_by_id[note.lane_id].label),
            note.text,
            "; ".join(str(m) for m in marks_display(note)),
            str(note.get_evidence_display()),
            str(board.dots[note.pk]),
            author_name(note.author) or "",
            folds_display(note),
            note.persona.name if note.persona else "",
        ]
        writer.writerow([spreadsheet_safe(bidi_isolated(cell)) for cell in row])
    return out.getvalue()


# -- SVG ------------------------------------------------------------------------------------------


def export_svg(journey_map: JourneyMap) -> str:
    """The emotion line as a file of its own, drawn from the same geometry as the board's line."""
    stages = list(journey_map.stages.all())
    line = emotion_line(journey_map=journey_map, stages=stages, viewer_id=None)
    cells = line["emotion_cells"]
    for i, cell in enumerate(cells):
        cell.x = i * 100
    view_width = max(len(cells), 1) * 100 + 50  # 40 on the left for the scale, 10 on the right
    return render_to_string(
        "maps/emotion_line.svg.html",
        {
            "journey_map": journey_map,
            "cells": cells,
            "view_width": view_width,
            "pixel_width": view_width * 2,
            "pixel_height": 240,
        },
    )
