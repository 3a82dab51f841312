"""Exports: JSON that round-trips, and CSV, Markdown and SVG that carry hostile text safely."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maps import exports, services
from maps.models import EmotionRating, Insight, JourneyMap, Persona, Sticky, Vote, VoteDot
from tests.maps import fullmap

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_map(owner: Any, member: Any, member2: Any) -> JourneyMap:
    return fullmap.build(owner, member.user, member2.user)


def leaks(text: str) -> list[str]:
    """Whatever of the map's secrets shows up in an export."""
    found = [secret for secret in fullmap.SECRETS if secret in text]
    found += [word for word in ("olivia@example.com", "late-rater", "pbkdf2", "guest-") if word in text]
    return found


# -- JSON ----------------------------------------------------------------------------------------


def test_the_json_export_holds_the_whole_visible_map(full_map):
    data = json.loads(exports.export_json(full_map))
    assert (data["format"], data["version"], data["kind"]) == ("journeymap", 4, "current")
    assert data["title"] == full_map.title and data["persona"]["name"].startswith("Mei <script>")
    assert data["scope"]["scenario"].startswith("Plan a weekend =HYPERLINK")
    assert data["backstory"]["narrative"] == "Line one\n\nLine | two"
    assert [s["ref"] for s in data["stages"]] == ["s1", "s2", "s3", "s4", "s5"]
    book = data["stages"][1]
    assert book["name"].startswith("Book <script>")
    assert [(m["kind"], m["value"]) for m in book["metrics"]] == [("nps", "-12.00"), ("custom", "2.25")]
    # Revealed ratings per stage, sorted: how the team felt, not who felt what.
    assert [s["ratings"] for s in data["stages"]] == [
        [1, 1, 2],
        [-2, -1, 0],
        [2, 2, 3],
        [-3, -2, -1],
        [0, 1, 2],
    ]
    assert data["stages"][3]["emotion_note"] == f"The storm {fullmap.SCRIPT}"
    thoughts = next(lane for lane in data["lanes"] if lane["key"] == "thoughts")
    assert thoughts == {
        "key": "thoughts",
        "name": "Thinks and asks",
        "zone": "customer",
        "visible": False,
        "position": 2,
    }

    notes = {n["text"]: n for n in data["notes"]}
    call = notes["Phone call and a bank transfer"]
    assert call | {"ref": None, "links": None} == {
        "ref": None,
        "stage": "s2",
        "lane": "touchpoints",
        "position": 0,
        "text": "Phone call and a bank transfer",
        "colour": "blue",
        "marks": ["question", "micro_moment"],
        "evidence": "research",
        "channel": "phone",
        "severity": None,
        "reach_count": None,
        "reach_share": None,
        "reach_source": "",
        "owner": "",
        "status": "",
        "due_on": None,
        "evidence_source": "",
        "evidence_note": "",
        "settled_at": None,
        "persona": None,
        "links": None,
        "author": "Mia",
        "folded": [],
    }
    assert call["links"] == [notes["Did the booking go through?"]["ref"]]
    jam = notes[f"An hour in a traffic jam {fullmap.FORMULA}"]
    assert (jam["severity"], jam["reach_share"], jam["reach_source"]) == (3, "42.50", "Survey, 2025")
    kit = notes[f"Starter kit at check-in {fullmap.SCRIPT}"]
    assert (kit["owner"], kit["status"], kit["due_on"]) == ("Campsite ops | team", "planned", "2027-01-15")
    charcoal = notes["Charcoal took two hours to light"]
    assert (charcoal["evidence"], charcoal["evidence_source"], charcoal["evidence_note"]) == (
        "research",
        f"Exit survey {fullmap.CJK}",
        fullmap.FORMULA,
    )
    assert charcoal["settled_at"].endswith("+00:00")
    assert sorted(kit["links"]) == sorted([jam["ref"], notes["Charcoal took two hours to light"]["ref"]])
    # The move put the script note second in its cell, and positions are renumbered per cell.
    first_cell = [n["text"] for n in data["notes"] if (n["stage"], n["lane"]) == ("s1", "actions")]
    assert first_cell[1] == fullmap.SCRIPT

    [vote] = data["votes"]  # the open vote is secret
    assert vote["lane"] == "pains" and vote["budget"] == 3 and vote["stacking"] is True
    assert sorted(d["count"] for d in vote["dots"]) == [1, 2, 3]
    assert [(i["question"], i["author"]) for i in data["insights"]] == [
        ("frustrating", "Mia"),
        ("needs", "Ravi"),
    ]


