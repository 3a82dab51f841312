"""An uploaded export is checked against a JSON Schema (maps/exports/schema.py) with jsonschema,
and each problem is told in our words, by its path and in the uploader's language."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from jsonschema import Draft202012Validator

from maps import exports
from maps.exports import validation
from maps.models import JourneyMap
from tests.conftest import client_for


def small() -> dict[str, Any]:
    """A valid document with a little of everything."""
    note = {
        "colour": "yellow",
        "marks": [],
        "evidence": "assumption",
        "channel": "",
        "severity": None,
        "reach_count": None,
        "reach_share": None,
        "reach_source": "",
        "owner": "",
        "status": "",
        "links": [],
        "author": "Mia",
    }
    return {
        "format": "journeymap",
        "version": 1,
        "title": "Weekend camping trip",
        "kind": "current",
        "persona": {name: "Mei" if name == "name" else "" for name in exports.PERSONA_FIELDS},
        "scope": dict.fromkeys(exports.SCOPE_FIELDS, ""),
        "backstory": dict.fromkeys(exports.BACKSTORY_FIELDS, ""),
        "stages": [
            {
                "ref": ref,
                "name": name,
                "emotion_note": "",
                "ratings": [-1, 2],
                "metrics": [{"kind": "nps", "label": "", "value": "-12.00", "unit": "", "source": ""}],
            }
            for ref, name in (("s1", "Research"), ("s2", "Book"))
        ],
        "lanes": [
            {"key": "actions", "name": "Does", "zone": "customer", "visible": True, "position": 0},
            {"key": "pains", "name": "Pains", "zone": "customer", "visible": True, "position": 1},
        ],
        "notes": [
            {**note, "ref": "n1", "stage": "s1", "lane": "actions", "position": 0, "text": "Compares sites"},
            {**note, "ref": "n2", "stage": "s2", "lane": "pains", "position": 0, "text": "No signal"},
            {
                **note,
                "ref": "n3",
                "stage": "s2",
                "lane": "pains",
                "position": 1,
                "text": "Queue",
                "links": ["n2"],
            },
        ],
        "votes": [{"lane": "pains", "budget": 3, "stacking": False, "dots": [{"note": "n2", "count": 2}]}],
        "insights": [{"question": "frustrating", "text": "The signs", "author": None}],
    }


def invalid(change: Callable[[dict[str, Any]], Any]) -> exports.InvalidExport:
    doc = small()
    change(doc)
    with pytest.raises(exports.InvalidExport) as error:
        exports.validate(doc)
    return error.value


def problem(change: Callable[[dict[str, Any]], Any]) -> str:
    return invalid(change).message


def test_the_schema_is_a_json_schema_and_a_small_document_passes():
    Draft202012Validator.check_schema(validation.schema())
    doc = small()
    assert exports.validate(doc) == doc


def test_decimals_come_back_as_text_with_two_places_and_the_input_is_left_alone():
    doc = small()
    doc["stages"][0]["metrics"][0]["value"] = 12.5
    doc["notes"][1]["reach_share"] = "7"
    before = copy.deepcopy(doc)
    checked = exports.validate(doc)
    assert checked["stages"][0]["metrics"][0]["value"] == "12.50"
    assert checked["notes"][1]["reach_share"] == "7.00"
    assert doc == before


def put(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change that puts `value` at `path` ("notes.0.text"); `...` removes the key."""

    def change(doc: dict[str, Any]) -> None:
        *parents, last = (int(key) if key.isdigit() else key for key in path.split("."))
        for key in parents:
            doc = doc[key]
        if value is ...:
            del doc[last]
        else:
            doc[last] = value

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (put("title", "   "), "title: must not be empty"),
        (put("stages.1.name", "x" * 61), "stages[1].name: at most 60 characters, found 61"),
        (put("persona", []), "persona: expected an object, found a list"),
        (put("persona.role", ...), "persona.role: missing"),
        (put("scope.goal", "a\x00b"), "scope.goal: contains a NUL character"),
        (put("notes.1.text", "a\ud800b"), "notes[1].text: contains an invalid character"),
        (put("notes.0.position", 1.0), "notes[0].position: expected a whole number, found a number"),
        (put("notes.0.severity", 0), "notes[0].severity: must be one of 1, 2, 3"),
        (
            put("notes.0.channel", "fax"),
            'notes[0].channel: must be one of "", "website", "app", "phone", '
            '"email", "post", "face", "social", "store", "other"',
        ),
        (
            put("notes.0.reach_share", True),
            'notes[0].reach_share: expected a number as text, e.g. "12.50", found true or false',
        ),
        (put("notes.0.reach_share", float("nan")), "notes[0].reach_share: is not a number"),
        (put("notes.0.reach_share", "-0.5"), "notes[0].reach_share: must be between 0 and 100"),
        (put("stages.0.metrics.0.value", "1e30"), "stages[0].metrics[0].value: is too large"),
        (put("stages.0.metrics.0.value", 1e300), "stages[0].metrics[0].value: is too large"),
        (put("stages.0.metrics.0.value", "0.125"), "stages[0].metrics[0].value: at most 2 decimal places"),
        (
            put("lanes.0.key", "actions\n"),
            "lanes[0].key: a lane key: lower-case letters, digits and _, at most 20",
        ),
        (put("lanes", []), "lanes: needs at least 1 item(s)"),
        (put("stages.0.ratings", [0] * 501), "stages[0].ratings: at most 500 items, found 501"),
        (put("votes.0.budget", 11), "votes[0].budget: must be between 1 and 10"),
        (put("votes.0.dots.0.note", "n9"), 'votes[0].dots[0].note: refers to "n9", which is not in the file'),
        (put("notes.2.links", ["n2", "n2"]), "notes[2].links: a link is given twice"),
        (put("insights.0.author", 7), "insights[0].author: expected text, found a number"),
    ],
)
def test_a_bad_field_gets_our_message_at_its_path(change, message):
    assert problem(change) == message


