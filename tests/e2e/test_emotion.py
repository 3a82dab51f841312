"""The emotion line in real browsers: three members rate, everyone sees the line and its marks."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import facilitator_opens_room, member_joins, picture_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# How each member feels at the five stages: the middle values are 2, -2, 1, -1, 3.
RATINGS = {
    "Mia": [2, -3, 1, -1, 3],
    "Ravi": [3, -2, 2, -1, 2],
    "Lena": [1, -1, 0, 0, 3],
}


def test_three_members_rate_and_everyone_sees_the_line_and_its_marks(
    new_page: Callable[..., Page], screenshots_dir: Path
) -> None:
    room = facilitator_opens_room(new_page((1600, 1000)))
    members = {name: member_joins(new_page(), room, name) for name in RATINGS}
    for name, values in RATINGS.items():
        page = members[name]
        for stage, value in enumerate(values):
            cell = page.locator("#emotion .emotion-cell").nth(stage)
            cell.locator(f'[data-rate="{value}"]').click()
            expect(cell.locator(f'[data-rate="{value}"]')).to_have_attribute("aria-pressed", "true")
    for page in (room.facilitator, *members.values()):
        expect(page.locator("#emotion .emotion-cell").nth(0)).to_contain_text("2 (3 ratings)")
        expect(page.locator("#emotion .emotion-cell .dot")).to_have_count(5)
        expect(page.locator("#emotion-readings .reading-drop")).to_contain_text(
            "Rapid drop from Awareness to Consideration"
        )
        expect(page.locator("#emotion .emotion-cell").nth(1)).to_have_class(
            re.compile(r"\bmark-drop\b.*\bmark-valley\b")
        )
        expect(page.locator("#emotion-readings .reading-fluctuating")).to_have_count(1)
    # A member's own choices stay marked through everyone else's updates.
    expect(
        members["Mia"].locator("#emotion .emotion-cell").nth(1).locator('[data-rate="-3"]')
    ).to_have_attribute("aria-pressed", "true")
    room.facilitator.wait_for_timeout(500)  # let the last live updates settle before the picture
    picture_of(room.facilitator, "#emotion", screenshots_dir / "emotion-line.png")
