from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Max, Min, Prefetch, Q

from maps import emotion, layout
from maps.folds import with_folds
from maps.models import (
    BigQuestion,
    EmotionRating,
    Evidence,
    Insight,
    JourneyMap,
    Lane,
    MapEvent,
    Stage,
    Sticky,
    Vote,
    VoteDot,
)
from maps.reasons import reasons_by_stage

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
        .select_related("author")
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
    line_context = emotion_line(journey_map=journey_map, stages=stages, viewer_id=viewer_id) if drawn else {}
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


def emotion_line(*, journey_map: JourneyMap, stages: list[Stage], viewer_id: int | None) -> dict[str, Any]:
    """The team's line: per stage the median of the revealed ratings, its band and its readings."""
    ratings = list(
        EmotionRating.objects.filter(journey_map=journey_map).values_list(
            "stage_id", "value", "hidden", "author_id"
        )
    )
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
    return {
        "emotion_cells": cells,
        "emotion_readings": readings,
        "disagreed_stages": [cells[r.start].stage for r in readings if r.kind == "disagreement"],
        "ratings_waiting": sum(waiting.values()),
        "scale": list(range(emotion.LOW, emotion.HIGH + 1)),
    }


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


@dataclass
class Person:
    """Someone who took part, as the caller knows them (maps knows users, not participants)."""

    user_id: int
    name: str  # already safe to show: never a username or an e-mail address
    role: str = ""
    joined_at: datetime | None = None


@dataclass
class Contributor:
    name: str
    role: str
    first_seen: datetime | None
    last_seen: datetime | None


@dataclass
class RankedNote:
    note: Sticky
    votes: int = 0
    pains: list[Sticky] = field(default_factory=list)  # opportunities: the pains they address


@dataclass
class Team:
    """A team that should know: an owner named on one or more opportunities."""

    name: str
    opportunities: list[RankedNote] = field(default_factory=list)


@dataclass
class EvidenceShare:
    level: str
    label: str
    count: int
    percent: int
    offset: int = 0  # where its part of the bar starts


def public_name(name: str, username: str = "") -> str:
    """A name fit for a shared page: "" when it is a login name or looks like an address."""
    name = (name or "").strip()
    if not name or name == username or "@" in name:
        return ""
    return name


def pain_rank(note: Sticky, votes: int) -> tuple[float, ...]:
    """How pain points are ranked everywhere: dots, then severity, then reach (a share first)."""
    share = float(note.reach_share) if note.reach_share is not None else -1.0
    count = note.reach_count if note.reach_count is not None else -1
    return (-votes, -(note.severity or 0), -share, -count)


def _rank_key(ranked: RankedNote) -> tuple[float, ...]:
    return pain_rank(ranked.note, ranked.votes)


