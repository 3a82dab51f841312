"""Removed means removed: not back in with the code, from the account or the browser, until a
facilitator lets them back in (docs/security.md)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import reverse

from maps.models import Sticky
from tests.conftest import client_for
from tests.workshops.test_consumer import join, open_socket, send
from workshops import services
from workshops.models import Participant, Removal, Workshop

pytestmark = pytest.mark.django_db


def join_as(client: Client, workshop: Workshop, name: str):
    return client.post(reverse("join_code", args=[workshop.join_code]), {"display_name": name})


def joined_guest(workshop: Workshop, name: str = "Mallory") -> tuple[Client, Participant]:
    browser = Client()
    assert join_as(browser, workshop, name).status_code == 302
    return browser, Participant.objects.select_related("user").get(workshop=workshop, display_name=name)


def remove(workshop: Workshop, facilitator: Participant, participant: Participant) -> None:
    services.participant_remove(workshop=workshop, by=facilitator, participant=participant)


def test_the_same_browser_cannot_post_the_code_again(workshop, facilitator):
    browser, mallory = joined_guest(workshop)
    remove(workshop, facilitator, mallory)
    response = join_as(browser, workshop, "Mallory")
    assert response.status_code == 403
    assert "A facilitator took you out of this workshop" in response.content.decode()
    assert not workshop.participants.filter(display_name="Mallory").exists()
    assert browser.get(reverse("room", args=[workshop.slug])).status_code == 404


def test_nor_as_a_new_guest_after_logging_out(workshop, facilitator):
    browser, mallory = joined_guest(workshop)
    remove(workshop, facilitator, mallory)
    browser.post(reverse("logout"))
    assert join_as(browser, workshop, "Someone new").status_code == 403
    assert not workshop.participants.filter(display_name="Someone new").exists()


def test_an_account_is_kept_out_from_any_browser(workshop, facilitator, outsider):
    eve = client_for(outsider)
    assert join_as(eve, workshop, "Eve").status_code == 302
    remove(workshop, facilitator, workshop.participants.get(user=outsider))
    assert join_as(client_for(outsider), workshop, "Eve").status_code == 403


def test_other_people_still_join(workshop, facilitator):
    _browser, mallory = joined_guest(workshop)
    remove(workshop, facilitator, mallory)
    assert join_as(Client(), workshop, "Ravi").status_code == 302


def test_the_facilitator_sees_who_was_removed_and_lets_them_back_in(workshop, facilitator):
    browser, mallory = joined_guest(workshop)
    services.sticky_create(
        workshop=workshop,
        by=mallory,
        text="Tent leaks",
        stage=workshop.journey_map.stages.first(),
        lane=workshop.journey_map.lanes.first(),
    )
    remove(workshop, facilitator, mallory)
    room = client_for(facilitator.user)
    page = room.get(reverse("room", args=[workshop.slug])).content.decode()
    removal = Removal.objects.get(workshop=workshop)
    assert f'data-removal="{removal.pk}"' in page and "Let back in" in page
    response = room.post(
        reverse("room_op", args=[workshop.slug]), {"op": "participant.readmit", "removal": removal.pk}
    )
    assert response.status_code == 302
    assert not Removal.objects.exists()
    assert join_as(browser, workshop, "Mallory").status_code == 302
    assert Sticky.objects.filter(journey_map=workshop.journey_map, text="Tent leaks").exists()


def test_only_a_facilitator_of_this_workshop_lets_anyone_back(workshop, facilitator, member, other_workshop):
    _browser, mallory = joined_guest(workshop)
    remove(workshop, facilitator, mallory)
    removal = Removal.objects.get()
    client_for(member.user).post(
        reverse("room_op", args=[workshop.slug]), {"op": "participant.readmit", "removal": removal.pk}
    )
    stranger = client_for(other_workshop.owner)
    stranger.post(
        reverse("room_op", args=[other_workshop.slug]), {"op": "participant.readmit", "removal": removal.pk}
    )
    assert Removal.objects.filter(pk=removal.pk).exists()


@pytest.mark.django_db(transaction=True)
async def test_a_removed_persons_socket_is_refused(workshop, facilitator):
    _browser, mallory = await database_sync_to_async(joined_guest)(workshop)
    await database_sync_to_async(remove)(workshop, facilitator, mallory)
    connected, ws = await open_socket(mallory.user, workshop)
    assert not connected
    await ws.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_facilitator_lets_them_back_in_over_the_websocket(workshop, facilitator):
    browser, mallory = await database_sync_to_async(joined_guest)(workshop)
    await database_sync_to_async(remove)(workshop, facilitator, mallory)
    removal = await database_sync_to_async(Removal.objects.get)()
    ws = await join(facilitator.user, workshop)
    await send(ws, "participant.readmit", {"removal": removal.pk}, op_id="r1")
    seen: dict[str, dict] = {}
    while len(seen) < 2:  # the ack, and the "Invite the team" panel drawn again (either first)
        message = await ws.receive_json_from()
        if message["type"] == "ack" and message["id"] == "r1":
            seen["ack"] = message
        elif message["type"] == "event" and 'id="joining"' in message["html"]:
            seen["event"] = message
    assert "Let back in" not in seen["event"]["html"]
    assert not await database_sync_to_async(Removal.objects.exists)()
    await ws.disconnect()
    response = await database_sync_to_async(join_as)(browser, workshop, "Mallory")
    assert response.status_code == 302