def test_the_json_export_leaks_nothing_hidden(full_map):
    text = exports.export_json(full_map)
    assert leaks(text) == []
    data = json.loads(text)
    # The deleted and the hidden note were linked from "Clear signs": those links are dropped.
    signs = next(n for n in data["notes"] if n["text"] == "Clear signs from the motorway")
    assert signs["links"] == []
    # The unrevealed -3 at the last stage is not there.
    assert data["stages"][4]["ratings"] == [0, 1, 2]
    assert "voter" not in text and "email" not in text and "password" not in text


def test_the_json_export_is_inert_in_html(full_map):
    text = exports.export_json(full_map)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["title"] == full_map.title


def test_export_import_export_gives_the_same_json(full_map, owner):
    first = exports.export_data(full_map)
    copy_map = services.map_import(owner=owner, data=json.loads(exports.export_json(full_map)))
    assert copy_map.pk != full_map.pk
    assert exports.export_data(copy_map) == first
    assert exports.export_json(copy_map) == exports.export_json(full_map)


def test_an_import_reuses_the_same_persona_and_records_the_import(full_map, owner):
    imported = services.map_import(owner=owner, data=exports.export_data(full_map))
    assert imported.persona == full_map.persona
    assert Persona.objects.filter(owner=owner).count() == 1
    assert imported.events.get().kind == "map.import"
    assert imported.seq == 1


def test_an_import_gives_authors_accounts_that_cannot_log_in(full_map, owner):
    imported = services.map_import(owner=owner, data=exports.export_data(full_map))
    authors = {n.author for n in Sticky.objects.filter(journey_map=imported)}
    assert {a.first_name for a in authors} == {"Olivia", "Mia", "Ravi"}
    assert not any(a.has_usable_password() for a in authors)
    assert owner not in authors


# -- hypothesis: any valid document round-trips -------------------------------------------------

words = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=0, max_size=40
)
names = words.filter(lambda s: s.strip() != "")
LANE_KEYS = ["actions", "touchpoints", "thoughts", "pains", "opportunities"]


