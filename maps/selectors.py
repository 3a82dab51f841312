"""What the room draws from a map: the board, the emotion line, the vote and the big picture
(the stakeholder's summary is `maps.summary`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q

from maps import emotion, layout
from maps.models import (
    BigQuestion,
    EmotionRating,
    Insight,
    JourneyMap,
    Lane,
    Persona,
    Stage,
    Sticky,
    Vote,
    VoteDot,
)
from maps.personas import rating_key

Cell = tuple[int, int]


@dataclass
class BoardCell:
    stage: Stage
    lane: Lane
    notes: list[Sticky] = field(default_factory=list)
    # Others' notes written during private writing: counted, never shown.
    hidden_count: int = 0

    @property
    def dom_id(self) -> str:
        return f"cell-{self.stage.pk}-{self.lane.pk}"


def lane_label(lane: Lane) -> Any:
    spec = layout.LANES_BY_KEY.get(lane.key)
    return spec.name if spec else lane.name


def board(
    *,
    journey_map: JourneyMap,
    viewer_id: int | None,
    cells: list[Cell] | None = None,
    lanes: list[Lane] | None = None,
    line: bool = True,
    personas: list[Persona] | None = None,
) -> dict[str, Any]:
    """The grid as `viewer_id` may see it (None: as anyone may), whole or only some cells.

    Four queries whatever the size (three when the caller has the lanes): stages (with their
    figures, for the whole grid), lanes, notes with their authors, and links; plus the
    emotion line under a whole grid unless `line` is off. `hidden_authors` says who has notes
    hidden from this viewer among those read.
    """
    stages = journey_map.stages.all()
    stages = list(stages.prefetch_related("metrics") if cells is None else stages)
    lanes = list(journey_map.lanes.all()) if lanes is None else lanes
    for lane in lanes:
        lane.label = lane_label(lane)
        lane.has_channel = getattr(layout.LANES_BY_KEY.get(lane.key), "has_channel", False)
    notes = (
        Sticky.objects.filter(journey_map=journey_map, deleted_at=None)
        .select_related("author", "persona")
        .prefetch_related(Prefetch("links", queryset=Sticky.objects.order_by("pk")))
        .order_by("position", "pk")
    )
    if cells is not None:
        where = Q(pk__in=[])
        for stage_id, lane_id in cells:
            where |= Q(stage_id=stage_id, lane_id=lane_id)
        notes = notes.filter(where)
    stage_by_id = {s.pk: s for s in stages}
    lane_by_id = {lane.pk: lane for lane in lanes}
    grid: dict[Cell, BoardCell] = {}
    wanted = cells if cells is not None else [(s.pk, lane.pk) for lane in lanes for s in stages]
    for stage_id, lane_id in wanted:
        if stage_id in stage_by_id and lane_id in lane_by_id:
            grid[(stage_id, lane_id)] = BoardCell(stage_by_id[stage_id], lane_by_id[lane_id])
    hidden_authors: set[int] = set()
    for note in notes:
        cell = grid.get((note.stage_id, note.lane_id))
        if cell is None:
            continue
        if note.hidden and note.author_id != viewer_id:
            cell.hidden_count += 1
            if note.author_id is not None:
                hidden_authors.add(note.author_id)
        else:
            cell.notes.append(note)
    rows = [(lane, [grid[(s.pk, lane.pk)] for s in stages]) for lane in lanes] if cells is None else []
    drawn = cells is None and line
    line_context = (
        emotion_line(journey_map=journey_map, stages=stages, viewer_id=viewer_id, personas=personas)
        if drawn
        else {}
    )
    return {
        **line_context,
        "journey_map": journey_map,
        "stages": stages,
        "lanes": lanes,
        "rows": rows,
        "cells": list(grid.values()),
        "viewer_id": viewer_id,
        "hidden_authors": hidden_authors,
    }


@dataclass
class EmotionCell:
    stage: Stage
    point: emotion.Point
    mine: int | None  # the viewer's own rating, drawn only in renders for that viewer
    waiting: int  # ratings given while private, not yet revealed
    # Drawing, in the cell's SVG box (100 wide, 70 high; +3 at the top, -3 at the bottom):
    y: float | None = None
    y_left: float | None = None  # where the line enters the cell (halfway to the previous point)
    y_right: float | None = None
    band_top: float | None = None
    band_height: float | None = None
    marks: list[emotion.Reading] = field(default_factory=list)


def _y(value: float) -> float:
    return round(35 - value * 10, 2)


Rating = tuple[int, int, bool, int]  # stage id, value, hidden, author id


@dataclass
class Line:
    """One persona's emotion line (maps.personas): None on a map without a persona."""

    persona: Persona | None
    cells: list[EmotionCell]
    readings: list[emotion.Reading]
    first: bool = False  # the main persona's, or the one persona shown

    @property
    def waiting(self) -> int:
        """Ratings of this line given while ratings are private, not yet revealed."""
        return sum(cell.waiting for cell in self.cells)