def test_the_first_problem_in_the_document_is_named():
    def several(doc: dict[str, Any]) -> None:
        del doc["insights"]  # jsonschema reports a missing key before the fields it checks
        doc["notes"][2]["text"] = ""
        doc["notes"][0]["colour"] = "red"
        doc["title"] = 7

    assert problem(several) == "title: expected text, found a number"

    def unknown_and_missing(doc: dict[str, Any]) -> None:
        del doc["notes"][1]["ref"]
        doc["notes"][1]["zzz"] = 1

    assert problem(unknown_and_missing) == "notes[1].zzz: unknown field"


def test_a_document_may_hold_5000_notes_and_no_more():
    doc = small()
    note = doc["notes"][0]
    doc["notes"] = [{**note, "ref": f"n{i}", "position": i} for i in range(5000)]
    doc["votes"] = []
    assert len(exports.validate(doc)["notes"]) == 5000
    doc["notes"].append({**note, "ref": "one-more", "text": ""})
    with pytest.raises(exports.InvalidExport) as error:
        exports.validate(doc)
    assert error.value.message == "notes: at most 5000 items, found 5001"


def test_the_mapping_has_a_message_for_every_keyword_the_schema_uses():
    def keywords(schema: dict[str, Any]) -> set[str]:
        found = set(schema) - {"$schema", "title", "properties", "items"}
        for sub in schema.get("properties", {}).values():
            found |= keywords(sub)
        if "items" in schema:
            found |= keywords(schema["items"])
        return found

    assert keywords(validation.schema()) == set(validation.PROBLEMS)