@st.composite
def documents(draw: Any) -> dict[str, Any]:
    stage_count = draw(st.integers(1, 4))
    stages = [
        {
            "ref": f"stage-{i}",
            "name": draw(names.map(lambda s: s[:60])),
            "emotion_note": draw(words),
            "ratings": draw(st.lists(st.integers(-3, 3), max_size=4)),
            "metrics": draw(
                st.lists(
                    st.fixed_dictionaries(
                        {
                            "kind": st.sampled_from(["nps", "csat", "custom"]),
                            "label": words,
                            "value": st.decimals(-9999, 9999, places=2).map(str),
                            "unit": words.map(lambda s: s[:20]),
                            "source": words,
                        }
                    ),
                    max_size=2,
                )
            ),
        }
        for i in range(stage_count)
    ]
    lane_keys = draw(st.lists(st.sampled_from(LANE_KEYS), min_size=1, max_size=5, unique=True))
    lanes = [
        {
            "key": key,
            "name": draw(names),
            "zone": "customer",
            "visible": draw(st.booleans()),
            "position": draw(st.integers(0, 9)),
        }
        for key in lane_keys
    ]
    note_count = draw(st.integers(0, 8))
    refs = [f"note-{i}" for i in range(note_count)]
    notes = []
    for ref in refs:
        notes.append(
            {
                "ref": ref,
                "stage": draw(st.sampled_from([s["ref"] for s in stages])),
                "lane": draw(st.sampled_from(lane_keys)),
                "position": draw(st.integers(0, 5)),
                "text": draw(names),
                "colour": draw(st.sampled_from(["yellow", "pink", "blue"])),
                "marks": draw(st.lists(st.sampled_from(list(exports.MARKS)), unique=True)),
                "evidence": draw(st.sampled_from(["assumption", "anecdote", "research"])),
                "channel": draw(st.sampled_from(["", "phone", "app"])),
                "severity": draw(st.none() | st.integers(1, 3)),
                "reach_count": draw(st.none() | st.integers(0, 10**6)),
                "reach_share": draw(st.none() | st.decimals(0, 100, places=2).map(str)),
                "reach_source": draw(words),
                "owner": draw(words),
                "status": draw(st.sampled_from(["", "idea", "done"])),
                "links": draw(
                    st.lists(st.sampled_from(refs), unique=True, max_size=3).map(
                        lambda ls, r=ref: [x for x in ls if x != r]
                    )
                ),
                "author": draw(st.none() | names.map(lambda s: s[:150])),
            }
        )
    vote_lanes = [key for key in lane_keys if key in ("pains", "opportunities")]
    votes = []
    if vote_lanes and refs:
        for _i in range(draw(st.integers(0, 2))):
            dotted = draw(st.lists(st.sampled_from(refs), unique=True, max_size=3))
            votes.append(
                {
                    "lane": draw(st.sampled_from(vote_lanes)),
                    "budget": draw(st.integers(1, 10)),
                    "stacking": draw(st.booleans()),
                    "dots": [{"note": ref, "count": draw(st.integers(1, 4))} for ref in dotted],
                }
            )
    return {
        "format": "journeymap",
        "version": 1,
        "title": draw(names),
        "kind": draw(st.sampled_from(["current", "future", "day", "blueprint"])),
        "persona": draw(
            st.none()
            | st.fixed_dictionaries(
                {"name": names, **{f: words for f in exports.PERSONA_FIELDS if f != "name"}}
            )
        ),
        "scope": {f: draw(words) for f in exports.SCOPE_FIELDS},
        "backstory": {f: draw(words) for f in exports.BACKSTORY_FIELDS},
        "stages": stages,
        "lanes": lanes,
        "notes": notes,
        "votes": votes,
        "insights": draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "question": st.sampled_from(["frustrating", "needs"]),
                        "text": names,
                        "author": st.none() | names,
                    }
                ),
                max_size=3,
            )
        ),
    }


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(doc=documents())
def test_any_valid_document_imports_and_then_round_trips_exactly(owner, doc):
    original = copy.deepcopy(doc)
    first = exports.export_data(services.map_import(owner=owner, data=doc))
    assert doc == original  # the import does not change what it was given
    # What the import keeps is what the file said (up to refs, renumbered positions and order).
    assert first["title"] == doc["title"] and first["scope"] == doc["scope"]
    assert sorted(n["text"] for n in first["notes"]) == sorted(n["text"] for n in doc["notes"])
    assert sum(d["count"] for v in first["votes"] for d in v["dots"]) == sum(
        d["count"] for v in doc["votes"] for d in v["dots"]
    )
    assert sorted(r for s in first["stages"] for r in s["ratings"]) == sorted(
        r for s in doc["stages"] for r in s["ratings"]
    )
    second = exports.export_data(services.map_import(owner=owner, data=json.loads(exports.dumps(first))))
    assert second == first


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    texts=st.lists(names.map(lambda s: s[:280]), min_size=1, max_size=6),
    marks=st.lists(st.sampled_from(list(exports.MARKS)), unique=True),
    hidden=st.lists(st.booleans(), min_size=6, max_size=6),
)
def test_a_map_written_through_the_services_round_trips(owner, texts, marks, hidden):
    journey_map = services.map_create(owner=owner, title="Made live", kind="blueprint")
    stages = list(journey_map.stages.all())
    lanes = list(journey_map.lanes.all())
    made = []
    for i, text in enumerate(texts):
        style = {exports.MARKS[m]: True for m in marks}
        note = services.sticky_create(
            journey_map=journey_map,
            author=owner,
            stage=stages[i % len(stages)],
            lane=lanes[i % len(lanes)],
            text=text,
            hidden=hidden[i],
            **style,
        ).sticky
        if made:
            services.sticky_link(journey_map=journey_map, author=owner, sticky=note, to=made[-1], linked=True)
        made.append(note)
    services.sticky_delete(journey_map=journey_map, author=owner, sticky=made[0])
    first = exports.export_data(journey_map)
    assert len(first["notes"]) == sum(1 for h in hidden[1 : len(texts)] if not h)
    again = exports.export_data(services.map_import(owner=owner, data=first))
    assert again == first


# -- import errors: a clear message with the path, and nothing created -------------------------


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (JourneyMap, Sticky, Persona, EmotionRating, Vote, VoteDot, Insight, get_user_model())
    }


def load_error(raw: bytes) -> str:
    with pytest.raises(exports.InvalidExport) as error:
        exports.load(raw)
    return error.value.message