def emotion_line(
    *,
    journey_map: JourneyMap,
    stages: list[Stage],
    viewer_id: int | None,
    personas: list[Persona] | None = None,
    showing: Persona | None = None,
) -> dict[str, Any]:
    """The team's line: per stage the median of the revealed ratings, its band and its readings.

    One query. `emotion_cells` and `emotion_readings` are the line of `showing` (None: the main
    persona); `emotion_lines` holds a line for each of `personas` (maps.personas.of_map) when the
    map has several, else just the one.
    """
    ratings: dict[int | None, list[Rating]] = {}
    for stage_id, value, hidden, author_id, persona_id in EmotionRating.objects.filter(
        journey_map=journey_map
    ).values_list("stage_id", "value", "hidden", "author_id", "persona_id"):
        ratings.setdefault(persona_id, []).append((stage_id, value, hidden, author_id))
    first = showing or (personas[0] if personas else None)
    shown = [first] + (personas[1:] if personas and showing is None else [])
    lines = [
        Line(persona, *_line(stages, line_ratings(journey_map, ratings, persona), viewer_id), first=i == 0)
        for i, persona in enumerate(shown)
    ]
    # The main persona's line, besides: what a follow-up session's snapshot holds (maps/moves.py).
    main = lines[0] if showing is None or showing.pk == journey_map.persona_id else None
    main_cells = main.cells if main else _line(stages, line_ratings(journey_map, ratings, None), None)[0]
    disagreed = [
        line.cells[r.start].stage for line in lines for r in line.readings if r.kind == "disagreement"
    ]
    return {
        "emotion_cells": lines[0].cells,
        "emotion_readings": lines[0].readings,
        "emotion_lines": lines,
        "main_cells": main_cells,
        "disagreed_stages": list(dict.fromkeys(disagreed)),
        "ratings_waiting": sum(line.waiting for line in lines),
        "scale": list(range(emotion.LOW, emotion.HIGH + 1)),
    }


def line_ratings(
    journey_map: JourneyMap, ratings: dict[int | None, list[Rating]], persona: Persona | None
) -> list[Rating]:
    """The ratings of `persona`'s line (None: the main persona's). The main line also counts
    ratings given before the map had a persona, unless their rater has rated the persona since."""
    key = rating_key(journey_map, persona)
    rows = list(ratings.get(key, []))
    if key is not None and key == journey_map.persona_id:
        rated = {(stage_id, author_id) for stage_id, _v, _h, author_id in rows}
        rows += [r for r in ratings.get(None, []) if (r[0], r[3]) not in rated]
    return rows


def _line(
    stages: list[Stage], ratings: list[Rating], viewer_id: int | None
) -> tuple[list[EmotionCell], list[emotion.Reading]]:
    values: dict[int, list[int]] = {s.pk: [] for s in stages}
    waiting: dict[int, int] = dict.fromkeys(values, 0)
    mine: dict[int, int] = {}
    for stage_id, value, hidden, author_id in ratings:
        if stage_id not in values:
            continue
        if author_id == viewer_id:
            mine[stage_id] = value
        if hidden:
            waiting[stage_id] += 1
        else:
            values[stage_id].append(value)
    points = emotion.summarize([s.name for s in stages], [values[s.pk] for s in stages])
    readings = emotion.read(points)
    cells = [EmotionCell(s, p, mine.get(s.pk), waiting[s.pk]) for s, p in zip(stages, points, strict=True)]
    for i, cell in enumerate(cells):
        p = cell.point
        if p.median is None:
            continue
        cell.y = _y(p.median)
        cell.band_top = _y(p.high)
        cell.band_height = round(_y(p.low) - _y(p.high), 2)
        before = cells[i - 1].point.median if i > 0 else None
        after = cells[i + 1].point.median if i + 1 < len(cells) else None
        cell.y_left = _y((before + p.median) / 2) if before is not None else None
        cell.y_right = _y((after + p.median) / 2) if after is not None else None
    for reading in readings:
        for cell in cells[reading.start : reading.end + 1]:
            cell.marks.append(reading)
    return cells, readings


@dataclass
class Candidate:
    sticky: Sticky
    dots: int = 0  # shown only once the vote is closed
    mine: int = 0  # the viewer's own dots, drawn only in renders for that viewer


def vote_panel(*, journey_map: JourneyMap, viewer_id: int | None, voters: int) -> dict[str, Any]:
    """The latest vote: while open, the notes to vote on and how many people are done;
    once closed, the ranking. `voters` is how many people may vote, for "N of M done"."""
    vote = Vote.objects.filter(journey_map=journey_map).select_related("lane").first()
    if vote is None:
        return {"vote": None}
    notes = Sticky.objects.filter(lane=vote.lane, deleted_at=None, hidden=False).select_related("stage")
    candidates = {n.pk: Candidate(n) for n in notes.order_by("stage__position", "position", "pk")}
    used: dict[int, int] = {}
    for sticky_id, voter_id in VoteDot.objects.filter(vote=vote).values_list("sticky_id", "voter_id"):
        used[voter_id] = used.get(voter_id, 0) + 1
        candidate = candidates.get(sticky_id)
        if candidate is None:
            continue
        if vote.closed_at is not None:
            candidate.dots += 1
        if voter_id == viewer_id:
            candidate.mine += 1
    ranking = sorted(candidates.values(), key=lambda c: -c.dots) if vote.closed_at else []
    return {
        "vote": vote,
        "vote_lane": lane_label(vote.lane),
        "candidates": list(candidates.values()),
        "ranking": ranking,
        "voters_done": sum(1 for count in used.values() if count >= vote.budget),
        "voters": voters,
        "my_dots_left": vote.budget - used.get(viewer_id, 0) if viewer_id else None,
    }


def insights(*, journey_map: JourneyMap) -> dict[str, Any]:
    """The four big-picture questions with the team's answers, in the play's order."""
    answers: dict[str, list[Insight]] = {key: [] for key in BigQuestion.values}
    for insight in Insight.objects.filter(journey_map=journey_map).select_related("author"):
        answers[insight.question].append(insight)
    return {"questions": [(key, label, answers[key]) for key, label in BigQuestion.choices]}


# -- the stakeholder summary -------------------------------------------------------------
