"""An uploaded document, checked strictly before anything is written (docs/export-format.md).

`load()` reads the file; `validate()` checks the document in three steps:
1. that it is a Journeymap export at all, and of a version this app reads;
2. every field against the schema (`schema.py`), with jsonschema. Of all the problems found,
   the first in the document's order is named, by its path and in the uploader's language:
   each jsonschema keyword has its own message (`problems.PROBLEMS`), so no jsonschema text is shown;
3. what a schema cannot say, as small functions: refs are unique, every reference points to
   something in the file, marks and links do not repeat.
It returns the document with its decimals written out ("12.5" → "12.50"); the writer is
`maps.services.map_import`.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, ValidationError, validators

from maps.exports.document import FORMAT, MAIN, READS, VERSION
from maps.exports.problems import PROBLEMS
from maps.exports.schema import document_schema

Path = list[str | int]


class InvalidExport(Exception):
    """A file that is not a valid export; `path` says where (e.g. notes[3].severity)."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        message = _("%(path)s: %(problem)s") % {"path": path, "problem": problem} if path else problem
        super().__init__(message)
        self.message = message


# -- the schema's own rules -------------------------------------------------------------------


def _is_integer(checker: Any, instance: Any) -> bool:
    """An integer is a JSON integer: not true or false, and not 1.0 either."""
    return isinstance(instance, int) and not isinstance(instance, bool)


def decimal_problem(
    value: Any, *, digits: int, places: int, minimum: str | None = None, maximum: str | None = None
) -> str | None:
    """What is wrong with a decimal given as text or as a number, as a code `_bad_decimal` words."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return "not_a_number"
    if not number.is_finite():
        return "not_a_number"
    try:
        exact = number == number.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:  # more digits than a decimal holds: far too large
        return "too_large"
    if not exact:
        return "places"
    if abs(number) >= Decimal(10) ** (digits - places):
        return "too_large"
    if minimum is not None and maximum is not None and not Decimal(minimum) <= number <= Decimal(maximum):
        return "bounds"
    return None


DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def when_problem(value: str, kind: str) -> str | None:
    """What is wrong with a date ("date") or a moment with its offset ("datetime"), or None."""
    try:
        if kind == "date":
            if not DATE.fullmatch(value):
                return "date"
            datetime.date.fromisoformat(value)
        elif datetime.datetime.fromisoformat(value).utcoffset() is None:
            return "datetime"
    except ValueError:
        return kind
    return None


def _when_keyword(validator: Any, kind: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and when_problem(instance, kind):
        yield ValidationError(kind)


def _decimal_keyword(
    validator: Any, spec: dict[str, Any], instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") or validator.is_type(instance, "number"):
        problem = decimal_problem(instance, **spec)
        if problem is not None:
            yield ValidationError(problem)  # a code, turned into a message by PROBLEMS


ExportValidator = validators.extend(
    Draft202012Validator,
    validators={"decimal": _decimal_keyword, "when": _when_keyword},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


@cache
def schema() -> dict[str, Any]:
    return document_schema()


@cache
def validator() -> Any:
    return ExportValidator(schema())


def _where(error: ValidationError) -> Path:
    """The path of the value at fault: for a missing or unknown key, the key's own path."""
    path: Path = list(error.absolute_path)
    if error.validator == "required":
        path.append(next(key for key in error.validator_value if key not in error.instance))
    elif error.validator == "additionalProperties":
        path.append(next(key for key in error.instance if key not in error.schema["properties"]))
    return path


def _document_order(path: Path) -> tuple[int, ...]:
    """Where a path comes in the document: fields in the schema's order, an unknown key first."""
    node, order = schema(), []
    for key in path:
        if isinstance(key, int):
            order.append(key)
            node = node.get("items", {})
        else:
            fields = node.get("properties", {})
            order.append(list(fields).index(key) if key in fields else -1)
            node = fields.get(key, {})
    return tuple(order)


def path_text(path: Iterable[str | int]) -> str:
    """["notes", 3, "links", 0] as notes[3].links[0]."""
    text = ""
    for key in path:
        text = f"{text}[{key}]" if isinstance(key, int) else f"{text}.{key}" if text else str(key)
    return text


def schema_problem(data: Any) -> InvalidExport | None:
    """The first problem the schema finds in the document's order, in our words; None if none."""
    found = [
        (_document_order(path), path, error)
        for error in validator().iter_errors(data)
        for path in [_where(error)]
    ]
    if not found:
        return None
    _order, path, error = min(found, key=lambda item: item[0])  # min keeps the first of equals
    problem = PROBLEMS.get(error.validator, lambda error: _("is not valid"))(error)
    return InvalidExport(path_text(path), problem)


# -- what a schema cannot say -------------------------------------------------------------------


