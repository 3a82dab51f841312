"""Screenshots of the room as people see it, saved to screenshots/ (gitignored) for review.

The facilitator's room on a laptop, the join screen on a projector, a member's room on a
laptop and on a phone, mid-workshop: the timer running, one member done, a facilitator note.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import facilitator_opens_room, member_joins, person, wait_online, wait_running

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "Weekend camping trip: from first search to sharing the photos"
NOTE = "Our persona: Mei, 34, plans a two-night trip with friends. Read it aloud, then retell it."


def settle(page: Page) -> None:
    """Ready to be looked at: live, fonts loaded, every image drawn."""
    wait_online(page)
    page.evaluate("document.fonts.ready")
    broken = page.evaluate(
        "[...document.images].filter(img => !img.complete || img.naturalWidth === 0).map(img => img.src)"
    )
    assert broken == [], f"images that did not load: {broken}"
    # Let the last live update and the timer's 250 ms tick land.
    time.sleep(0.4)


def shoot(page: Page, path: Path) -> None:
    settle(page)
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000, f"{path} looks empty"


def test_screenshots(new_page: Callable[..., Page], screenshots_dir: Path) -> None:
    room = facilitator_opens_room(new_page((1440, 900)), title=TITLE)
    fac = room.facilitator
    mia = member_joins(new_page((1280, 800)), room, "Mia")
    phone = member_joins(
        new_page((390, 844), is_mobile=True, has_touch=True, device_scale_factor=2), room, "Ravi"
    )
    member_joins(new_page(), room, "Anna-Katharina Lindqvist")

    # A note for the room on the current step, through the agenda's edit form.
    current = fac.locator("#agenda .agenda-step.current")
    current.locator("summary").click()
    current.locator("textarea[name=note]").fill(NOTE)
    current.get_by_role("button", name="Save").click()
    expect(mia.locator("#guidance .facilitator-note")).to_contain_text("Mei, 34")

    fac.locator("#timer-toggle").click()
    for page in (fac, mia, phone):
        wait_running(page)
    phone.locator("#done-button").click()
    expect(person(fac, "Ravi")).to_have_attribute("data-done", "1")
    expect(person(fac, "Anna-Katharina Lindqvist")).to_have_class("person online")

    shoot(fac, screenshots_dir / "room-facilitator.png")
    shoot(mia, screenshots_dir / "room-member.png")
    shoot(phone, screenshots_dir / "room-phone.png")
    phone.screenshot(path=str(screenshots_dir / "room-phone-full.png"), full_page=True)

    projector = fac.context.new_page()
    projector.set_viewport_size({"width": 1920, "height": 1080})
    projector.goto(room.url + "present/")
    expect(projector.locator(".join-code")).to_contain_text(room.code)
    expect(projector.locator("#people .person")).to_have_count(4)
    shoot(projector, screenshots_dir / "present.png")
    # Facilitators also put the room itself on the projector.
    projector.goto(room.url)
    shoot(projector, screenshots_dir / "room-projector.png")

    # On a phone the agenda is below the guidance: a tap on a step brings its guidance
    # into view instead of changing something off screen.
    phone.locator("#agenda .agenda-view", has_text="Map the pain points").tap()
    expect(phone.locator("#viewing-banner")).to_be_visible()
    expect(phone.locator("#guidance .guidance:visible h2")).to_have_text("Map the pain points")
    expect(phone.locator("#guidance .guidance:visible h2")).to_be_in_viewport()
    shoot(phone, screenshots_dir / "room-phone-viewing.png")
