"""jsonschema's errors, in our words: what each keyword the schema uses says when a value fails it
(`PROBLEMS`), so that an upload's problem is named in the uploader's language and no jsonschema
text is shown (`validation.schema_problem` picks the problem to name)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import ValidationError

from maps.exports.schema import LANE_KEY


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


def _expected(types: str | list[str]) -> str:
    wanted = {types} if isinstance(types, str) else set(types) - {"null"}
    if wanted == {"string", "number"}:
        return _('a number as text, e.g. "12.50"')
    names = {
        "string": _("text"),
        "integer": _("a whole number"),
        "boolean": _("true or false"),
        "array": _("a list"),
        "object": _("an object"),
    }
    return names[wanted.pop()]


def _wrong_type(error: ValidationError) -> str:
    return _("expected %(expected)s, found %(found)s") % {
        "expected": _expected(error.validator_value),
        "found": _type_name(error.instance),
    }


def _not_one_of(error: ValidationError) -> str:
    shown = ", ".join(json.dumps(value) for value in error.validator_value if value is not None)
    return _("must be one of %(choices)s") % {"choices": shown}


def _out_of_bounds(error: ValidationError) -> str:
    return _("must be between %(low)d and %(high)d") % {
        "low": error.schema["minimum"],
        "high": error.schema["maximum"],
    }


def _too_long(error: ValidationError) -> str:
    return _("at most %(max)d characters, found %(count)d") % {
        "max": error.validator_value,
        "count": len(error.instance),
    }


def _bad_text(error: ValidationError) -> str:
    """A pattern the text does not match, told apart by what is wrong with the text."""
    if error.validator_value == LANE_KEY:
        return _("a lane key: lower-case letters, digits and _, at most 20")
    if not error.instance.strip():
        return _("must not be empty")
    if "\x00" in error.instance:
        return _("contains a NUL character")
    return _("contains an invalid character")


def _too_many(error: ValidationError) -> str:
    return _("at most %(max)d items, found %(count)d") % {
        "max": error.validator_value,
        "count": len(error.instance),
    }


def _bad_when(error: ValidationError) -> str:
    if error.validator_value == "date":
        return _("a date, written like 2026-12-03")
    return _("a date and time with its offset, written like 2026-12-03T10:00:00+00:00")


def _bad_decimal(error: ValidationError) -> str:
    """The `decimal` keyword's code (from `decimal_problem`), in words."""
    spec, code = error.validator_value, error.message
    if code == "places":
        return _("at most %(places)d decimal places") % {"places": spec["places"]}
    if code == "too_large":
        return _("is too large")
    if code == "bounds":
        return _("must be between %(low)s and %(high)s") % {"low": spec["minimum"], "high": spec["maximum"]}
    return _("is not a number")


# Each keyword the schema uses, and what its failure says; tests/maps/test_export_validation.py
# checks that the schema uses no other.
PROBLEMS: dict[str, Callable[[ValidationError], str]] = {
    "type": _wrong_type,
    "enum": _not_one_of,
    "minimum": _out_of_bounds,
    "maximum": _out_of_bounds,
    "maxLength": _too_long,
    "pattern": _bad_text,
    "maxItems": _too_many,
    "minItems": lambda error: _("needs at least %(min)d item(s)") % {"min": error.validator_value},
    "required": lambda error: _("missing"),
    "additionalProperties": lambda error: _("unknown field"),
    "decimal": _bad_decimal,
    "when": _bad_when,
}
