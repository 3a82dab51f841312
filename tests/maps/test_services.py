from __future__ import annotations

import pytest

from maps import services
from maps.models import MapEvent, MapKind, Sticky
from maps.services import MapRefused

pytestmark = pytest.mark.django_db


@pytest.fixture
def journey_map(owner):
    return services.map_create(owner=owner, title="Trial", kind=MapKind.CURRENT_STATE)


def cell(journey_map, stage_index: int, lane_key: str):
    return journey_map.stages.all()[stage_index], journey_map.lanes.get(key=lane_key)


def add(journey_map, owner, text, stage_index=0, lane_key="actions", **kwargs):
    stage, lane = cell(journey_map, stage_index, lane_key)
    change = services.sticky_create(
        journey_map=journey_map, author=owner, stage=stage, lane=lane, text=text, **kwargs
    )
    return change.sticky


def texts(journey_map, stage_index=0, lane_key="actions"):
    stage, lane = cell(journey_map, stage_index, lane_key)
    return list(
        Sticky.objects.filter(stage=stage, lane=lane, deleted_at=None)
        .order_by("position")
        .values_list("text", flat=True)
    )


def test_a_current_state_map_starts_with_the_usual_stages_and_lanes(journey_map):
    assert [s.name for s in journey_map.stages.all()] == [
        "Awareness",
        "Consideration",
        "Decision",
        "Experience",
        "Advocacy",
    ]
    assert [lane.key for lane in journey_map.lanes.all()] == [
        "actions",
        "touchpoints",
        "thoughts",
        "pains",
        "opportunities",
    ]


def test_a_service_blueprint_adds_the_zones_behind_the_line_of_visibility(owner):
    blueprint = services.map_create(owner=owner, title="Blueprint", kind=MapKind.SERVICE_BLUEPRINT)
    keys = [lane.key for lane in blueprint.lanes.all()]
    assert keys.index("frontstage") < keys.index("backstage") < keys.index("support")
    assert blueprint.lanes.get(key="backstage").zone == "backstage"


def test_notes_are_added_in_order_and_logged(journey_map, owner):
    add(journey_map, owner, "first")
    add(journey_map, owner, "second")
    assert texts(journey_map) == ["first", "second"]
    assert list(MapEvent.objects.order_by("pk").values_list("kind", "seq")) == [
        ("sticky.create", 1),
        ("sticky.create", 2),
    ]


def test_moving_within_a_cell_and_across_cells(journey_map, owner):
    a, b, c = (add(journey_map, owner, t) for t in "abc")
    stage, lane = cell(journey_map, 0, "actions")
    services.sticky_move(journey_map=journey_map, author=owner, sticky=c, stage=stage, lane=lane, position=0)
    assert texts(journey_map) == ["c", "a", "b"]
    target_stage, target_lane = cell(journey_map, 2, "pains")
    change = services.sticky_move(
        journey_map=journey_map, author=owner, sticky=a, stage=target_stage, lane=target_lane, position=5
    )
    assert texts(journey_map) == ["c", "b"]
    assert texts(journey_map, 2, "pains") == ["a"]
    assert change.cells == {(stage.pk, lane.pk), (target_stage.pk, target_lane.pk)}
    assert list(
        Sticky.objects.filter(stage=stage, lane=lane).order_by("position").values_list("position", flat=True)
    ) == [0, 1]


def test_style_changes_only_the_fields_given(journey_map, owner):
    note = add(journey_map, owner, "call centre", is_question=True)
    services.sticky_style(journey_map=journey_map, author=owner, sticky=note, colour="pink")
    note.refresh_from_db()
    assert (note.colour, note.is_question) == ("pink", True)
    services.sticky_style(
        journey_map=journey_map, author=owner, sticky=note, is_question=False, evidence="research"
    )
    note.refresh_from_db()
    assert (note.colour, note.is_question, note.evidence) == ("pink", False, "research")


def test_last_edit_wins(journey_map, owner):
    note = add(journey_map, owner, "v0")
    services.sticky_edit(journey_map=journey_map, author=owner, sticky=note, text="from Mia")
    services.sticky_edit(journey_map=journey_map, author=owner, sticky=note, text="from Ravi")
    note.refresh_from_db()
    assert note.text == "from Ravi"


