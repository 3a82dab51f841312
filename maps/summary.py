"""The stakeholder's summary of a map, as anyone may see it (docs/sharing.md): what
`templates/maps/summary.html` draws on the page, on a share link and in the PDF."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Max, Min

from maps import layout, personas
from maps.folds import with_folds
from maps.models import JourneyMap, MapEvent, Sticky, VoteDot
from maps.moves import moved
from maps.plan import evidence_shares, follow_up, pain_rank
from maps.reasons import reasons_by_stage
from maps.selectors import emotion_line, insights, lane_label


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


def public_name(name: str, username: str = "") -> str:
    """A name fit for a shared page: "" when it is a login name or looks like an address."""
    name = (name or "").strip()
    if not name or name == username or "@" in name:
        return ""
    return name


def _rank_key(ranked: RankedNote) -> tuple[float, ...]:
    return pain_rank(ranked.note, ranked.votes)


def map_summary(
    *,
    journey_map: JourneyMap,
    people: Sequence[Person] = (),
    then: Mapping[str, Any] | None = None,
    persona: int | None = None,
) -> dict[str, Any]:
    """Everything a stakeholder reads about a map, as anyone may see it (docs/sharing.md).

    Notes and ratings still private (written or given before a reveal) are left out; dots count
    only from closed votes. Thirteen queries whatever the size of the map: the map and persona,
    its other personas, stages and their figures, lanes, notes, links, emotion ratings, dots,
    big-picture answers, the reasons given in "why do we see this differently?" rounds, and two
    on the event log (who did something when, and on which days); one more for the notes folded
    into others, on a map that has some. `then`: the map as a follow-up session found it
    (`maps.moves.snapshot`), to say what moved since; the caller reads it. `persona`: on a map
    of several (maps.personas), only what concerns that one, and its line; an id that is not one
    of the map's shows every persona (`persona_unknown` says so).
    """
    journey_map = JourneyMap.objects.select_related("persona").get(pk=journey_map.pk)
    stages = list(journey_map.stages.prefetch_related("metrics"))
    lanes = list(journey_map.lanes.all())
    notes = list(
        Sticky.objects.filter(journey_map=journey_map, deleted_at=None, hidden=False)
        .select_related("stage", "lane")
        .order_by("stage__position", "position", "pk")
    )
    named = personas.of_map(journey_map)
    showing = next((p for p in named if p.pk == persona), None)
    notes = [note for note in notes if personas.shows(note.persona_id, showing and showing.pk)]
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

    line = emotion_line(
        journey_map=journey_map, stages=stages, viewer_id=None, personas=named, showing=showing
    )
    # After a follow-up session began: what moved since (maps/moves.py), from what is read here.
    moves = moved(then=then, stages=stages, notes=notes, cells=line["main_cells"]) if then else None
    return {
        "journey_map": journey_map,
        "moves": moves,
        "has_reasons": bool(reasons),
        "persona": showing or journey_map.persona,
        "map_personas": named,
        "showing_persona": showing,
        "persona_unknown": persona is not None and showing is None,
        "stages": stages,
        "has_metrics": any(stage.metrics.all() for stage in stages),
        "rows": rows,
        "note_count": len(notes),
        "pains": pains,
        "opportunities": opportunities,
        "teams": teams_to_tell(opportunities),
        "unowned": [o for o in opportunities if not o.note.owner.strip()],
        "evidence": evidence_shares(notes),
        **follow_up(notes=notes, stages=stages, dots=dots, linked=linked),
        **line,
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