def _unique(items: list[dict[str, Any]], key: str, path: Path) -> set[str]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item[key] in seen:
            raise InvalidExport(
                path_text([*path, i, key]), _("%(value)s is used twice") % {"value": json.dumps(item[key])}
            )
        seen.add(item[key])
    return seen


def _dangling(path: Path, value: str) -> InvalidExport:
    return InvalidExport(
        path_text(path), _("refers to %(value)s, which is not in the file") % {"value": json.dumps(value)}
    )


def check_references(doc: dict[str, Any]) -> None:
    """Refs are unique, each points to something in the file, and marks and links do not repeat."""
    stage_refs = _unique(doc["stages"], "ref", ["stages"])
    lane_keys = _unique(doc["lanes"], "key", ["lanes"])
    note_refs = _unique(doc["notes"], "ref", ["notes"])
    # Several personas (version 4): a note names MAIN or one of `more_personas`, which need a main one.
    persona_refs = _unique(doc.get("more_personas", []), "ref", ["more_personas"])
    if persona_refs and doc["persona"] is None:
        raise InvalidExport("more_personas", _("other personas need a main persona (persona is null)"))
    if MAIN in persona_refs:
        raise InvalidExport("more_personas", _('"main" names the main persona: give this one another ref'))
    named = persona_refs | ({MAIN} if doc["persona"] is not None else set())
    for i, stage in enumerate(doc["stages"]):
        _unique(stage.get("more_ratings", []), "persona", ["stages", i, "more_ratings"])
        for j, more in enumerate(stage.get("more_ratings", [])):
            if more["persona"] not in persona_refs:
                raise _dangling(["stages", i, "more_ratings", j, "persona"], more["persona"])
    for i, note in enumerate(doc["notes"]):
        if note.get("persona") is not None and note["persona"] not in named:
            raise _dangling(["notes", i, "persona"], note["persona"])
        if note["stage"] not in stage_refs:
            raise _dangling(["notes", i, "stage"], note["stage"])
        if note["lane"] not in lane_keys:
            raise _dangling(["notes", i, "lane"], note["lane"])
        if len(set(note["marks"])) != len(note["marks"]):
            raise InvalidExport(path_text(["notes", i, "marks"]), _("a mark is given twice"))
        for j, link in enumerate(note["links"]):
            if link not in note_refs:
                raise _dangling(["notes", i, "links", j], link)
            if link == note["ref"]:
                raise InvalidExport(
                    path_text(["notes", i, "links", j]), _("a note cannot be linked to itself")
                )
        if len(set(note["links"])) != len(note["links"]):
            raise InvalidExport(path_text(["notes", i, "links"]), _("a link is given twice"))
    for i, vote in enumerate(doc["votes"]):
        if vote["lane"] not in lane_keys:
            raise _dangling(["votes", i, "lane"], vote["lane"])
        _unique(vote["dots"], "note", ["votes", i, "dots"])
        for j, dot in enumerate(vote["dots"]):
            if dot["note"] not in note_refs:
                raise _dangling(["votes", i, "dots", j, "note"], dot["note"])


def _decimal_text(value: str | float | None) -> str | None:
    return None if value is None else f"{Decimal(str(value)):.2f}"


def _with_decimals_as_text(doc: dict[str, Any]) -> dict[str, Any]:
    """A copy with every decimal written out with its two places; `doc` itself is left alone."""
    return {
        **doc,
        "stages": [
            {**stage, "metrics": [{**m, "value": _decimal_text(m["value"])} for m in stage["metrics"]]}
            for stage in doc["stages"]
        ],
        "notes": [{**note, "reach_share": _decimal_text(note["reach_share"])} for note in doc["notes"]],
    }


def validate(data: Any) -> dict[str, Any]:
    """The document, checked field by field and reference by reference; raises InvalidExport.

    The first check is whether this is an export at all and of which version, so that another
    JSON file or a newer format gets that message rather than a list of field errors.
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidExport(
            "format", _('this is not a Journeymap export ("format": "journeymap" is missing)')
        )
    if data.get("version") not in READS or isinstance(data.get("version"), bool):
        raise InvalidExport(
            "version",
            _("version %(found)s is not supported; this app reads version %(version)d")
            % {"found": json.dumps(data.get("version")), "version": VERSION},
        )
    problem = schema_problem(data)
    if problem is not None:
        raise problem
    doc = _with_decimals_as_text(data)
    check_references(doc)
    return doc


def load(raw: bytes) -> dict[str, Any]:
    """Parse and validate an uploaded file; raises InvalidExport with a message for the uploader."""
    limit = settings.JOURNEYMAP_IMPORT_MAX_BYTES
    if len(raw) > limit:
        raise InvalidExport("", _("The file is too large: at most %(limit)d KB.") % {"limit": limit // 1024})
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidExport("", _("The file is not UTF-8 text, so it is not a Journeymap export.")) from error
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants)
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