def test_a_delete_beats_an_edit_and_undo_brings_the_note_back(journey_map, owner):
    a = add(journey_map, owner, "a")
    add(journey_map, owner, "b")
    services.sticky_delete(journey_map=journey_map, author=owner, sticky=a)
    with pytest.raises(MapRefused) as refused:
        services.sticky_edit(journey_map=journey_map, author=owner, sticky=a, text="too late")
    assert refused.value.code == "gone"
    with pytest.raises(MapRefused):
        stage, lane = cell(journey_map, 1, "actions")
        services.sticky_move(
            journey_map=journey_map, author=owner, sticky=a, stage=stage, lane=lane, position=0
        )
    assert texts(journey_map) == ["b"]
    services.sticky_restore(journey_map=journey_map, author=owner, sticky=a)
    assert texts(journey_map) == ["a", "b"]


def test_links_between_notes(journey_map, owner):
    action = add(journey_map, owner, "pays by transfer", 1)
    pain = add(journey_map, owner, "no confirmation", 1, "pains")
    services.sticky_link(journey_map=journey_map, author=owner, sticky=pain, to=action, linked=True)
    assert list(pain.links.all()) == [action]
    with pytest.raises(MapRefused):
        services.sticky_link(journey_map=journey_map, author=owner, sticky=pain, to=pain, linked=True)
    services.sticky_link(journey_map=journey_map, author=owner, sticky=pain, to=action, linked=False)
    assert not pain.links.exists()


def test_revealing_shows_every_hidden_note(journey_map, owner):
    add(journey_map, owner, "secret", hidden=True)
    change = services.stickies_reveal(journey_map=journey_map, author=owner)
    assert change.event.kind == "sticky.reveal" and not Sticky.objects.filter(hidden=True).exists()


def test_stages_are_added_renamed_moved_and_removed(journey_map, owner):
    services.stage_create(journey_map=journey_map, author=owner, name="Onboarding", position=1)
    names = lambda: [s.name for s in journey_map.stages.all()]  # noqa: E731
    assert names()[:3] == ["Awareness", "Onboarding", "Consideration"]
    onboarding = journey_map.stages.get(name="Onboarding")
    services.stage_rename(journey_map=journey_map, author=owner, stage=onboarding, name="Trial")
    services.stage_move(journey_map=journey_map, author=owner, stage=onboarding, position=0)
    assert names()[:2] == ["Trial", "Awareness"]
    add(journey_map, owner, "holds a note", 0)
    with pytest.raises(MapRefused) as refused:
        services.stage_delete(journey_map=journey_map, author=owner, stage=onboarding)
    assert refused.value.code == "confirm"
    assert "1 notes" in refused.value.message or "1 note" in refused.value.message
    services.stage_delete(journey_map=journey_map, author=owner, stage=onboarding, confirm=True)
    assert names() == ["Awareness", "Consideration", "Decision", "Experience", "Advocacy"]
    assert [s.position for s in journey_map.stages.all()] == [0, 1, 2, 3, 4]


def test_the_last_stage_stays(owner):
    journey_map = services.map_create(owner=owner, title="Day", kind=MapKind.DAY_IN_THE_LIFE)
    stages = list(journey_map.stages.all())
    for stage in stages[:-1]:
        services.stage_delete(journey_map=journey_map, author=owner, stage=stage)
    with pytest.raises(MapRefused):
        services.stage_delete(journey_map=journey_map, author=owner, stage=stages[-1])


def test_lanes_can_be_hidden(journey_map, owner):
    lane = journey_map.lanes.get(key="touchpoints")
    services.lane_set_visible(journey_map=journey_map, author=owner, lane=lane, visible=False)
    lane.refresh_from_db()
    assert not lane.visible


def test_the_backstory_is_written_part_by_part(journey_map, owner):
    services.backstory_edit(
        journey_map=journey_map, author=owner, part="trigger", text="Knowledge sits in silos"
    )
    journey_map.refresh_from_db()
    assert journey_map.trigger == "Knowledge sits in silos"
    with pytest.raises(MapRefused):
        services.backstory_edit(journey_map=journey_map, author=owner, part="owner_id", text="1")
