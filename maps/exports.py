"""A map leaves the app: JSON (and back again), CSV, Markdown and SVG.

The JSON document is the map's one portable form (`docs/export-format.md`). It is built so that
export → import → export gives the same document: everything in it is in a canonical order,
positions are renumbered, references are local (`s1`, `n1`), and ids and dates are left out.
It holds only what every participant may see: no hidden notes or ratings, no deleted notes,
no e-mail addresses, and no one's identity behind a rating or a dot.

`validate()` checks a document strictly before anything is written; the writer is
`maps.services.map_import`. The other formats are read-only views of the same map.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from maps import emotion, layout
from maps.models import (
    BigQuestion,
    Channel,
    Colour,
    EmotionRating,
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
    Vote,
    VoteDot,
    Zone,
)
from maps.selectors import emotion_line, lane_label, pain_rank

FORMAT = "journeymap"
VERSION = 1
MARKS = {
    "question": "is_question",
    "decision": "is_decision",
    "aha": "is_aha",
    "micro_moment": "is_micro_moment",
}
PERSONA_FIELDS = ("name", "role", "description", "goals", "needs", "motivations", "pains", "quote")
SCOPE_FIELDS = ("scenario", "goal", "journey_start", "journey_end")
BACKSTORY_FIELDS = ("trigger", "needs", "outcome", "narrative")
VOTE_LANES = ("pains", "opportunities")
# What one document may hold; a real map stays far below.
MAX_STAGES = 20  # as maps.services.MAX_STAGES, which the board enforces
MAX_LANES = 20
MAX_NOTES = 5000
MAX_RATINGS_PER_STAGE = 500
MAX_LINKS = 50
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


# -- export ---------------------------------------------------------------------------------


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
        .prefetch_related("links"),
        key=lambda n: (stage_index[n.stage_id], lane_index[n.lane_id], n.position, n.pk),
    )
    note_ref = {note.pk: f"n{i}" for i, note in enumerate(notes, 1)}
    ratings: dict[int, list[int]] = defaultdict(list)
    for stage_id, value in EmotionRating.objects.filter(journey_map=journey_map, hidden=False).values_list(
        "stage_id", "value"
    ):
        ratings[stage_id].append(value)
    persona = journey_map.persona
    return {
        "format": FORMAT,
        "version": VERSION,
        "title": journey_map.title,
        "kind": journey_map.kind,
        "persona": None if persona is None else {name: getattr(persona, name) for name in PERSONA_FIELDS},
        "scope": {name: getattr(journey_map, name) for name in SCOPE_FIELDS},
        "backstory": {name: getattr(journey_map, name) for name in BACKSTORY_FIELDS},
        "stages": [
            {
                "ref": stage_ref[stage.pk],
                "name": stage.name,
                "emotion_note": stage.emotion_note,
                "ratings": sorted(ratings[stage.pk]),
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
            }
            for stage in stages
        ],
        "lanes": [
            {"key": lane.key, "name": lane.name, "zone": lane.zone, "visible": lane.visible, "position": i}
            for i, lane in enumerate(lanes)
        ],
        "notes": _export_notes(notes, stage_ref, lane_key, note_ref),
        "votes": _export_votes(journey_map, lane_key, note_ref),
        "insights": [
            {"question": insight.question, "text": insight.text, "author": author_name(insight.author)}
            for insight in Insight.objects.filter(journey_map=journey_map).select_related("author")
        ],
    }


def _export_notes(
    notes: list[Sticky], stage_ref: dict[int, str], lane_key: dict[int, str], note_ref: dict[int, str]
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
                "links": [note_ref[pk] for pk in links],
                "author": author_name(note.author),
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


# -- validation -------------------------------------------------------------------------------


class InvalidExport(Exception):
    """A file that is not a valid export; `path` says where (e.g. notes[3].severity)."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        message = _("%(path)s: %(problem)s") % {"path": path, "problem": problem} if path else problem
        super().__init__(message)
        self.message = message


Check = Callable[[Any, str], Any]


