"""A "why do we see this differently?" round in real browsers: the team rates a stage far
apart, the facilitator opens the round from the line's reading, members write why, and the
reasons reach the summary beside the line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import facilitator_opens_room, member_joins, picture_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def rate(page: Page, stage: int, value: int) -> None:
    button = page.locator("#emotion .emotion-cell").nth(stage).locator(f'[data-rate="{value}"]')
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")


def test_the_team_says_why_it_sees_a_stage_differently(
    new_page: Callable[..., Page], screenshots_dir: Path
) -> None:
    room = facilitator_opens_room(new_page((1440, 1000)))
    fac = room.facilitator
    mia, ravi = member_joins(new_page(), room, "Mia"), member_joins(new_page(), room, "Ravi")
    for page, value in ((fac, 3), (mia, -3), (ravi, -2)):
        rate(page, 0, value)
    offer = fac.locator("#emotion-readings .why-start")
    expect(offer).to_be_visible()
    expect(mia.locator("#emotion-readings .why-start")).to_be_hidden()  # the facilitator's only
    offer.locator("button").first.click()

    for page in (fac, mia, ravi):
        expect(page.locator("#why")).to_be_visible()
        expect(page.locator("#why .why-timer .timer-digits")).to_have_text("3:00", timeout=5000)
    # The round opens below the board: each member is told, with a way to get there.
    mia.locator(".toast", has_text="differently").get_by_role("button", name="Go there").click()
    expect(mia.locator("#why-text")).to_be_focused()
    mia.locator("#why-text").fill("I could not find the campsite's page at all")
    mia.locator("#why .why-form button[type=submit]").click()
    ravi.locator("#why-text").fill("搜索结果里全是广告")
    ravi.keyboard.press("Tab")
    ravi.locator("#why .why-form button[type=submit]").click()
    for page in (fac, mia, ravi):
        expect(page.locator("#why .why-list li")).to_have_count(2)
    expect(mia.locator("#why-text")).to_have_value("")  # sent, and the field is free again
    fac.wait_for_timeout(300)
    picture_of(fac, "#why", screenshots_dir / "why-round.png")

    fac.locator("#why form[data-op='why.end'] button").click()
    for page in (fac, mia, ravi):
        expect(page.locator("#why")).to_be_hidden()
    fac.goto(f"{room.url}summary/")
    expect(fac.locator("body")).to_contain_text("Why we saw it differently")
    expect(fac.locator("body")).to_contain_text("搜索结果里全是广告")
