"""The JSON document's shape as a JSON Schema (draft 2020-12): every field's type and bounds.

It is written from the models, so the format follows them: a text field is as long as the
model's column allows. `validation.py` checks an uploaded document against it with jsonschema
and turns each failure into our own message; what a schema cannot say (a note's stage is one of
the file's stages, refs are unique) is checked there after it.

Two things are ours rather than JSON Schema's, both read by `validation.ExportValidator`:
- "integer" means a JSON integer: never 1.0 (nor true), as the format always writes them;
- the `decimal` keyword: a decimal written as text ("12.50", a JSON number is accepted too)
  with at most `digits` digits, `places` of them after the point, and between `minimum` and
  `maximum` where the schema gives them;
- the `when` keyword: a date ("date") or a date and time with its offset ("datetime"), as text.
"""

from __future__ import annotations

from typing import Any

from maps import emotion
from maps.exports.document import (
    AUTHOR_MAX_LENGTH,
    FORMAT,
    MARKS,
    MAX_DOTS,
    MAX_FOLDED,
    MAX_INSIGHTS,
    MAX_LANES,
    MAX_LINKS,
    MAX_METRICS,
    MAX_NOTES,
    MAX_POSITION,
    MAX_RATINGS_PER_STAGE,
    MAX_VOTES,
    READS,
    VERSION,
)
from maps.models import (
    BigQuestion,
    Channel,
    Colour,
    Evidence,
    Insight,
    JourneyMap,
    Lane,
    MapKind,
    MetricKind,
    OpportunityStatus,
    Persona,
    Severity,
    Stage,
    StageMetric,
    Sticky,
    Zone,
)
from maps.personas import MAX_MORE
from maps.vocabulary import BACKSTORY_FIELDS, MAX_STAGES, PERSONA_FIELDS, SCOPE_FIELDS, VOTE_LANES

# Text may hold anything but a NUL (PostgreSQL refuses it) and a lone surrogate (not UTF-8);
# WORDS is the same, and not only white space (a name, a note: what must not be empty).
TEXT = "^[^\\x00\\ud800-\\udfff]*$"
WORDS = "^(?=[\\s\\S]*\\S)[^\\x00\\ud800-\\udfff]*$"
# Python's `$` also matches before a final newline, hence `\\Z`.
LANE_KEY = "^[a-z][a-z0-9_]{0,19}\\Z"

Schema = dict[str, Any]


def text(max_length: int, *, blank: bool = True, nullable: bool = False) -> Schema:
    return {
        "type": ["string", "null"] if nullable else "string",
        "maxLength": max_length,
        "pattern": TEXT if blank else WORDS,
    }


def model_text(model: type, name: str, *, blank: bool = True) -> Schema:
    """Text as long as the model's field allows."""
    return text(model._meta.get_field(name).max_length, blank=blank)


def integer(low: int, high: int, *, nullable: bool = False) -> Schema:
    return {"type": ["integer", "null"] if nullable else "integer", "minimum": low, "maximum": high}


def decimal(
    digits: int, places: int, *, between: tuple[str, str] | None = None, nullable: bool = False
) -> Schema:
    spec: Schema = {"digits": digits, "places": places}
    if between is not None:
        spec["minimum"], spec["maximum"] = between
    return {"type": ["string", "number", "null"] if nullable else ["string", "number"], "decimal": spec}


def when(kind: str) -> Schema:
    """A date (`kind` "date": 2026-12-03) or a moment with its offset ("datetime":
    2026-12-03T10:00:00+00:00), as text, or null: the `when` keyword."""
    return {"type": ["string", "null"], "when": kind}


def one_of(values: Any, *, nullable: bool = False) -> Schema:
    return {"enum": [None, *values] if nullable else list(values)}


def array(items: Schema, *, max_items: int, min_items: int = 0) -> Schema:
    schema: Schema = {"type": "array", "maxItems": max_items}
    if min_items:
        schema["minItems"] = min_items
    schema["items"] = items
    return schema


def record(fields: dict[str, Schema], *, nullable: bool = False, optional: tuple[str, ...] = ()) -> Schema:
    """An object with exactly these keys: a missing or unknown key is an error, not a guess.
    `optional`: keys an older version of the format did not have."""
    return {
        "type": ["object", "null"] if nullable else "object",
        "additionalProperties": False,
        "required": [name for name in fields if name not in optional],
        "properties": fields,
    }


REF = text(20, blank=False)
LANE_KEY_TEXT: Schema = {"type": "string", "pattern": LANE_KEY}