def import_error(owner: Any, data: Any) -> str:
    before = counts()
    with pytest.raises(exports.InvalidExport) as error:
        services.map_import(owner=owner, data=data)
    assert counts() == before
    return error.value.message


@pytest.fixture
def good(full_map: JourneyMap) -> dict[str, Any]:
    return exports.export_data(full_map)


def broken(doc: dict[str, Any], change: Any) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    change(doc)
    return doc


def test_a_file_that_is_not_json_is_refused(full_map):
    before = counts()
    assert "not valid JSON" in load_error(b"name,stage\nMei,1\n")
    assert "not UTF-8" in load_error(b"\xff\xfe\x00junk")
    assert "not valid JSON" in load_error(b"{" * 100_000)
    assert "not valid JSON" in load_error(b'{"format": NaN}')
    assert "appears twice" in load_error(b'{"format": "journeymap", "format": "journeymap"}')
    assert counts() == before


def test_a_file_that_is_too_large_is_refused(settings, good):
    settings.JOURNEYMAP_IMPORT_MAX_BYTES = 1024
    assert "too large" in load_error(exports.dumps(good).encode())


def test_a_file_with_a_bom_is_read(good):
    assert exports.load(b"\xef\xbb\xbf" + exports.dumps(good).encode()) == good


def test_another_json_file_or_version_is_named_as_such(owner, good):
    assert "not a Journeymap export" in import_error(owner, [1, 2])
    assert "not a Journeymap export" in import_error(owner, {"title": "x"})
    message = import_error(owner, broken(good, lambda d: d.update(version=5)))
    assert message.startswith("version:") and "version 5 is not supported" in message
    assert "is not supported" in import_error(owner, broken(good, lambda d: d.update(version=True)))


def test_folded_notes_travel_with_their_note_and_a_version_1_file_still_imports(owner, good):
    """Version 2 carries the notes folded into each (their words and writers); version 1, from
    before folding, has no `folded` and imports as it did."""
    first = good["notes"][0]
    first["folded"] = [{"text": "配送太慢了", "author": "Ravi"}, {"text": "Too slow", "author": None}]
    imported = services.map_import(owner=owner, data=json.loads(json.dumps(good)))
    head = imported.stickies.get(deleted_at=None, text=first["text"])
    assert (head.folded_notes, head.folded_people) == (2, 3)
    assert sorted(head.folded.values_list("text", flat=True)) == ["Too slow", "配送太慢了"]
    again = exports.export_data(imported)
    assert again["notes"][0]["folded"] == first["folded"]

    old = json.loads(json.dumps(good))
    old["version"] = 1
    for note in old["notes"]:
        note.pop("folded", None)
    services.map_import(owner=owner, data=old)
    assert "folded[0].text" in import_error(
        owner, broken(good, lambda d: d["notes"][0].update(folded=[{"text": "", "author": None}]))
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(title=7), "title: expected text, found a number"),
        (lambda d: d.update(title=""), "title: must not be empty"),
        (lambda d: d.update(title="x" * 201), "title: at most 200 characters, found 201"),
        (lambda d: d.update(kind="someday"), 'kind: must be one of "current", "future", "day", "blueprint"'),
        (lambda d: d.pop("insights"), "insights: missing"),
        (lambda d: d.update(surprise=1), "surprise: unknown field"),
        (lambda d: d["scope"].update(goal=None), "scope.goal: expected text, found null"),
        (lambda d: d["stages"][1].update(name="s" * 61), "stages[1].name: at most 60 characters, found 61"),
        (lambda d: d["stages"][0]["ratings"].append(4), "stages[0].ratings[3]: must be between -3 and 3"),
        (lambda d: d["stages"][0]["ratings"].append(True), "stages[0].ratings[3]: expected a whole number"),
        (
            lambda d: d["stages"][1]["metrics"][0].update(value="1.234"),
            "stages[1].metrics[0].value: at most 2 decimal",
        ),
        (
            lambda d: d["stages"][1]["metrics"][0].update(value="NaN"),
            "stages[1].metrics[0].value: is not a number",
        ),
        (
            lambda d: d["stages"][1]["metrics"][0].update(value="1e12"),
            "stages[1].metrics[0].value: is too large",
        ),
        (lambda d: d.update(stages=[]), "stages: needs at least 1 item"),
        (
            lambda d: d["lanes"][0].update(visible="yes"),
            "lanes[0].visible: expected true or false, found text",
        ),
        (lambda d: d["lanes"][1].update(key="actions"), 'lanes[1].key: "actions" is used twice'),
        (lambda d: d["notes"][2].update(text="x" * 281), "notes[2].text: at most 280 characters, found 281"),
        (lambda d: d["notes"][2].update(severity=4), "notes[2].severity: must be one of 1, 2, 3"),
        (lambda d: d["notes"][2].update(colour="red"), "notes[2].colour: must be one of"),
        (
            lambda d: d["notes"][2].update(reach_share="100.01"),
            "notes[2].reach_share: must be between 0 and 100",
        ),
        (lambda d: d["notes"][2].update(marks=["aha", "aha"]), "notes[2].marks: a mark is given twice"),
        (lambda d: d["notes"][2].update(text="a\x00b"), "notes[2].text: contains a NUL character"),
        (
            lambda d: d["notes"][2].update(stage="s9"),
            'notes[2].stage: refers to "s9", which is not in the file',
        ),
        (lambda d: d["notes"][2].update(lane="backstage"), 'notes[2].lane: refers to "backstage"'),
        (
            lambda d: d["notes"][2].update(links=["n999"]),
            'notes[2].links[0]: refers to "n999", which is not in the file',
        ),
        (
            lambda d: d["notes"][2].update(links=["n3"]),
            "notes[2].links[0]: a note cannot be linked to itself",
        ),
        (lambda d: d["notes"][3].update(ref="n1"), 'notes[3].ref: "n1" is used twice'),
        (lambda d: d["votes"][0]["dots"][0].update(note="n404"), 'votes[0].dots[0].note: refers to "n404"'),
        (
            lambda d: d["votes"][0].update(lane="actions"),
            'votes[0].lane: must be one of "pains", "opportunities"',
        ),
        (lambda d: d["insights"][0].update(question="why"), "insights[0].question: must be one of"),
    ],
)
def test_a_bad_field_is_named_by_its_path_and_nothing_is_created(owner, good, change, expected):
    assert expected in import_error(owner, broken(good, change))


