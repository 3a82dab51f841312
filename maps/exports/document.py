"""The JSON document: the map's one portable form (docs/export-format.md).

It is built so that export → import → export gives the same document: everything in it is in a
canonical order, positions are renumbered, references are local (`s1`, `n1`), and ids and dates
are left out. It holds only what every participant may see: no hidden notes or ratings, no
deleted notes, no e-mail addresses, and no one's identity behind a rating or a dot.

The names the format is made of (its fields, marks and limits) live here too, so that the
schema (`schema.py`), the copy (`copying.py`) and the import (`maps.services.map_import`) all
read them from one place.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from maps import personas
from maps.models import EmotionRating, Insight, JourneyMap, Sticky, Vote, VoteDot
from maps.reasons import reasons_by_stage
from maps.selectors import Rating, line_ratings
from maps.vocabulary import BACKSTORY_FIELDS, PERSONA_FIELDS, SCOPE_FIELDS

FORMAT = "journeymap"
VERSION = 4
# Versions an import reads: 1 had no folded notes (`folded` is optional there), 1 and 2 no
# follow-up (`due_on`, `evidence_source`, `evidence_note`, `settled_at`), 1 to 3 one persona
# only (`more_personas`, a stage's `more_ratings`, a note's `persona`).
READS = (1, 2, 3, 4)
# A note's `persona`: None (every persona), MAIN (the map's main one) or a ref of `more_personas`.
MAIN = "main"
MARKS = {
    "question": "is_question",
    "decision": "is_decision",
    "aha": "is_aha",
    "micro_moment": "is_micro_moment",
}
# What one document may hold; a real map stays far below.
MAX_LANES = 20
MAX_NOTES = 5000
MAX_RATINGS_PER_STAGE = 500
MAX_LINKS = 50
MAX_FOLDED = 50  # notes folded into one (maps.services.folding.MAX_FOLD at a time, folds of folds)
MAX_METRICS = 50
MAX_VOTES = 50
MAX_DOTS = 10_000
MAX_INSIGHTS = 500
MAX_POSITION = 1_000_000
AUTHOR_MAX_LENGTH = 150  # the user model's first_name


def author_name(user: Any) -> str | None:
    """The name the board shows for a user: their display name, or failing that their username."""
    if user is None:
        return None
    return user.first_name or user.get_username()


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def export_data(journey_map: JourneyMap) -> dict[str, Any]:
    """The whole map as a JSON-ready dict, in canonical order (see the module's docstring)."""
    stages = list(journey_map.stages.prefetch_related("metrics"))
    lanes = list(journey_map.lanes.all())
    stage_ref = {stage.pk: f"s{i}" for i, stage in enumerate(stages, 1)}
    stage_index = {stage.pk: i for i, stage in enumerate(stages)}
    lane_index = {lane.pk: i for i, lane in enumerate(lanes)}
    lane_key = {lane.pk: lane.key for lane in lanes}
    notes = sorted(
        Sticky.objects.filter(journey_map=journey_map, deleted_at=None, hidden=False)
        .select_related("author")
        .prefetch_related("links", "folded__author"),
        key=lambda n: (stage_index[n.stage_id], lane_index[n.lane_id], n.position, n.pk),
    )
    note_ref = {note.pk: f"n{i}" for i, note in enumerate(notes, 1)}
    persona = journey_map.persona
    more = personas.of_map(journey_map)[1:] if persona is not None else []
    persona_ref: dict[int | None, str] = {p.pk: f"p{i}" for i, p in enumerate(more, 1)}
    if persona is not None:
        persona_ref[persona.pk] = MAIN
    # Ratings by whose feeling they are (maps.personas), per stage: the main line, then the others'.
    rows: dict[int | None, list[Rating]] = defaultdict(list)
    for stage_id, value, author_id, persona_id in EmotionRating.objects.filter(
        journey_map=journey_map, hidden=False
    ).values_list("stage_id", "value", "author_id", "persona_id"):
        rows[persona_id].append((stage_id, value, False, author_id))
    ratings: dict[int | None, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for line in [None, *more]:
        for stage_id, value, _hidden, _author in line_ratings(journey_map, rows, line):
            ratings[line and line.pk][stage_id].append(value)
    reasons = reasons_by_stage(journey_map)
    return {
        "format": FORMAT,
        "version": VERSION,
        "title": journey_map.title,
        "kind": journey_map.kind,
        "persona": None if persona is None else {name: getattr(persona, name) for name in PERSONA_FIELDS},
        "more_personas": [
            {"ref": persona_ref[p.pk], **{name: getattr(p, name) for name in PERSONA_FIELDS}} for p in more
        ],
        "scope": {name: getattr(journey_map, name) for name in SCOPE_FIELDS},
        "backstory": {name: getattr(journey_map, name) for name in BACKSTORY_FIELDS},
        "stages": [
            {
                "ref": stage_ref[stage.pk],
                "name": stage.name,
                "emotion_note": stage.emotion_note,
                "ratings": sorted(ratings[None][stage.pk]),
                "more_ratings": [
                    {"persona": persona_ref[p.pk], "ratings": sorted(ratings[p.pk][stage.pk])}
                    for p in more
                    if ratings[p.pk][stage.pk]
                ],
                "metrics": [
                    {
                        "kind": metric.kind,
                        "label": metric.label,
                        "value": _decimal(metric.value),
                        "unit": metric.unit,
                        "source": metric.source,
                    }
                    for metric in stage.metrics.all()
                ],
                "reasons": [
                    {"text": reason.text, "author": author_name(reason.author)}
                    for reason in reasons.get(stage.pk, [])
                ],
            }
            for stage in stages
        ],
        "lanes": [
            {"key": lane.key, "name": lane.name, "zone": lane.zone, "visible": lane.visible, "position": i}
            for i, lane in enumerate(lanes)
        ],
        "notes": _export_notes(notes, stage_ref, lane_key, note_ref, persona_ref),
        "votes": _export_votes(journey_map, lane_key, note_ref),
        "insights": [
            {"question": insight.question, "text": insight.text, "author": author_name(insight.author)}
            for insight in Insight.objects.filter(journey_map=journey_map).select_related("author")
        ],
    }


def _export_notes(
    notes: list[Sticky],
    stage_ref: dict[int, str],
    lane_key: dict[int, str],
    note_ref: dict[int, str],
    persona_ref: dict[int | None, str],
) -> list[dict[str, Any]]:
    exported = []
    cell_position: Counter[tuple[int, int]] = Counter()
    for note in notes:
        cell = (note.stage_id, note.lane_id)
        links = sorted(
            (link.pk for link in note.links.all() if link.pk in note_ref),
            key=lambda pk: int(note_ref[pk][1:]),
        )
        exported.append(
            {
                "ref": note_ref[note.pk],
                "stage": stage_ref[note.stage_id],
                "lane": lane_key[note.lane_id],
                "position": cell_position[cell],
                "text": note.text,
                "colour": note.colour,
                "marks": [mark for mark, attr in MARKS.items() if getattr(note, attr)],
                "evidence": note.evidence,
                "channel": note.channel,
                "severity": note.severity,
                "reach_count": note.reach_count,
                "reach_share": _decimal(note.reach_share),
                "reach_source": note.reach_source,
                "owner": note.owner,
                "status": note.status,
                # The action plan and the ledger (maps/plan.py): by when, and what settled it.
                "due_on": note.due_on.isoformat() if note.due_on else None,
                "evidence_source": note.evidence_source,
                "evidence_note": note.evidence_note,
                "settled_at": note.settled_at.isoformat() if note.settled_at else None,
                "persona": persona_ref.get(note.persona_id),  # whom it concerns (maps.personas)
                "links": [note_ref[pk] for pk in links],
                "author": author_name(note.author),
                # Notes folded into this one (maps/services/folding.py): their words and writers.
                "folded": [
                    {"text": folded.text, "author": author_name(folded.author)}
                    for folded in sorted(note.folded.all(), key=lambda folded: folded.pk)
                ],
            }
        )
        cell_position[cell] += 1
    return exported


def _export_votes(
    journey_map: JourneyMap, lane_key: dict[int, str], note_ref: dict[int, str]
) -> list[dict[str, Any]]:
    """Closed votes only (an open one is secret), each with its dots per note, never per voter."""
    votes = list(
        Vote.objects.filter(journey_map=journey_map).exclude(closed_at=None).order_by("created_at", "pk")
    )
    dots: dict[int, Counter[int]] = {vote.pk: Counter() for vote in votes}
    for vote_id, sticky_id in VoteDot.objects.filter(vote__in=votes).values_list("vote_id", "sticky_id"):
        if sticky_id in note_ref:
            dots[vote_id][sticky_id] += 1
    return [
        {
            "lane": lane_key[vote.lane_id],
            "budget": vote.budget,
            "stacking": vote.stacking,
            "dots": [
                {"note": note_ref[pk], "count": count}
                for pk, count in sorted(dots[vote.pk].items(), key=lambda item: int(note_ref[item[0]][1:]))
            ],
        }
        for vote in votes
    ]


def dumps(data: dict[str, Any]) -> str:
    """JSON text for a file: readable, UTF-8, and inert even if someone pastes it into HTML."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text + "\n"


def export_json(journey_map: JourneyMap) -> str:
    return dumps(export_data(journey_map))
