"""Bring everyone here: the facilitator's spotlight on a stage, a cell or a note."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from maps.models import Sticky
from workshops import ops
from workshops.models import Workshop
from workshops.services import Invalid, Refused

pytestmark = pytest.mark.django_db


def spot(by, target: str) -> Workshop:
    ops.run(participant_id=by.pk, name="spotlight.set", data={"target": target})
    return Workshop.objects.get(pk=by.workshop_id)


def test_a_stage_a_cell_or_a_note_is_named_for_the_room_and_ended(workshop, facilitator, member) -> None:
    journey_map = workshop.journey_map
    stage = journey_map.stages.first()
    lane = journey_map.lanes.get(key="pains")
    ops.run(
        participant_id=member.pk,
        name="sticky.create",
        data={"stage": stage.pk, "lane": lane.pk, "text": "No booking confirmation"},
    )
    note = Sticky.objects.get(text="No booking confirmation")
    assert spot(facilitator, f"stage-{stage.pk}").spotlight_label == stage.name
    cell = spot(facilitator, f"cell-{stage.pk}-{lane.pk}")
    assert cell.spotlight == f"cell-{stage.pk}-{lane.pk}" and stage.name in cell.spotlight_label
    assert spot(facilitator, f"sticky-{note.pk}").spotlight_label == "No booking confirmation"
    client = Client()
    client.force_login(member.user)
    room = client.get(reverse("room", args=[workshop.slug])).content.decode()
    assert f'data-spotlight="sticky-{note.pk}"' in room and "Everyone is brought to: No booking" in room
    ended = spot(facilitator, "")
    assert (ended.spotlight, ended.spotlight_label) == ("", "")


def test_only_a_facilitator_spotlights_and_only_what_the_room_can_see(
    workshop, facilitator, member, other_workshop
) -> None:
    stage = workshop.journey_map.stages.first()
    with pytest.raises(Refused):
        spot(member, f"stage-{stage.pk}")
    elsewhere = other_workshop.journey_map.stages.first()
    ops.run(participant_id=facilitator.pk, name="writing.private", data={"on": True})
    lane = workshop.journey_map.lanes.get(key="pains")
    ops.run(
        participant_id=member.pk,
        name="sticky.create",
        data={"stage": stage.pk, "lane": lane.pk, "text": "Hidden"},
    )
    hidden = Sticky.objects.get(text="Hidden")
    for target in (
        f"stage-{elsewhere.pk}",
        f"sticky-{hidden.pk}",  # still private: the room has not seen it
        f"cell-{stage.pk}",
        "stage-x",
        "board",
        "stage-" + "9" * 30,
        "x" * 61,
    ):
        with pytest.raises(Invalid):
            spot(facilitator, target)
    assert Workshop.objects.get(pk=workshop.pk).spotlight == ""
