"""Several personas on one map (maps/personas.py): naming them, tagging notes and ratings,
the board's lines, the summary's filter and the export."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client
from django.urls import reverse

from maps import exports
from maps import services as maps_services
from maps.models import EmotionRating, JourneyMap, MapEvent, Persona, Sticky
from maps.summary import map_summary
from tests.conftest import client_for
from tests.workshops.test_action_plan import refusal
from tests.workshops.test_summary_views import note
from workshops import ops

pytestmark = pytest.mark.django_db


def persona(owner, name, **fields) -> Persona:
    return Persona.objects.create(owner=owner, name=name, **fields)


@pytest.fixture
def cast(workshop):
    """The workshop's map names Mei (main) and Ravi and Ada besides."""
    mei, ravi, ada = (persona(workshop.owner, name) for name in ("Mei", "Ravi", "Ada"))
    journey_map = workshop.journey_map
    JourneyMap.objects.filter(pk=journey_map.pk).update(persona=mei)  # not save(): the log's seq moves
    journey_map.persona = mei
    journey_map.more_personas.set([ravi, ada])
    return mei, ravi, ada


def run(participant, name, **data):
    return ops.run(participant_id=participant.pk, name=name, data=data)


def prepare(facilitator, **data):
    client = client_for(facilitator.user)
    return client.post(reverse("prepare", args=[facilitator.workshop.slug]), data), client


# -- naming them ------------------------------------------------------------------------------


def test_the_facilitator_names_more_personas_when_preparing_and_the_room_offers_them(workshop, facilitator):
    mei, ravi = persona(workshop.owner, "Mei"), persona(workshop.owner, "Ravi")
    response, client = prepare(facilitator, persona=mei.pk, more_personas=[ravi.pk, mei.pk])
    assert response.status_code == 302
    journey_map = JourneyMap.objects.get(pk=workshop.journey_map_id)
    assert (journey_map.persona, list(journey_map.more_personas.all())) == (mei, [ravi])  # main once
    logged = MapEvent.objects.filter(journey_map=journey_map, kind="scope.update").get()
    assert "more_personas" in logged.payload["fields"]
    room = client.get(reverse("room", args=[workshop.slug])).content.decode()
    assert "Show the board for" in room and "Emotion line: Ravi" in room and "Emotion line: Mei" in room


@pytest.mark.parametrize("extra", [0, 6])
def test_more_personas_need_a_main_one_and_a_map_names_at_most_five_more(workshop, facilitator, extra):
    others = [persona(workshop.owner, f"P{i}").pk for i in range(max(extra, 1))]
    main = persona(workshop.owner, "Main").pk if extra else ""
    response, _client = prepare(facilitator, persona=main, more_personas=others)
    assert response.status_code == 200  # the form again, with its error; nothing saved
    too_many = "A map names at most 5 personas besides the main one."
    assert (too_many if extra else "Choose the main persona first.") in response.content.decode()
    assert not workshop.journey_map.more_personas.exists()


def test_a_persona_from_someone_elses_library_is_refused(workshop, facilitator, outsider):
    mei, theirs = persona(workshop.owner, "Mei"), persona(outsider, "Theirs")
    response, _client = prepare(facilitator, persona=mei.pk, more_personas=[theirs.pk])
    assert response.status_code == 200
    assert not workshop.journey_map.more_personas.exists()


def test_a_persona_taken_off_the_map_leaves_its_notes_for_everyone_and_keeps_its_ratings(
    workshop, facilitator, member, cast
):
    mei, ravi, ada = cast
    for_ravi = note(workshop.journey_map, member.user, "Ravi pays", persona=ravi)
    for_ada = note(workshop.journey_map, member.user, "Ada books", persona=ada)
    stage = workshop.journey_map.stages.first()
    run(member, "emotion.rate", stage=stage.pk, value=-2, persona=ravi.pk)
    response, _client = prepare(facilitator, persona=mei.pk, more_personas=[ada.pk])
    assert response.status_code == 302
    for_ravi.refresh_from_db()
    for_ada.refresh_from_db()
    assert (for_ravi.persona, for_ada.persona) == (None, ada)
    assert EmotionRating.objects.filter(persona=ravi).count() == 1  # undrawn, back if Ravi returns


# -- tagging notes and ratings ----------------------------------------------------------------


