"""The prepare page: the facilitator sets the persona and the scope before the session."""

from __future__ import annotations

import pytest
from django.urls import reverse

from maps.models import MapEvent, Persona
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_facilitator_saves_persona_and_scope_and_the_summary_shows_them(workshop, facilitator):
    persona = Persona.objects.create(owner=workshop.owner, name="Mei", role="Weekend camper")
    client = client_for(facilitator.user)
    url = reverse("prepare", args=[workshop.slug])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "persona": persona.pk,
            "scenario": "Mei plans a two-night trip with friends",
            "goal": "Find where booking loses people",
            "journey_start": "searches for a campsite",
            "journey_end": "shares the photos",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("room", args=[workshop.slug])
    journey_map = workshop.journey_map
    journey_map.refresh_from_db()
    assert journey_map.persona == persona
    assert journey_map.scenario == "Mei plans a two-night trip with friends"
    assert MapEvent.objects.filter(journey_map=journey_map, kind="scope.update").count() == 1
    summary = client.get(reverse("summary", args=[workshop.slug])).content.decode()
    assert "Mei" in summary and "Mei plans a two-night trip with friends" in summary


def test_another_facilitators_persona_is_refused_and_nothing_is_lost(workshop, facilitator, outsider):
    theirs = Persona.objects.create(owner=outsider, name="Not yours")
    client = client_for(facilitator.user)
    response = client.post(
        reverse("prepare", args=[workshop.slug]), {"persona": theirs.pk, "scenario": "Typed with care"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Select a valid choice" in page and "Typed with care" in page
    workshop.journey_map.refresh_from_db()
    assert workshop.journey_map.persona is None and workshop.journey_map.scenario == ""


@pytest.mark.parametrize("who", ["member", "observer", "outsider"])
def test_only_facilitators_prepare(workshop, who, request):
    person = request.getfixturevalue(who)
    user = getattr(person, "user", person)
    assert client_for(user).get(reverse("prepare", args=[workshop.slug])).status_code == 404
    assert client_for(user).post(reverse("prepare", args=[workshop.slug]), {"goal": "x"}).status_code == 404