# -- CSV -----------------------------------------------------------------------------------------


def test_the_csv_opens_safely_in_a_spreadsheet(full_map):
    text = exports.export_csv(full_map)
    assert text.startswith("\ufeff") and leaks(text) == []
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == [
        "Stage",
        "Lane",
        "Note",
        "Marks",
        "Evidence",
        "Votes",
        "Author",
        "Folded into it",
        "Persona",
    ]
    body = rows[1:]
    assert len(body) == Sticky.objects.filter(journey_map=full_map, deleted_at=None, hidden=False).count()
    for row in body:
        for cell in row:
            assert not cell.lstrip(" ").startswith(exports.FORMULA_STARTS), cell
    by_text = {row[2]: row for row in body}
    assert "'" + fullmap.FORMULA in by_text and "'\t=1+1" in by_text and "'\r=1+1" in by_text
    assert "'+1+2" in by_text and "'-3+4" in by_text and "'@SUM(A1:A9)" in by_text
    assert fullmap.SCRIPT in by_text and fullmap.CJK in by_text  # plain text in a cell: nothing to do
    # The right-to-left override is closed inside its own cell.
    assert "\u2068" + fullmap.RTL + "\u2069" in by_text
    call = by_text["Phone call and a bank transfer"]
    assert call == [
        f"Book {fullmap.SCRIPT}",
        "Touchpoints and channels",
        call[2],
        "Question; Micro-moment",
        "Research",
        "0",
        "Mia",
        "",  # nothing folded into it
        "",  # it concerns every persona
    ]
    jam = by_text[f"An hour in a traffic jam {fullmap.FORMULA}"]
    assert jam[5] == "3"
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbf")


def test_a_note_with_a_formula_later_in_the_text_is_left_alone():
    assert exports.spreadsheet_safe("Costs 5 = too much") == "Costs 5 = too much"
    assert exports.spreadsheet_safe("  =1+1") == "'  =1+1"


# -- Markdown ------------------------------------------------------------------------------------