def test_a_member_says_whom_a_note_concerns_live_and_the_board_draws_it(workshop, member, cast):
    _mei, ravi, _ada = cast
    pays = note(workshop.journey_map, member.user, "Pays for the whole group")
    run(member, "sticky.style", sticky=pays.pk, persona=ravi.pk)
    pays.refresh_from_db()
    assert pays.persona == ravi
    room = client_for(member.user).get(reverse("room", args=[workshop.slug])).content.decode()
    assert f'data-persona="{ravi.pk}"' in room and "For Ravi" in room
    run(member, "sticky.style", sticky=pays.pk, persona="")  # every persona again
    pays.refresh_from_db()
    assert pays.persona is None


def test_a_note_added_for_a_persona_and_its_swap_name_it(workshop, member, cast):
    _mei, ravi, _ada = cast
    stage, lane = workshop.journey_map.stages.first(), workshop.journey_map.lanes.first()
    run(member, "sticky.create", stage=stage.pk, lane=lane.pk, text="Splits the bill", persona=ravi.pk)
    made = Sticky.objects.get(text="Splits the bill")
    assert made.persona == ravi
    change = maps_services.sticky_style(
        journey_map=workshop.journey_map, author=member.user, sticky=made, colour="blue"
    )
    assert change.swap.sticky.persona.name == "Ravi"  # drawn from the statement's own row


def test_a_persona_not_on_the_map_is_refused_and_nothing_changes(workshop, member, cast, outsider):
    stranger = persona(workshop.owner, "Not on this map")
    theirs = persona(outsider, "Someone else's")
    pays = note(workshop.journey_map, member.user, "Pays")
    stage = workshop.journey_map.stages.first()
    for bad in (stranger.pk, theirs.pk, "x", [1], 2**70):
        assert "persona" in refusal(member, "sticky.style", sticky=pays.pk, persona=bad).errors
        assert "persona" in refusal(member, "emotion.rate", stage=stage.pk, value=1, persona=bad).errors
    pays.refresh_from_db()
    assert pays.persona is None and not EmotionRating.objects.exists()


def test_each_persona_has_a_line_of_its_own_and_the_main_one_keeps_the_old_ratings(
    workshop, member, member2, cast
):
    mei, ravi, _ada = cast
    stage = workshop.journey_map.stages.first()
    run(member, "emotion.rate", stage=stage.pk, value=2)  # the main persona, as before
    run(member, "emotion.rate", stage=stage.pk, value=3, persona=mei.pk)  # the same rating again
    run(member, "emotion.rate", stage=stage.pk, value=-3, persona=ravi.pk)
    run(member2, "emotion.rate", stage=stage.pk, value=-1, persona=ravi.pk)
    assert sorted(EmotionRating.objects.values_list("persona_id", "value"), key=str) == sorted(
        [(mei.pk, 3), (ravi.pk, -3), (ravi.pk, -1)], key=str
    )
    rated = MapEvent.objects.filter(kind="emotion.rate").order_by("seq").last()
    assert rated.payload == {"stage": stage.pk, "persona": ravi.pk}  # never the value
    summary = map_summary(journey_map=workshop.journey_map)
    lines = {line.persona.name: line.cells[0].point.median for line in summary["emotion_lines"]}
    assert lines == {"Mei": 3.0, "Ravi": -2.0, "Ada": None}
    only_ravi = map_summary(journey_map=workshop.journey_map, persona=ravi.pk)
    assert [line.persona for line in only_ravi["emotion_lines"]] == [ravi]
    assert only_ravi["emotion_cells"][0].point.median == -2.0


def test_making_another_persona_the_main_one_moves_no_rating_to_another_line(
    workshop, facilitator, member, cast
):
    mei, ravi, ada = cast
    stage = workshop.journey_map.stages.first()
    run(member, "emotion.rate", stage=stage.pk, value=3)  # Mei's, the main one
    run(member, "emotion.rate", stage=stage.pk, value=-3, persona=ravi.pk)
    response, _client = prepare(facilitator, persona=ravi.pk, more_personas=[mei.pk, ada.pk])
    assert response.status_code == 302
    summary = map_summary(journey_map=workshop.journey_map)
    lines = {line.persona.name: line.cells[0].point.median for line in summary["emotion_lines"]}
    assert lines == {"Ravi": -3.0, "Ada": None, "Mei": 3.0}
    data = exports.export_data(JourneyMap.objects.get(pk=workshop.journey_map_id))
    assert data["stages"][0]["ratings"] == [-3]  # Ravi's, the main one now
    assert data["stages"][0]["more_ratings"] == [{"persona": "p2", "ratings": [3]}]  # Mei's (Ada is p1)


