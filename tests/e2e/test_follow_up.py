"""A follow-up session in real browsers: the facilitator starts one from the workshop list, the
team joins with its new code and goes through the action plan on the same board, and the
summary says what moved since."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from maps import services as maps_services
from tests.e2e.pages import Room, facilitator_opens_room, member_joins, picture_of, wait_online
from tests.e2e.test_board import note
from workshops.models import Workshop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def first_session(workshop: Workshop) -> None:
    """What the first session left: a pain, an opportunity for it, an assumption to check."""
    journey_map, owner = workshop.journey_map, workshop.owner
    stages = list(journey_map.stages.all())
    lanes = {lane.key: lane for lane in journey_map.lanes.all()}
    for lane, text, fields in [
        ("pains", "No confirmation after paying", {"severity": 3}),
        ("opportunities", "Send a confirmation e-mail", {"owner": "Bookings", "status": "planned"}),
        ("thoughts", "Most people book from their phone", {"owner": "Research"}),
    ]:
        maps_services.sticky_create(
            journey_map=journey_map, author=owner, stage=stages[1], lane=lanes[lane], text=text, **fields
        )
    maps_services.emotion_rate(journey_map=journey_map, author=owner, stage=stages[1], value=-2)


def test_a_follow_up_session_goes_through_the_plan_on_the_same_board(
    new_page: Callable[..., Page], screenshots_dir: Path
) -> None:
    room = facilitator_opens_room(new_page((1440, 1000)), title="Weekend camping trip")
    fac = room.facilitator
    workshop = Workshop.objects.get(slug=room.url.strip("/").split("/")[-1])
    filler = threading.Thread(target=first_session, args=(workshop,))  # broadcasts: not on this thread
    filler.start()
    filler.join()

    # Weeks later: from the workshop list, the map's menu starts a follow-up session.
    fac.goto("/workshops/")
    fac.locator(f"#workshop-{workshop.slug} details.map-actions > summary").click()
    fac.get_by_role("button", name="Start a follow-up session").click()
    expect(fac.locator(".messages")).to_contain_text("A follow-up session on “Weekend camping trip” is ready")
    wait_online(fac)
    follow = Workshop.objects.exclude(pk=workshop.pk).get(journey_map=workshop.journey_map)
    expect(fac.locator("#agenda .agenda-step")).to_have_count(4)
    expect(fac.locator("#agenda .agenda-step.current")).to_contain_text("What changed since last time")
    expect(note(fac, "Send a confirmation e-mail")).to_be_visible()  # the same board
    picture_of(fac, "#agenda", screenshots_dir / "follow-up-agenda.png")

    # The team joins with the new session's code, and the plan's step begins.
    code = fac.locator("#joining .join-code").inner_text().replace("Code:", "").strip()
    mia = member_joins(
        new_page((1280, 800)), Room(url=f"/w/{follow.slug}/", code=code, facilitator=fac), "Mia"
    )
    # Mia marks the opportunity done, from its options.
    note(mia, "Send a confirmation e-mail").locator("[data-sticky-menu]").click()
    mia.locator("#sticky-dialog").get_by_label("Status").select_option("done")
    expect(note(fac, "Send a confirmation e-mail")).to_contain_text("Done")
    mia.keyboard.press("Escape")

    # The summary says what moved since the follow-up began.
    fac.goto(f"/w/{follow.slug}/summary/")
    moves = fac.locator("section.moves")
    expect(moves).to_contain_text("Send a confirmation e-mail")
    expect(moves.locator(".note-moves")).to_contain_text("Planned → Done")
    picture_of(fac, "section.moves", screenshots_dir / "summary-what-moved.png")