# One bad document per way the mapping words a problem: each keyword, each branch within one.
EVERY_PROBLEM = [
    ("type", put("title", 7)),
    ("enum", put("kind", "someday")),
    ("minimum", put("stages.0.ratings", [-4])),
    ("maximum", put("stages.0.ratings", [4])),
    ("maxLength", put("title", "x" * 201)),
    ("pattern", put("lanes.0.key", "Actions")),
    ("pattern", put("title", " ")),
    ("pattern", put("title", "\x00")),
    ("pattern", put("title", "\udfff")),
    ("maxItems", put("notes.0.marks", ["aha"] * 5)),
    ("minItems", put("stages", [])),
    ("required", put("kind", ...)),
    ("additionalProperties", put("surprise", 1)),
    ("decimal", put("notes.0.reach_share", "lots")),
    ("decimal", put("notes.0.reach_share", "1.001")),
    ("decimal", put("notes.0.reach_share", "1e9")),
    ("decimal", put("notes.0.reach_share", "101")),
    ("when", put("notes.0.due_on", "2027-13-01")),
    ("when", put("notes.0.settled_at", "2027-01-01T10:00")),
]
JSONSCHEMA_WORDS = re.compile(
    r"is not of type|is not one of|is a required property|Additional properties|is too long|is too short"
    r"|does not match|is less than|is greater than|non-unique|should not be|is not valid under"
)


def test_every_problem_is_told_in_our_words_and_translated():
    assert {keyword for keyword, _change in EVERY_PROBLEM} == set(validation.PROBLEMS)
    for keyword, change in EVERY_PROBLEM:
        doc = small()
        change(doc)
        assert keyword in {error.validator for error in validation.validator().iter_errors(doc)}
        english = invalid(change)
        with translation.override("zh-hans"):
            chinese = invalid(change)
        for message in (english.message, chinese.message):
            assert not JSONSCHEMA_WORDS.search(message), message
        assert chinese.path == english.path and chinese.problem != english.problem
        assert re.search("[\u4e00-\u9fff]", chinese.problem), (keyword, chinese.problem)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (("title", "[" * 500 + "]" * 500), "title: expected text, found a list"),
        (
            ("notes.0.marks", "[" + "[" * 400 + "]" * 400 + "," + "[" * 400 + "]" * 400 + "]"),
            "notes[0].marks[0]: must be one of",
        ),
        (("notes.0.reach_count", "1e400"), "notes[0].reach_count: expected a whole number, found a number"),
        (("notes.0.reach_share", "1e400"), "notes[0].reach_share: is not a number"),
        (("notes.0.reach_count", "1" + "0" * 5000), "The file is not valid JSON"),
        (("notes.0.reach_count", "-Infinity"), "The file is not valid JSON"),
        (("stages.0.metrics.0.value", '"' + "9" * 100_000 + '"'), "stages[0].metrics[0].value: is too large"),
        (("notes.0.text", '"\\u0000"'), "notes[0].text: contains a NUL character"),
        (("notes.0.text", '"\\ud800"'), "notes[0].text: contains an invalid character"),
        (("persona", '{"name": {"name": {"name": "Mei"}}}'), "persona.name: expected text, found an object"),
    ],
)
def test_junk_in_a_file_is_named_and_never_crashes(raw, message):
    path, junk = raw
    doc = small()
    put(path, "JUNK-HERE")(doc)
    text = json.dumps(doc).replace('"JUNK-HERE"', junk)
    with pytest.raises(exports.InvalidExport) as error:
        exports.load(text.encode())
    assert message in error.value.message


@pytest.mark.django_db
def test_a_file_once_answered_with_a_server_error_is_refused_on_the_page(owner):
    doc = small()
    doc["stages"][0]["metrics"][0]["value"] = "1e30"
    upload = SimpleUploadedFile("map.json", json.dumps(doc).encode(), content_type="application/json")
    response = client_for(owner).post(reverse("map_import"), {"file": upload})
    assert response.status_code == 400
    assert "stages[0].metrics[0].value: is too large" in response.content.decode()
    assert not JourneyMap.objects.exists()