def test_ratings_given_before_the_map_had_a_persona_are_the_one_it_is_given(workshop, facilitator, member):
    stage = workshop.journey_map.stages.first()
    run(member, "emotion.rate", stage=stage.pk, value=1)
    assert EmotionRating.objects.get().persona is None
    mei = persona(workshop.owner, "Mei")
    response, _client = prepare(facilitator, persona=mei.pk)
    assert response.status_code == 302
    assert EmotionRating.objects.get().persona == mei


# -- the summary, filtered --------------------------------------------------------------------


def test_the_summary_for_one_persona_holds_its_notes_and_those_for_everyone(workshop, member, cast):
    _mei, ravi, ada = cast
    note(workshop.journey_map, member.user, "Everyone waits", "pains")
    note(workshop.journey_map, member.user, "Ravi pays twice", "pains", persona=ravi)
    note(workshop.journey_map, member.user, "Ada cannot find the date", "pains", persona=ada)
    client = client_for(member.user)
    url = reverse("summary", args=[workshop.slug])
    page = client.get(url, {"persona": ravi.pk}).content.decode()
    assert "Everyone waits" in page and "Ravi pays twice" in page and "Ada cannot find the date" not in page
    assert "Only what concerns Ravi" in page
    every = client.get(url).content.decode()
    assert all(text in every for text in ("Everyone waits", "Ravi pays twice", "Ada cannot find the date"))
    for bad in ("999999", "x", "-1"):
        page = client.get(url, {"persona": bad})
        assert page.status_code == 200 and "Ada cannot find the date" in page.content.decode()
    assert "not on this map" in client.get(url, {"persona": "999999"}).content.decode()


def test_a_share_link_filters_by_persona_too(workshop, member, cast):
    _mei, ravi, ada = cast
    note(workshop.journey_map, member.user, "Ravi pays twice", "pains", persona=ravi)
    note(workshop.journey_map, member.user, "Ada cannot find the date", "pains", persona=ada)
    link = maps_services.share_link_create(journey_map=workshop.journey_map, created_by=workshop.owner)
    page = Client().get(reverse("shared_summary", args=[link.token]), {"persona": ada.pk})
    assert "Ada cannot find the date" in page.content.decode()
    assert "Ravi pays twice" not in page.content.decode()


def test_the_filter_costs_the_summary_one_query_for_the_other_personas(
    workshop, member, cast, django_assert_max_num_queries
):
    _mei, ravi, _ada = cast
    note(workshop.journey_map, member.user, "Ravi pays twice", "pains", persona=ravi)
    with django_assert_max_num_queries(13):
        map_summary(journey_map=workshop.journey_map, persona=ravi.pk)


# -- the export -------------------------------------------------------------------------------


def test_personas_tags_and_lines_go_through_an_export_and_back(workshop, member, cast):
    mei, ravi, _ada = cast
    stage = workshop.journey_map.stages.first()
    note(workshop.journey_map, member.user, "Ravi pays twice", "pains", persona=ravi)
    note(workshop.journey_map, member.user, "Mei plans", "actions", persona=mei)
    run(member, "emotion.rate", stage=stage.pk, value=-3, persona=ravi.pk)
    run(member, "emotion.rate", stage=stage.pk, value=1)
    data = exports.export_data(workshop.journey_map)
    assert data["version"] == 4
    assert [(p["ref"], p["name"]) for p in data["more_personas"]] == [("p1", "Ada"), ("p2", "Ravi")]
    assert data["stages"][0]["ratings"] == [1]
    assert data["stages"][0]["more_ratings"] == [{"persona": "p2", "ratings": [-3]}]
    assert sorted(n["persona"] for n in data["notes"]) == ["main", "p2"]
    text = exports.export_json(workshop.journey_map)
    copy = maps_services.map_import(owner=workshop.owner, data=json.loads(text))
    assert [p.name for p in copy.more_personas.order_by("name")] == ["Ada", "Ravi"]
    assert exports.export_data(copy) == {**data, "title": data["title"]}


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d["notes"][0].update(persona="p9"), "notes[0].persona"),
        (
            lambda d: d["stages"][0]["more_ratings"][0].update(persona="p9"),
            "stages[0].more_ratings[0].persona",
        ),
        (lambda d: d["more_personas"][0].update(ref="main"), "more_personas"),
        (lambda d: d["more_personas"].append(dict(d["more_personas"][0])), "more_personas[2].ref"),
        (lambda d: d.update(persona=None), "more_personas"),
    ],
)
def test_a_file_with_bad_persona_refs_is_refused_by_path(workshop, member, cast, change, path):
    _mei, ravi, _ada = cast
    stage = workshop.journey_map.stages.first()
    note(workshop.journey_map, member.user, "Ravi pays twice", "pains", persona=ravi)
    run(member, "emotion.rate", stage=stage.pk, value=-3, persona=ravi.pk)
    data = exports.export_data(workshop.journey_map)
    change(data)
    with pytest.raises(exports.InvalidExport) as invalid:
        exports.validate(data)
    assert invalid.value.path == path


