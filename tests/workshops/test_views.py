from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from maps.models import Sticky
from tests.conftest import client_for
from workshops import services
from workshops.models import Participant, Role, Workshop

pytestmark = pytest.mark.django_db


def test_a_facilitator_signs_up_and_lands_on_their_workshops(client):
    response = client.post(
        reverse("signup"),
        {
            "first_name": "Fatima Haddad",
            "username": "fatima",
            "password1": "a-long-password-9",
            "password2": "a-long-password-9",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("workshop_list")
    assert "No workshops yet" in client.get(reverse("workshop_list")).content.decode()
    # The name they gave is the one the team sees, not the login name.
    client.post(reverse("workshop_list"), {"title": "Onboarding", "kind": "current"})
    room = client.get(reverse("room", args=[Workshop.objects.get().slug])).content.decode()
    assert "You are Fatima Haddad" in room and "You are fatima" not in room


def test_signup_asks_for_the_name_the_team_sees(client):
    response = client.post(
        reverse("signup"),
        {"username": "noname", "password1": "a-long-password-9", "password2": "a-long-password-9"},
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not get_user_model().objects.filter(username="noname").exists()


def test_signup_errors_are_shown(client):
    response = client.post(reverse("signup"), {"username": "x", "password1": "a", "password2": "b"})
    assert response.status_code == 200
    assert "didn’t match" in response.content.decode() or "didn't match" in response.content.decode()
    assert not get_user_model().objects.filter(username="x").exists()


def test_log_in_and_out(client, owner):
    response = client.post(reverse("login"), {"username": "olivia", "password": "a-long-password-1"})
    assert response.status_code == 302
    assert client.get(reverse("workshop_list")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("workshop_list")).status_code == 302


def test_creating_a_workshop(owner):
    client = client_for(owner)
    response = client.post(reverse("workshop_list"), {"title": "Onboarding", "kind": "future"})
    workshop = Workshop.objects.get(title="Onboarding")
    assert response["Location"] == reverse("room", args=[workshop.slug])
    assert workshop.journey_map.kind == "future"
    page = client.get(response["Location"]).content.decode()
    assert "Onboarding" in page and "Set the stage" in page and workshop.join_code_display in page


def test_creating_a_workshop_needs_a_title(owner):
    response = client_for(owner).post(reverse("workshop_list"), {"title": "", "kind": "current"})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not Workshop.objects.exists()


def test_the_list_shows_only_my_workshops(workshop, other_workshop, owner):
    page = client_for(owner).get(reverse("workshop_list")).content.decode()
    assert workshop.title in page
    assert other_workshop.title not in page


def test_a_member_joins_with_a_code_and_a_name(client, workshop):
    typed = workshop.join_code_display.lower()  # people type it any way they like
    response = client.get(reverse("join"), {"code": f" {typed} "})
    assert response["Location"] == reverse("join_code", args=[workshop.join_code])
    response = client.post(response["Location"], {"display_name": "  Mia   Wong "})
    assert response["Location"] == reverse("room", args=[workshop.slug])
    participant = Participant.objects.get(workshop=workshop, display_name="Mia Wong")
    assert participant.role == Role.MEMBER
    assert not participant.user.has_usable_password()
    # A reload, or a second tab, is the same person.
    page = client.get(reverse("room", args=[workshop.slug])).content.decode()
    assert "You are Mia Wong" in page
    assert client.get(reverse("join_code", args=[workshop.join_code]))["Location"] == reverse(
        "room", args=[workshop.slug]
    )
    assert Participant.objects.filter(workshop=workshop).count() == 2


def test_an_unknown_code_says_so(client, workshop):
    response = client.get(reverse("join_code", args=["ZZZZZZ"]))
    assert response.status_code == 404
    assert "No workshop has this code" in response.content.decode()
    response = client.get(reverse("join"), {"code": "AB"})
    assert response.status_code == 400
    assert "6 letters and digits" in response.content.decode()


def test_a_name_is_required(client, workshop):
    response = client.post(reverse("join_code", args=[workshop.join_code]), {"display_name": "   "})
    assert response.status_code == 200
    assert (
        "This field is required" in response.content.decode()
        or "Please enter a name" in response.content.decode()
    )
    assert workshop.participants.count() == 1


def test_joining_closed(client, workshop, facilitator):
    services.joining_set(workshop=workshop, by=facilitator, open=False)
    response = client.post(reverse("join_code", args=[workshop.join_code]), {"display_name": "Late"})
    assert response.status_code == 403
    assert "Joining is closed" in response.content.decode()
    assert workshop.participants.count() == 1


def test_a_rotated_code_stops_working(client, workshop, facilitator):
    old = workshop.join_code
    services.join_code_rotate(workshop=workshop, by=facilitator)
    assert client.get(reverse("join_code", args=[old])).status_code == 404


@pytest.mark.parametrize("who", ["facilitator", "cofacilitator", "member", "observer"])
def test_participants_see_the_room(workshop, who, request):
    person = request.getfixturevalue(who)
    response = client_for(person.user).get(reverse("room", args=[workshop.slug]))
    assert response.status_code == 200
    assert f"role-{person.role}" in response.content.decode()


def test_outsiders_and_strangers_get_404(client, workshop, outsider):
    url = reverse("room", args=[workshop.slug])
    assert client.get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(outsider).get(reverse("join_qr", args=[workshop.slug])).status_code == 404
    assert (
        client_for(outsider).post(reverse("room_op", args=[workshop.slug]), {"op": "timer.start"}).status_code
        == 404
    )


def test_the_join_screen_is_for_facilitators(workshop, facilitator, member, outsider):
    url = reverse("present", args=[workshop.slug])
    page = client_for(facilitator.user).get(url)
    assert page.status_code == 200
    assert workshop.join_code_display in page.content.decode()
    assert client_for(member.user).get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404


def test_the_qr_code_encodes_the_join_link(workshop, member):
    response = client_for(member.user).get(reverse("join_qr", args=[workshop.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content and b'xmlns="http://www.w3.org/2000/svg"' in response.content


def test_ops_posted_without_javascript_work_for_facilitators(workshop, facilitator):
    client = client_for(facilitator.user)
    response = client.post(reverse("room_op", args=[workshop.slug]), {"op": "timer.start"})
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.timer_running


def test_an_op_posted_without_javascript_runs_again_after_a_deadlock(workshop, facilitator, monkeypatch):
    """As on the websocket (workshops.ops.retried): the database undid it whole, so it runs again."""
    from django.db import OperationalError

    from workshops import ops

    class Victim(Exception):
        sqlstate = "40P01"

    perform, calls = ops.perform, []

    def once_a_victim(**kwargs):
        calls.append(kwargs["name"])
        if len(calls) == 1:
            raise OperationalError("deadlock detected") from Victim()
        return perform(**kwargs)

    monkeypatch.setattr(ops, "perform", once_a_victim)
    response = client_for(facilitator.user).post(
        reverse("room_op", args=[workshop.slug]), {"op": "timer.start"}
    )
    assert response.status_code == 302
    assert calls == ["timer.start", "timer.start"]
    workshop.refresh_from_db()
    assert workshop.timer_running


def test_ops_posted_by_members_are_refused_with_a_message(workshop, member):
    client = client_for(member.user)
    response = client.post(reverse("room_op", args=[workshop.slug]), {"op": "timer.start"}, follow=True)
    assert "Only a facilitator can do that." in response.content.decode()
    workshop.refresh_from_db()
    assert not workshop.timer_running


def test_an_op_posted_twice_with_one_id_is_saved_once(workshop, member):
    """The fallback runs ops as the socket does (workshops.ops.run): a repeat of an id is the first result."""
    stage, lane = workshop.journey_map.stages.first(), workshop.journey_map.lanes.first()
    form = {"op": "sticky.create", "id": "form-1", "stage": stage.pk, "lane": lane.pk, "text": "Once"}
    client = client_for(member.user)
    for _ in range(2):
        assert client.post(reverse("room_op", args=[workshop.slug]), form).status_code == 302
    assert Sticky.objects.filter(journey_map=workshop.journey_map, text="Once").count() == 1
    # Without an id each post is an op of its own, as a form posted without JavaScript is.
    del form["id"]
    for _ in range(2):
        client.post(reverse("room_op", args=[workshop.slug]), form)
    assert Sticky.objects.filter(journey_map=workshop.journey_map, text="Once").count() == 3


def test_an_op_id_the_protocol_refuses_is_refused_over_http_too(workshop, member):
    stage, lane = workshop.journey_map.stages.first(), workshop.journey_map.lanes.first()
    form = {"op": "sticky.create", "id": "x" * 65, "stage": stage.pk, "lane": lane.pk, "text": "Never"}
    response = client_for(member.user).post(reverse("room_op", args=[workshop.slug]), form, follow=True)
    assert "An op id is a string of up to 64 characters." in response.content.decode()
    assert not Sticky.objects.filter(text="Never").exists()


def test_bad_op_input_over_http_is_explained(workshop, facilitator):
    client = client_for(facilitator.user)
    response = client.post(
        reverse("room_op", args=[workshop.slug]), {"op": "timer.add", "minutes": "many"}, follow=True
    )
    assert "Enter a whole number." in response.content.decode()
    assert client.get(reverse("room_op", args=[workshop.slug])).status_code == 405


def test_the_room_page_takes_a_fixed_number_of_queries(workshop, facilitator, django_assert_num_queries):
    people = [
        Participant.objects.create(
            workshop=workshop, user=services.guest_user_create(display_name=f"P{i}"), display_name=f"P{i}"
        )
        for i in range(30)
    ]
    journey_map = workshop.journey_map
    stages, lanes = list(journey_map.stages.all()), list(journey_map.lanes.all())
    Sticky.objects.bulk_create(
        Sticky(
            journey_map=journey_map,
            stage=stages[i % len(stages)],
            lane=lanes[i % len(lanes)],
            text=f"Note {i}",
            author=people[i % 30].user,
            position=i,
        )
        for i in range(400)
    )
    client = client_for(facilitator.user)
    # session, user, participant+workshop; workshop+step+map+persona, lanes, the map's other
    # personas (maps.personas), steps, done marks, participants; the board's stages with their
    # figures, notes with authors, links, emotion ratings; the big-picture answers; the latest
    # vote; the removed people; and, when the cache is the database's, when guessing of codes
    # was last stopped (workshops/guards.py)
    from django.conf import settings

    in_database = settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")
    with django_assert_num_queries(17 + in_database):
        response = client.get(reverse("room", args=[workshop.slug]))
    page = response.content.decode()
    assert page.count('class="person ') == 31
    assert page.count('class="sticky colour-') == 400


def test_the_page_is_served_in_chinese(client, workshop):
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("home")).content.decode()
    assert 'lang="zh-hans"' in page
    assert "加入" in page


@pytest.mark.parametrize("to", ["²", "٣", "99999999999999999999", "-1"])
def test_a_step_that_is_not_an_ascii_id_is_refused_over_http(workshop, facilitator, member, to):
    """A step "²" passes str.isdigit() but not int(): it once answered 500."""
    for person in (facilitator, member):
        response = client_for(person.user).post(
            reverse("room_op", args=[workshop.slug]), {"op": "step.go", "to": to}, follow=True
        )
        assert response.status_code == 200
        assert "Choose a step of this workshop" in response.content.decode()
