"""A follow-up session on a map the team made before, and what the summary says moved since."""

from __future__ import annotations

import pytest
from django.urls import reverse

from maps import services as maps_services
from maps.models import EmotionRating
from tests.conftest import client_for
from tests.workshops.test_summary_views import note
from workshops import play
from workshops.models import Participant, Role, Workshop

pytestmark = pytest.mark.django_db


def follow_up(workshop) -> Workshop:
    response = client_for(workshop.owner).post(reverse("map_follow_up", args=[workshop.slug]))
    assert response.status_code == 302
    new = Workshop.objects.exclude(pk=workshop.pk).get(journey_map=workshop.journey_map)
    assert response["Location"] == reverse("room", args=[new.slug])
    return new


def test_the_owner_starts_a_follow_up_on_the_same_map_with_its_own_agenda(workshop, facilitator, member):
    note(workshop.journey_map, member.user, "A starter kit", "opportunities", owner="Shop")
    new = follow_up(workshop)
    assert (new.follows, new.journey_map_id) == (workshop, workshop.journey_map_id)
    assert new.title == f"Follow-up: {workshop.title}"
    assert [step.key for step in new.steps.order_by("position")] == [s.key for s in play.FOLLOW_UP_STEPS]
    assert new.current_step.key == "changes" and not new.current_step.skipped
    assert "Open in the action plan: 1; past their due date: 0." in new.steps.get(key="plan").note
    assert workshop.title in new.steps.get(key="changes").note
    me = Participant.objects.get(workshop=new, user=workshop.owner)
    assert (me.role, me.display_name) == (Role.FACILITATOR, facilitator.display_name)
    assert set(new.baseline) == {"taken_at", "stages", "notes"}
    workshop.journey_map.refresh_from_db()
    assert workshop.journey_map.last_reviewed_at is not None  # no longer due for review
    room = client_for(workshop.owner).get(reverse("room", args=[new.slug])).content.decode()
    assert "What changed since last time" in room and "A starter kit" in room  # the same board


@pytest.mark.parametrize("who", ["cofacilitator", "member", "observer"])
def test_only_the_maps_owner_starts_a_follow_up(request, workshop, who):
    participant = request.getfixturevalue(who)
    response = client_for(participant.user).post(reverse("map_follow_up", args=[workshop.slug]))
    assert response.status_code == 404
    assert Workshop.objects.filter(journey_map=workshop.journey_map).count() == 1


def test_the_summary_says_what_moved_since_the_follow_up_began(workshop, facilitator, member):
    journey_map = workshop.journey_map
    stage = journey_map.stages.first()
    idea = note(journey_map, member.user, "A starter kit", "opportunities", owner="Shop", status="idea")
    guess = note(journey_map, member.user, "They come by car", "thoughts")
    maps_services.emotion_rate(journey_map=journey_map, author=member.user, stage=stage, value=-2)
    maps_services.metric_add(
        journey_map=journey_map, author=facilitator.user, stage=stage, kind="nps", value=10
    )
    summary_url = reverse("summary", args=[workshop.slug])
    assert (
        "What moved since the last session" not in client_for(member.user).get(summary_url).content.decode()
    )

    new = follow_up(workshop)
    maps_services.sticky_style(journey_map=journey_map, author=member.user, sticky=idea, status="done")
    maps_services.sticky_settle(
        journey_map=journey_map,
        author=member.user,
        sticky=guess,
        evidence="research",
        source="Car park count",
    )
    maps_services.emotion_rate(journey_map=journey_map, author=member.user, stage=stage, value=1)
    maps_services.metric_add(
        journey_map=journey_map, author=facilitator.user, stage=stage, kind="nps", value=25
    )
    note(journey_map, member.user, "Signs at the exits", "opportunities")
    assert EmotionRating.objects.filter(journey_map=journey_map).count() == 1  # re-rated, not added

    for url in (summary_url, reverse("summary", args=[new.slug])):  # either session's summary
        page = client_for(workshop.owner).get(url).content.decode()
        moves = page[page.index('id="moves-title"') : page.index('id="plan-title"')]
        assert "1 note added since." in moves
        assert "(+3)" in moves  # the stage's feeling, −2 then, 1 now
        assert "NPS: 10" in moves and "NPS: 25" in moves
        assert "A starter kit" in moves and "Idea" in moves and "Done" in moves
        assert "They come by car" in moves and "Assumption" in moves and "Research" in moves


def test_what_moved_costs_the_summary_no_query_of_its_own(workshop, facilitator, member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(5):
        note(workshop.journey_map, member.user, f"Note {i}", "pains", stage=i % 3, owner="Ops")
    client = client_for(workshop.owner)
    url = reverse("summary", args=[workshop.slug])
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    follow_up(workshop)
    with CaptureQueriesContext(connection) as after:
        page = client.get(url).content.decode()
    assert "What moved since the last session" in page
    assert len(after.captured_queries) == len(before.captured_queries)