def document_schema() -> Schema:
    """The whole document; the order of `properties` is the order problems are looked for in."""
    # Something a person wrote, kept under a note or a stage: a note folded into another, a
    # reason given in a "why do we see this differently?" round.
    written = record(
        {"text": model_text(Sticky, "text", blank=False), "author": text(AUTHOR_MAX_LENGTH, nullable=True)}
    )
    stage = record(
        {
            "ref": REF,
            "name": model_text(Stage, "name", blank=False),
            "emotion_note": model_text(Stage, "emotion_note"),
            "ratings": array(integer(emotion.LOW, emotion.HIGH), max_items=MAX_RATINGS_PER_STAGE),
            "metrics": array(
                record(
                    {
                        "kind": one_of(MetricKind.values),
                        "label": model_text(StageMetric, "label"),
                        "value": decimal(12, 2),
                        "unit": model_text(StageMetric, "unit"),
                        "source": model_text(StageMetric, "source"),
                    }
                ),
                max_items=MAX_METRICS,
            ),
            # The other personas' ratings (version 4; maps.personas): `ratings` is the main one's.
            "more_ratings": array(
                record(
                    {
                        "persona": REF,
                        "ratings": array(integer(emotion.LOW, emotion.HIGH), max_items=MAX_RATINGS_PER_STAGE),
                    }
                ),
                max_items=MAX_MORE,
            ),
            # Why the team saw the stage differently (version 2; maps.models.EmotionReason).
            "reasons": array(
                written,
                max_items=MAX_RATINGS_PER_STAGE,
            ),
        },
        optional=("reasons", "more_ratings"),  # versions 1 and 1 to 3
    )
    lane = record(
        {
            "key": LANE_KEY_TEXT,
            "name": model_text(Lane, "name", blank=False),
            "zone": one_of(Zone.values),
            "visible": {"type": "boolean"},
            "position": integer(0, MAX_POSITION),
        }
    )
    note = record(
        {
            "ref": REF,
            "stage": REF,
            "lane": LANE_KEY_TEXT,
            "position": integer(0, MAX_POSITION),
            "text": model_text(Sticky, "text", blank=False),
            "colour": one_of(Colour.values),
            # No repeats: checked after the schema (validation.py), as jsonschema's uniqueItems
            # would compare junk however deeply it is nested.
            "marks": array(one_of(MARKS), max_items=len(MARKS)),
            "evidence": one_of(Evidence.values),
            "channel": one_of(["", *Channel.values]),
            "severity": one_of(Severity.values, nullable=True),
            "reach_count": integer(0, 2_000_000_000, nullable=True),
            "reach_share": decimal(5, 2, between=("0", "100"), nullable=True),
            "reach_source": model_text(Sticky, "reach_source"),
            "owner": model_text(Sticky, "owner"),
            "status": one_of(["", *OpportunityStatus.values]),
            "due_on": when("date"),
            "evidence_source": model_text(Sticky, "evidence_source"),
            "evidence_note": model_text(Sticky, "evidence_note"),
            "settled_at": when("datetime"),
            "persona": text(20, blank=False, nullable=True),
            "links": array(REF, max_items=MAX_LINKS),
            "author": text(AUTHOR_MAX_LENGTH, nullable=True),
            "folded": array(
                written,
                max_items=MAX_FOLDED,
            ),
        },
        # `folded`: not in version 1; the follow-up: not in versions 1 and 2; `persona`: 1 to 3.
        optional=("folded", "due_on", "evidence_source", "evidence_note", "settled_at", "persona"),
    )
    vote = record(
        {
            "lane": one_of(VOTE_LANES),
            "budget": integer(1, 10),
            "stacking": {"type": "boolean"},
            "dots": array(record({"note": REF, "count": integer(1, MAX_DOTS)}), max_items=MAX_NOTES),
        }
    )
    insight = record(
        {
            "question": one_of(BigQuestion.values),
            "text": model_text(Insight, "text", blank=False),
            "author": text(AUTHOR_MAX_LENGTH, nullable=True),
        }
    )
    persona = {name: model_text(Persona, name, blank=name != "name") for name in PERSONA_FIELDS}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "A Journeymap export (docs/export-format.md)",
        **record(
            {
                "format": one_of([FORMAT]),
                "version": integer(min(READS), VERSION),
                "title": model_text(JourneyMap, "title", blank=False),
                "kind": one_of(MapKind.values),
                "persona": record(persona, nullable=True),
                "more_personas": array(
                    record(
                        {
                            "ref": REF,
                            **{
                                name: model_text(Persona, name, blank=name != "name")
                                for name in PERSONA_FIELDS
                            },
                        }
                    ),
                    max_items=MAX_MORE,
                ),
                "scope": record({name: model_text(JourneyMap, name) for name in SCOPE_FIELDS}),
                "backstory": record({name: model_text(JourneyMap, name) for name in BACKSTORY_FIELDS}),
                "stages": array(stage, min_items=1, max_items=MAX_STAGES),
                "lanes": array(lane, min_items=1, max_items=MAX_LANES),
                "notes": array(note, max_items=MAX_NOTES),
                "votes": array(vote, max_items=MAX_VOTES),
                "insights": array(insight, max_items=MAX_INSIGHTS),
            },
            optional=("more_personas",),  # versions 1 to 3
        ),
    }