def test_the_markdown_pastes_cleanly(full_map):
    text = exports.export_markdown(full_map)
    assert leaks(text) == []
    assert text.startswith("# Camping \\<script\\>")
    # No markup but the line breaks in table cells: every other < is escaped, so is every ](.
    assert re.findall(r"(?<!\\)<[^b]", text) == [] and set(re.findall(r"(?<!\\)<\w+>", text)) == {"<br>"}
    assert "](javascript" not in text
    for heading in ("## Persona", "## Scope", "## Backstory", "## The journey", "## Emotion line"):
        assert heading in text
    assert (
        "## Pain points, most pressing first" in text
        and "## Opportunities" in text
        and "## The big picture" in text
    )
    grid = text.split("## The journey")[1].split("## Emotion line")[0].strip().splitlines()
    # Header, rule and one row per visible lane; every row has as many unescaped pipes.
    assert len(grid) == 2 + 4
    pipes = {len(re.findall(r"(?<!\\)\|", row)) for row in grid}
    assert pipes == {7}
    assert "\\| pipe<br>\\# heading<br>\\- list" in text
    # Ranked by votes: the jam (3), the charcoal (2), the toilets (1).
    ranked = text.split("## Pain points, most pressing first")[1].split("##")[0]
    assert ranked.index("traffic jam") < ranked.index("Charcoal") < ranked.index("Toilets")
    assert "3 votes · severity: High · 42.5% of customers · source: Survey, 2025" in ranked
    assert "Campsite ops \\| team" in text and "Planned" in text
    assert "| Experience | -2 | 3 | The storm \\<script\\>" in text
    assert "\u2068" + fullmap.RTL.replace(".", ".") + "\u2069" in text


def test_markdown_escaping_keeps_text_as_written():
    assert exports.md("1. first\n- second\n=== third") == "1\\. first  \n\\- second  \n\\=== third"
    assert exports.md_cell("a|b\r\nc\rd") == "a\\|b<br>c<br>d"


# -- SVG -----------------------------------------------------------------------------------------


def test_the_svg_is_a_standalone_file(full_map):
    text = exports.export_svg(full_map)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    elements = list(root.iter())
    assert not [e for e in elements if "class" in e.attrib]
    assert not [e for e in elements if e.tag.endswith("script") or any(k.startswith("on") for k in e.attrib)]
    texts = [e.text for e in elements if e.text]
    assert f"Book {fullmap.SCRIPT}" in texts  # escaped in the file, read back as text
    assert "-2 (3 ratings)" in texts and leaks(text) == []
    curves = [e for e in elements if e.tag.endswith("line") and e.get("stroke") == "#5b2a9e"]
    assert len(curves) == 5 + 8  # a dot per stage, two half-lines between each pair of stages


def test_the_svg_of_an_unrated_map(owner):
    journey_map = services.map_create(owner=owner, title="New", kind="day")
    root = ET.fromstring(exports.export_svg(journey_map).encode("utf-8"))
    assert [e.text for e in root.iter() if e.text and "not rated" in e.text] == ["not rated yet"] * 4


# -- copies --------------------------------------------------------------------------------------


def test_a_future_state_copy_keeps_the_journey_and_leaves_the_judgements(full_map, owner):
    future = services.map_copy(journey_map=full_map, owner=owner, kind="future")
    data, source = exports.export_data(future), exports.export_data(full_map)
    assert future.kind == "future" and future.copied_from == full_map and future.title == full_map.title
    assert data["notes"] == source["notes"]
    assert [s["name"] for s in data["stages"]] == [s["name"] for s in source["stages"]]
    assert all(s["ratings"] == [] and s["metrics"] == [] for s in data["stages"])
    assert data["votes"] == [] and data["insights"] == []
    assert future.persona == full_map.persona
    # The notes keep their authors: no new accounts.
    assert {n.author.pk for n in future.stickies.all()} <= {n.author.pk for n in full_map.stickies.all()}


def test_a_copy_for_a_blueprint_gains_the_zones_and_back(full_map, owner):
    blueprint = services.map_copy(journey_map=full_map, owner=owner, kind="blueprint", title="Blueprint")
    keys = [lane.key for lane in blueprint.lanes.all()]
    assert keys == [
        "actions",
        "touchpoints",
        "frontstage",
        "backstage",
        "support",
        "thoughts",
        "pains",
        "opportunities",
    ]
    assert blueprint.title == "Blueprint"
    stage = blueprint.stages.first()
    services.sticky_create(
        journey_map=blueprint,
        author=owner,
        stage=stage,
        lane=blueprint.lanes.get(key="backstage"),
        text="Booking system",
    )
    back = services.map_copy(journey_map=blueprint, owner=owner, kind="current")
    assert not back.stickies.filter(text="Booking system").exists()
    assert back.stickies.count() == blueprint.stickies.count() - 1