def map_summary(*, journey_map: JourneyMap, people: Sequence[Person] = ()) -> dict[str, Any]:
    """Everything a stakeholder reads about a map, as anyone may see it (docs/sharing.md).

    Notes and ratings still private (written or given before a reveal) are left out; dots count
    only from closed votes. Twelve queries whatever the size of the map: the map and persona,
    stages and their figures, lanes, notes with their authors, links, emotion ratings, dots,
    big-picture answers, the reasons given in "why do we see this differently?" rounds, and two
    on the event log (who did something when, and on which days); one more for the notes folded
    into others, on a map that has some.
    """
    journey_map = JourneyMap.objects.select_related("persona").get(pk=journey_map.pk)
    stages = list(journey_map.stages.prefetch_related("metrics"))
    lanes = list(journey_map.lanes.all())
    notes = list(
        Sticky.objects.filter(journey_map=journey_map, deleted_at=None, hidden=False)
        .select_related("stage", "lane")
        .order_by("stage__position", "position", "pk")
    )
    with_folds(notes)  # a query more only on a map with folded notes
    by_id = {note.pk: note for note in notes}
    linked: dict[int, set[int]] = {note.pk: set() for note in notes}
    pairs = Sticky.links.through.objects.filter(from_sticky__journey_map=journey_map).values_list(
        "from_sticky_id", "to_sticky_id"
    )
    for a, b in pairs:
        if a in by_id and b in by_id:
            linked[a].add(b)
            linked[b].add(a)
    dots = dict(
        VoteDot.objects.filter(vote__journey_map=journey_map, vote__closed_at__isnull=False)
        .values("sticky_id")
        .annotate(n=Count("pk"))
        .values_list("sticky_id", "n")
    )

    # The journey: stages across, lanes down; a hidden lane still shows if it holds notes.
    cells: dict[tuple[int, int], list[Sticky]] = {}
    for note in notes:
        cells.setdefault((note.lane_id, note.stage_id), []).append(note)
    used_lanes = {lane_id for lane_id, _stage_id in cells}
    rows = []
    for lane in lanes:
        if lane.visible or lane.pk in used_lanes:
            lane.label = lane_label(lane)
            rows.append((lane, [cells.get((lane.pk, stage.pk), []) for stage in stages]))

    pains = [RankedNote(n, dots.get(n.pk, 0)) for n in notes if n.lane.key == layout.PAINS.key]
    pains.sort(key=_rank_key)
    opportunities = []
    for note in notes:
        if note.lane.key != layout.OPPORTUNITIES.key:
            continue
        addressed = [by_id[i] for i in sorted(linked[note.pk]) if by_id[i].lane.key == layout.PAINS.key]
        opportunities.append(RankedNote(note, dots.get(note.pk, 0), addressed))
    opportunities.sort(key=lambda r: -r.votes)
    reasons = reasons_by_stage(journey_map)  # "why do we see this differently?" rounds
    for stage in stages:
        stage.reasons = reasons.get(stage.pk, [])

    return {
        "journey_map": journey_map,
        "has_reasons": bool(reasons),
        "persona": journey_map.persona,
        "stages": stages,
        "has_metrics": any(stage.metrics.all() for stage in stages),
        "rows": rows,
        "note_count": len(notes),
        "pains": pains,
        "opportunities": opportunities,
        "teams": teams_to_tell(opportunities),
        "unowned": [o for o in opportunities if not o.note.owner.strip()],
        "evidence": evidence_shares(notes),
        **emotion_line(journey_map=journey_map, stages=stages, viewer_id=None),
        **insights(journey_map=journey_map),
        **_taking_part(journey_map, people),
    }


def teams_to_tell(opportunities: list[RankedNote]) -> list[Team]:
    """The teams that should know: every owner named on an opportunity, with what they own.

    Owners are free text, so "Support" and " support " are one team (the first spelling wins).
    """
    teams: dict[str, Team] = {}
    for opportunity in opportunities:
        name = " ".join(opportunity.note.owner.split())
        if name:
            teams.setdefault(name.casefold(), Team(name)).opportunities.append(opportunity)
    return sorted(teams.values(), key=lambda t: (-len(t.opportunities), t.name.casefold()))


def evidence_shares(notes: Sequence[Sticky]) -> list[EvidenceShare]:
    """How much of the map rests on research, on anecdote, on assumption (share of the notes)."""
    counts = dict.fromkeys(Evidence.values, 0)
    for note in notes:
        counts[note.evidence] = counts.get(note.evidence, 0) + 1
    total = sum(counts.values())
    shares, offset = [], 0
    for level in (Evidence.RESEARCH, Evidence.ANECDOTE, Evidence.ASSUMPTION):
        percent = round(100 * counts[level] / (total or 1))
        shares.append(EvidenceShare(level, str(level.label), counts[level], percent, offset))
        offset += percent
    return shares


def _taking_part(journey_map: JourneyMap, people: Sequence[Person]) -> dict[str, Any]:
    activity = (
        MapEvent.objects.filter(journey_map=journey_map)
        .exclude(author=None)
        .values("author_id", "author__first_name", "author__username")
        .annotate(first=Min("created_at"), last=Max("created_at"))
    )
    known = {person.user_id: person for person in people}
    contributors: dict[int, Contributor] = {
        p.user_id: Contributor(p.name, p.role, p.joined_at, p.joined_at) for p in people
    }
    for row in activity:
        user_id = row["author_id"]
        if user_id in known:
            person = contributors[user_id]
            person.first_seen = min(filter(None, [person.first_seen, row["first"]]))
            person.last_seen = max(filter(None, [person.last_seen, row["last"]]))
        else:
            name = public_name(row["author__first_name"], row["author__username"])
            contributors[user_id] = Contributor(name, "", row["first"], row["last"])
    days = list(MapEvent.objects.filter(journey_map=journey_map).datetimes("created_at", "day"))
    ordered = sorted(contributors.values(), key=lambda c: (c.first_seen is None, c.first_seen or 0))
    return {"contributors": ordered, "work_days": days}
