"""A dot vote in real browsers, from start to close; the ranking appears only after the close."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import facilitator_opens_room, member_joins, picture_of
from tests.e2e.test_board import write

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_vote_runs_from_start_to_close(new_page: Callable[..., Page], screenshots_dir: Path) -> None:
    room = facilitator_opens_room(new_page((1440, 1000)))
    fac = room.facilitator
    mia, ravi = member_joins(new_page(), room, "Mia"), member_joins(new_page(), room, "Ravi")
    for stage, text in enumerate(["No booking confirmation", "Missed two exits", "Toilets far away"]):
        write(fac, "pains", stage, text)
    expect(mia.locator("#board tr[data-lane=pains] .sticky")).to_have_count(3)

    fac.locator("#vote-start summary").click()
    fac.locator("#vote-start input[name=budget]").fill("2")
    fac.locator("#vote-start button[type=submit]").click()
    for page in (mia, ravi):
        expect(page.locator("#vote .candidate")).to_have_count(3)
        expect(page.locator("#vote [data-dots-left]")).to_have_text("2")

    def dot(page: Page, text: str) -> None:
        page.locator("#vote .candidate", has_text=text).locator("[data-dot=add]").click()

    dot(mia, "No booking confirmation")
    dot(mia, "Toilets far away")
    dot(ravi, "No booking confirmation")
    expect(mia.locator("#vote [data-dots-left]")).to_have_text("0")
    dot(mia, "Missed two exits")  # over budget: refused, and the count goes back
    expect(mia.locator(".toast")).to_contain_text("all 2 of your dots")
    expect(mia.locator("#vote .candidate", has_text="Missed two exits").locator(".my-count")).to_have_text(
        "0"
    )
    expect(fac.locator("#vote .vote-progress")).to_contain_text("1 of 3 people have placed all their dots")
    # Hidden while open: no page shows a count of dots on any note.
    for page in (fac, mia, ravi):
        expect(page.locator("#vote .dot-count")).to_have_count(0)

    fac.locator("#close-vote").click()
    for page in (fac, mia, ravi):
        expect(page.locator("#vote .ranking li").first).to_contain_text("2 dots")
        expect(page.locator("#vote .ranking li").first).to_contain_text("No booking confirmation")
    fac.wait_for_timeout(300)
    picture_of(fac, "#vote", screenshots_dir / "vote-results.png")