def test_the_readable_downloads_say_whom_a_note_concerns(workshop, member, cast):
    _mei, ravi, _ada = cast
    note(workshop.journey_map, member.user, "Ravi pays twice", "pains", persona=ravi)
    note(workshop.journey_map, member.user, "Everyone waits", "pains")
    markdown = exports.export_markdown(workshop.journey_map)
    assert "• Ravi pays twice _(For Ravi)_" in markdown and "• Everyone waits |" in markdown
    assert markdown.count("## Also on this map") == 2  # Ada and Ravi, after the main persona
    rows = list(csv.reader(io.StringIO(exports.export_csv(workshop.journey_map)[1:])))
    concerns = {row[2]: row[-1] for row in rows[1:]}
    assert rows[0][-1] == "Persona" and concerns == {"Ravi pays twice": "Ravi", "Everyone waits": ""}


def test_a_copy_keeps_the_personas_and_whom_each_note_concerns_but_not_the_ratings(workshop, member, cast):
    _mei, ravi, _ada = cast
    note(workshop.journey_map, member.user, "Ravi pays twice", "pains", persona=ravi)
    run(member, "emotion.rate", stage=workshop.journey_map.stages.first().pk, value=-3, persona=ravi.pk)
    copy = maps_services.map_copy(journey_map=workshop.journey_map, owner=workshop.owner, kind="future")
    assert sorted(p.name for p in copy.more_personas.all()) == ["Ada", "Ravi"]
    assert copy.stickies.get(text="Ravi pays twice").persona == ravi
    assert not EmotionRating.objects.filter(journey_map=copy).exists()


def test_a_version_3_file_of_one_persona_still_imports(workshop, member):
    note(workshop.journey_map, member.user, "Everyone waits", "pains")
    data = exports.export_data(workshop.journey_map)
    data["version"] = 3
    del data["more_personas"]
    for stage in data["stages"]:
        del stage["more_ratings"]
    for each in data["notes"]:
        del each["persona"]
    imported = maps_services.map_import(owner=workshop.owner, data=data)
    assert imported.stickies.get(text="Everyone waits").persona is None
    assert not imported.more_personas.exists()


def test_an_import_folds_a_persona_that_is_a_twin_of_another_into_its_line(workshop, member, cast):
    """Two personas with the same fields are one persona of the owner's library on import
    (maps.services.life._persona_for): their lines become one, and the import does not fail."""
    mei, ravi, ada = cast
    Persona.objects.filter(pk=ada.pk).update(name="Mei")  # Ada is now Mei's twin
    stage = workshop.journey_map.stages.first()
    run(member, "emotion.rate", stage=stage.pk, value=2)
    run(member, "emotion.rate", stage=stage.pk, value=-2, persona=ada.pk)
    run(member, "emotion.rate", stage=stage.pk, value=-3, persona=ravi.pk)
    copy = maps_services.map_import(owner=workshop.owner, data=exports.export_data(workshop.journey_map))
    assert copy.persona == mei and list(copy.more_personas.all()) == [ravi]
    assert sorted(EmotionRating.objects.filter(journey_map=copy).values_list("value", flat=True)) == [
        -3,
        -2,
        2,
    ]
    main_line = EmotionRating.objects.filter(journey_map=copy, persona=mei).values_list("value", flat=True)
    assert sorted(main_line) == [-2, 2]