def _at(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _type_name(value: Any) -> str:
    """What a JSON value is, in words ("null" stays as JSON writes it)."""
    if value is None:
        return "null"
    names = {
        bool: _("true or false"),
        int: _("a number"),
        float: _("a number"),
        str: _("text"),
        list: _("a list"),
        dict: _("an object"),
    }
    return names.get(type(value), type(value).__name__)


def _wrong_type(path: str, expected: str, value: Any) -> InvalidExport:
    return InvalidExport(
        path, _("expected %(expected)s, found %(found)s") % {"expected": expected, "found": _type_name(value)}
    )


def text(max_length: int, *, blank: bool = True) -> Check:
    def check(value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise _wrong_type(path, _("text"), value)
        if len(value) > max_length:
            raise InvalidExport(
                path,
                _("at most %(max)d characters, found %(count)d") % {"max": max_length, "count": len(value)},
            )
        if not blank and not value.strip():
            raise InvalidExport(path, _("must not be empty"))
        if "\x00" in value:
            raise InvalidExport(path, _("contains a NUL character"))
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise InvalidExport(path, _("contains an invalid character")) from error
        return value

    return check


def model_text(model: type, name: str, *, blank: bool = True) -> Check:
    """Text as long as the model's field allows: the format follows the models."""
    return text(model._meta.get_field(name).max_length, blank=blank)


def choice(values: Iterable[Any], *, nullable: bool = False) -> Check:
    allowed = list(values)

    def check(value: Any, path: str) -> Any:
        if value is None and nullable:
            return None
        if isinstance(value, bool) or value not in allowed:
            shown = ", ".join(json.dumps(v) for v in allowed)
            raise InvalidExport(path, _("must be one of %(choices)s") % {"choices": shown})
        return value

    return check


def boolean(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _wrong_type(path, _("true or false"), value)
    return value


def integer(low: int, high: int, *, nullable: bool = False) -> Check:
    def check(value: Any, path: str) -> int | None:
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong_type(path, _("a whole number"), value)
        if not low <= value <= high:
            raise InvalidExport(path, _("must be between %(low)d and %(high)d") % {"low": low, "high": high})
        return value

    return check


def decimal(
    digits: int,
    places: int,
    low: Decimal | None = None,
    high: Decimal | None = None,
    *,
    nullable: bool = False,
) -> Check:
    """A decimal as text ("12.50"); a plain JSON number is accepted too. Comes back as text."""

    def check(value: Any, path: str) -> str | None:
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _wrong_type(path, _('a number as text, e.g. "12.50"'), value)
        try:
            number = Decimal(str(value))
        except InvalidOperation as error:
            raise InvalidExport(path, _("is not a number")) from error
        if not number.is_finite():
            raise InvalidExport(path, _("is not a number"))
        if number != number.quantize(Decimal(1).scaleb(-places)):
            raise InvalidExport(path, _("at most %(places)d decimal places") % {"places": places})
        if abs(number) >= Decimal(10) ** (digits - places):
            raise InvalidExport(path, _("is too large"))
        if (low is not None and number < low) or (high is not None and number > high):
            raise InvalidExport(path, _("must be between %(low)s and %(high)s") % {"low": low, "high": high})
        return f"{number:.{places}f}"

    return check


def nullable_text(max_length: int) -> Check:
    inner = text(max_length)

    def check(value: Any, path: str) -> str | None:
        return None if value is None else inner(value, path)

    return check


def list_of(item: Check, *, max_items: int, min_items: int = 0) -> Check:
    def check(value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise _wrong_type(path, _("a list"), value)
        if len(value) > max_items:
            raise InvalidExport(
                path, _("at most %(max)d items, found %(count)d") % {"max": max_items, "count": len(value)}
            )
        if len(value) < min_items:
            raise InvalidExport(path, _("needs at least %(min)d item(s)") % {"min": min_items})
        return [item(entry, _at(path, i)) for i, entry in enumerate(value)]

    return check


def obj(fields: dict[str, Check], *, nullable: bool = False) -> Check:
    """An object with exactly these keys: a missing or unknown key is an error, not a guess."""

    def check(value: Any, path: str) -> dict[str, Any] | None:
        if value is None and nullable:
            return None
        if not isinstance(value, dict):
            raise _wrong_type(path, _("an object"), value)
        for key in value:
            if key not in fields:
                raise InvalidExport(_at(path, key), _("unknown field"))
        checked = {}
        for key, check in fields.items():  # in the format's order, so the first problem is named
            if key not in value:
                raise InvalidExport(_at(path, key), _("missing"))
            checked[key] = check(value[key], _at(path, key))
        return checked

    return check


REF = text(20, blank=False)
LANE_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,19}$")


def lane_key(value: Any, path: str) -> str:
    if not isinstance(value, str) or not LANE_KEY_RE.fullmatch(value):
        raise InvalidExport(path, _("a lane key: lower-case letters, digits and _, at most 20"))
    return value


def _document_check() -> Check:
    return obj(
        {
            "format": choice([FORMAT]),
            "version": integer(VERSION, VERSION),
            "title": model_text(JourneyMap, "title", blank=False),
            "kind": choice(MapKind.values),
            "persona": obj(
                {name: model_text(Persona, name, blank=name != "name") for name in PERSONA_FIELDS},
                nullable=True,
            ),
            "scope": obj({name: model_text(JourneyMap, name) for name in SCOPE_FIELDS}),
            "backstory": obj({name: model_text(JourneyMap, name) for name in BACKSTORY_FIELDS}),
            "stages": list_of(
                obj(
                    {
                        "ref": REF,
                        "name": model_text(Stage, "name", blank=False),
                        "emotion_note": model_text(Stage, "emotion_note"),
                        "ratings": list_of(
                            integer(emotion.LOW, emotion.HIGH), max_items=MAX_RATINGS_PER_STAGE
                        ),
                        "metrics": list_of(
                            obj(
                                {
                                    "kind": choice(MetricKind.values),
                                    "label": model_text(StageMetric, "label"),
                                    "value": decimal(12, 2),
                                    "unit": model_text(StageMetric, "unit"),
                                    "source": model_text(StageMetric, "source"),
                                }
                            ),
                            max_items=MAX_METRICS,
                        ),
                    }
                ),
                min_items=1,
                max_items=MAX_STAGES,
            ),
            "lanes": list_of(
                obj(
                    {
                        "key": lane_key,
                        "name": model_text(Lane, "name", blank=False),
                        "zone": choice(Zone.values),
                        "visible": boolean,
                        "position": integer(0, MAX_POSITION),
                    }
                ),
                min_items=1,
                max_items=MAX_LANES,
            ),
            "notes": list_of(
                obj(
                    {
                        "ref": REF,
                        "stage": REF,
                        "lane": lane_key,
                        "position": integer(0, MAX_POSITION),
                        "text": model_text(Sticky, "text", blank=False),
                        "colour": choice(Colour.values),
                        "marks": list_of(choice(list(MARKS)), max_items=len(MARKS)),
                        "evidence": choice(Evidence.values),
                        "channel": choice(["", *Channel.values]),
                        "severity": choice(Severity.values, nullable=True),
                        "reach_count": integer(0, 2_000_000_000, nullable=True),
                        "reach_share": decimal(5, 2, Decimal(0), Decimal(100), nullable=True),
                        "reach_source": model_text(Sticky, "reach_source"),
                        "owner": model_text(Sticky, "owner"),
                        "status": choice(["", *OpportunityStatus.values]),
                        "links": list_of(REF, max_items=MAX_LINKS),
                        "author": nullable_text(AUTHOR_MAX_LENGTH),
                    }
                ),
                max_items=MAX_NOTES,
            ),
            "votes": list_of(
                obj(
                    {
                        "lane": choice(VOTE_LANES),
                        "budget": integer(1, 10),
                        "stacking": boolean,
                        "dots": list_of(
                            obj({"note": REF, "count": integer(1, MAX_DOTS)}), max_items=MAX_NOTES
                        ),
                    }
                ),
                max_items=MAX_VOTES,
            ),
            "insights": list_of(
                obj(
                    {
                        "question": choice(BigQuestion.values),
                        "text": model_text(Insight, "text", blank=False),
                        "author": nullable_text(AUTHOR_MAX_LENGTH),
                    }
                ),
                max_items=MAX_INSIGHTS,
            ),
        }
    )


def _unique(items: list[dict[str, Any]], key: str, path: str) -> set[str]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item[key] in seen:
            raise InvalidExport(
                _at(_at(path, i), key), _("%(value)s is used twice") % {"value": json.dumps(item[key])}
            )
        seen.add(item[key])
    return seen


def _dangling(path: str, value: str) -> InvalidExport:
    return InvalidExport(
        path, _("refers to %(value)s, which is not in the file") % {"value": json.dumps(value)}
    )


def validate(data: Any) -> dict[str, Any]:
    """The document, checked field by field and reference by reference; raises InvalidExport.

    The first check is whether this is an export at all and of which version, so that another
    JSON file or a newer format gets that message rather than a list of field errors.
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidExport(
            "format", _('this is not a Journeymap export ("format": "journeymap" is missing)')
        )
    if data.get("version") != VERSION:
        raise InvalidExport(
            "version",
            _("version %(found)s is not supported; this app reads version %(version)d")
            % {"found": json.dumps(data.get("version")), "version": VERSION},
        )
    doc = _document_check()(data, "")
    stage_refs = _unique(doc["stages"], "ref", "stages")
    lane_keys = _unique(doc["lanes"], "key", "lanes")
    note_refs = _unique(doc["notes"], "ref", "notes")
    for i, note in enumerate(doc["notes"]):
        path = _at("notes", i)
        if note["stage"] not in stage_refs:
            raise _dangling(_at(path, "stage"), note["stage"])
        if note["lane"] not in lane_keys:
            raise _dangling(_at(path, "lane"), note["lane"])
        if len(set(note["marks"])) != len(note["marks"]):
            raise InvalidExport(_at(path, "marks"), _("a mark is given twice"))
        for j, link in enumerate(note["links"]):
            if link not in note_refs:
                raise _dangling(_at(_at(path, "links"), j), link)
            if link == note["ref"]:
                raise InvalidExport(_at(_at(path, "links"), j), _("a note cannot be linked to itself"))
        if len(set(note["links"])) != len(note["links"]):
            raise InvalidExport(_at(path, "links"), _("a link is given twice"))
    for i, vote in enumerate(doc["votes"]):
        path = _at("votes", i)
        if vote["lane"] not in lane_keys:
            raise _dangling(_at(path, "lane"), vote["lane"])
        _unique(vote["dots"], "note", _at(path, "dots"))
        for j, dot in enumerate(vote["dots"]):
            if dot["note"] not in note_refs:
                raise _dangling(_at(_at(_at(path, "dots"), j), "note"), dot["note"])
    return doc


def load(raw: bytes) -> dict[str, Any]:
    """Parse and validate an uploaded file; raises InvalidExport with a message for the uploader."""
    limit = settings.JOURNEYMAP_IMPORT_MAX_BYTES
    if len(raw) > limit:
        raise InvalidExport("", _("The file is too large: at most %(limit)d KB.") % {"limit": limit // 1024})
    try:
        text_ = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidExport("", _("The file is not UTF-8 text, so it is not a Journeymap export.")) from error
    try:
        data = json.loads(text_, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants)
    except (ValueError, RecursionError) as error:
        detail = f" ({error})" if isinstance(error, ValueError) else ""
        raise InvalidExport("", _("The file is not valid JSON%(detail)s.") % {"detail": detail}) from error
    return validate(data)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} appears twice in one object")
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def for_kind(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    """The map's journey re-laid for another kind: the start of a copy (e.g. a future state).

    Keeps the persona, scope, backstory, stages and the notes in the lanes the new kind has;
    leaves out what the team judged about the old journey (ratings, figures, the emotion notes,
    votes and the big-picture answers), which the new map's workshop works out afresh.
    """
    old_lanes = {lane["key"]: lane for lane in doc["lanes"]}
    lanes = []
    for position, spec in enumerate(layout.LANES[kind]):
        kept = old_lanes.get(spec.key)
        lanes.append(
            {
                "key": spec.key,
                "name": kept["name"] if kept else str(spec.name),
                "zone": spec.zone,
                "visible": kept["visible"] if kept else True,
                "position": position,
            }
        )
    keys = {lane["key"] for lane in lanes}
    notes = [note for note in doc["notes"] if note["lane"] in keys]
    refs = {note["ref"] for note in notes}
    return {
        **doc,
        "kind": kind,
        "stages": [{**stage, "emotion_note": "", "ratings": [], "metrics": []} for stage in doc["stages"]],
        "lanes": lanes,
        "notes": [{**note, "links": [ref for ref in note["links"] if ref in refs]} for note in notes],
        "votes": [],
        "insights": [],
    }


# -- the readable formats ---------------------------------------------------------------------


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
        .select_related("author", "stage", "lane")
        .prefetch_related("links"),
        key=lambda n: (stage_index[n.stage_id], lane_index[n.lane_id], n.position, n.pk),
    )
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
    writer.writerow([_("Stage"), _("Lane"), _("Note"), _("Marks"), _("Evidence"), _("Votes"), _("Author")])
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
        ]
        writer.writerow([spreadsheet_safe(bidi_isolated(cell)) for cell in row])
    return out.getvalue()


# Markdown: text must show as written, never as markup (or as HTML, where the renderer allows it).
_MD_INLINE = re.compile(r"([\\`*_{}\[\]<>()#+!|~&$])")


# Explicit bidirectional formatting: an override left open in one note would flip the text
# that follows it (another cell, the next column of a plain-text table).
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def bidi_isolated(value: str) -> str:
    """Text holding bidi controls, wrapped in an isolate (FSI … PDI) so they end where it ends.

    Plain right-to-left text (Arabic, Hebrew) needs nothing and is left exactly as written.
    """
    return f"\u2068{value}\u2069" if BIDI_CONTROLS.search(value) else value


def _lines(value: Any) -> list[str]:
    return str(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _md_line(line: str) -> str:
    line = _MD_INLINE.sub(r"\\\1", line)
    # A line that starts like a list item, a heading underline or a numbered item stays text.
    return re.sub(
        r"^(\s*)([-=]|\d+\.)",
        lambda m: m[1] + "\\" + m[2] if m[2] in "-=" else m[1] + m[2][:-1] + "\\.",
        line,
    )


def md(value: Any) -> str:
    """User text for a Markdown paragraph: punctuation escaped, newlines as hard breaks."""
    return bidi_isolated("  \n".join(_md_line(line) for line in _lines(value)))


def md_cell(value: Any) -> str:
    """User text inside a table cell: escaped, and newlines as <br> (a row is one line)."""
    return bidi_isolated("<br>".join(_md_line(line) for line in _lines(value)))


def _plain(number: Decimal) -> str:
    """42.50 as "42.5", 12.00 as "12"."""
    return f"{number.normalize():f}"


def _rank_pains(board: ReadableMap) -> list[Sticky]:
    """Pain points by votes, then severity, then reach (a share counts before a count)."""
    return sorted(board.in_lane("pains"), key=lambda note: pain_rank(note, board.dots[note.pk]))


def export_markdown(journey_map: JourneyMap) -> str:
    """The map for a wiki page or a README: headings, a table for the grid, ranked lists.

    Every piece of user text goes through md() or md_cell(), so it shows as written.
    """
    board = readable(journey_map)
    out: list[str] = [f"# {md(journey_map.title)}", "", f"*{md(journey_map.get_kind_display())}*", ""]

    def section(title: str, pairs: list[tuple[Any, str]]) -> None:
        pairs = [(label, value) for label, value in pairs if value]
        if not pairs:
            return
        out.extend([f"## {title}", ""])
        for label, value in pairs:
            out.extend([f"**{md(label)}**  ", md(value), ""])

    persona = journey_map.persona
    if persona is not None:
        fields = [
            (Persona._meta.get_field(name).verbose_name, getattr(persona, name)) for name in PERSONA_FIELDS
        ]
        section(_("Persona"), fields)
    section(
        _("Scope"),
        [
            (JourneyMap._meta.get_field(name).verbose_name, getattr(journey_map, name))
            for name in SCOPE_FIELDS
        ],
    )
    section(
        _("Backstory"),
        [
            (JourneyMap._meta.get_field(name).verbose_name, getattr(journey_map, name))
            for name in BACKSTORY_FIELDS
        ],
    )

    out.extend([f"## {_('The journey')}", ""])
    out.append("| " + " | ".join([md_cell(_("Lane")), *(md_cell(s.name) for s in board.stages)]) + " |")
    out.append("|" + "---|" * (len(board.stages) + 1))
    for lane in board.lanes:
        if not lane.visible:
            continue
        cells = [
            "<br>".join("• " + md_cell(n.text) for n in board.cell(stage, lane)) for stage in board.stages
        ]
        out.append("| " + " | ".join([f"**{md_cell(lane.label)}**", *cells]) + " |")
    out.append("")

    out.extend(
        [
            f"## {_('Emotion line')}",
            "",
            _("From −3 (miserable) to +3 (delighted): the median of the team's ratings."),
            "",
        ]
    )
    out.append(f"| {_('Stage')} | {_('Median')} | {_('Ratings')} | {_('Why')} |")
    out.append("|---|---|---|---|")
    for cell in board.line["emotion_cells"]:
        median = "—" if cell.point.median is None else f"{cell.point.median:+g}"
        note = md_cell(cell.stage.emotion_note)
        out.append(f"| {md_cell(cell.stage.name)} | {median} | {cell.point.count} | {note} |")
    out.append("")
    for reading in board.line["emotion_readings"]:
        out.append(f"- {md(reading.message)}")
    if board.line["emotion_readings"]:
        out.append("")

    pains = _rank_pains(board)
    if pains:
        out.extend([f"## {_('Pain points, most pressing first')}", ""])
        for i, note in enumerate(pains, 1):
            count = board.dots[note.pk]
            details = [ngettext("%(count)d vote", "%(count)d votes", count) % {"count": count}]
            if note.severity:
                details.append(_("severity: %(level)s") % {"level": note.get_severity_display()})
            if note.reach_share is not None:
                details.append(_("%(share)s%% of customers") % {"share": _plain(note.reach_share)})
            elif note.reach_count is not None:
                details.append(
                    ngettext("%(count)d customer", "%(count)d customers", note.reach_count)
                    % {"count": note.reach_count}
                )
            if note.reach_source:
                details.append(_("source: %(source)s") % {"source": note.reach_source})
            out.append(
                f"{i}\\. {md(note.text)} — {md(' · '.join(str(d) for d in details))} ({md(note.stage.name)})"
            )
        out.append("")

    opportunities = sorted(board.in_lane("opportunities"), key=lambda n: -board.dots[n.pk])
    if opportunities:
        out.extend([f"## {_('Opportunities')}", ""])
        out.append(f"| {_('Opportunity')} | {_('Owner')} | {_('Status')} | {_('Addresses')} | {_('Votes')} |")
        out.append("|---|---|---|---|---|")
        for note in opportunities:
            addresses = [link for link in note.links.all() if link.deleted_at is None and not link.hidden]
            out.append(
                f"| {md_cell(note.text)} | {md_cell(note.owner or '—')} | "
                f"{md_cell(note.get_status_display() if note.status else '—')} | "
                f"{'<br>'.join(md_cell(link.text) for link in addresses) or '—'} | {board.dots[note.pk]} |"
            )
        out.append("")

    answers: dict[str, list[Insight]] = defaultdict(list)
    for insight in Insight.objects.filter(journey_map=journey_map):
        answers[insight.question].append(insight)
    if answers:
        out.extend([f"## {_('The big picture')}", ""])
        for key, label in BigQuestion.choices:
            if answers[key]:
                out.extend([f"### {md(label)}", ""])
                out.extend(f"- {md(insight.text)}" for insight in answers[key])
                out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


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


EXPORTERS: dict[str, tuple[Callable[[JourneyMap], str], str]] = {
    "json": (export_json, "application/json; charset=utf-8"),
    "md": (export_markdown, "text/markdown; charset=utf-8"),
    "csv": (export_csv, "text/csv; charset=utf-8"),
    "svg": (export_svg, "image/svg+xml; charset=utf-8"),
}
