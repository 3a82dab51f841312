"""The README's picture of a room mid-workshop (docs/room.png is a copy of what this saves).

A board step with the team's notes, the timer running and a few ratings on the emotion line,
as the facilitator sees it on a laptop.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import facilitator_opens_room, member_joins, wait_running
from tests.e2e.test_board import note, write
from tests.e2e.test_screenshots import shoot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NOTES = {
    "Mia": [
        ("actions", 0, "Searches “campsite near a lake” on her phone"),
        ("thoughts", 0, "Which of these allows dogs?"),
        ("actions", 1, "Compares three sites in a group chat"),
        ("pains", 1, "Prices only show after choosing dates"),
        ("actions", 2, "Books and pays the deposit"),
    ],
    "Ravi": [
        ("touchpoints", 0, "Search results, review sites"),
        ("pains", 2, "No confirmation email for an hour"),
        ("thoughts", 2, "Did the booking go through?"),
        ("actions", 3, "Drives there, finds the gate closed"),
        ("opportunities", 2, "Confirm at once, by SMS too"),
    ],
}
RATINGS = {"Mia": [1, -1, -2, -3, 2], "Ravi": [2, 0, -3, -2, 3]}


def test_a_room_mid_workshop(new_page: Callable[..., Page], screenshots_dir: Path) -> None:
    room = facilitator_opens_room(
        new_page((1440, 900)), title="Weekend camping trip: from first search to sharing the photos"
    )
    fac = room.facilitator
    members = {name: member_joins(new_page(), room, name) for name in NOTES}

    step = fac.locator("#agenda .agenda-step").filter(has_text="Map what the customer does")
    step.locator("summary").click()
    step.get_by_role("button", name="Move the room to this step").click()
    expect(fac.locator("#now-title")).to_have_text("Map what the customer does, thinks and feels")
    fac.locator("#timer-toggle").click()
    wait_running(fac)

    for name, notes in NOTES.items():
        for lane, stage, text in notes:
            write(members[name], lane, stage, text)
    for name, values in RATINGS.items():
        for stage, value in enumerate(values):
            members[name].locator("#emotion .emotion-cell").nth(stage).locator(
                f'[data-rate="{value}"]'
            ).click()
    expect(note(fac, "Confirm at once")).to_have_count(1)
    expect(fac.locator("#emotion .emotion-cell").nth(3)).to_contain_text("2 ratings")
    # The clicks above scrolled the timer's button into view; the board is at the top.
    fac.evaluate("window.scrollTo(0, 0)")
    header = fac.locator(".site-header").bounding_box()
    assert header and header["height"] < 60, "the room's header wraps onto a second line"
    shoot(fac, screenshots_dir / "readme-room.png")
