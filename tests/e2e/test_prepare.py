"""Preparing a workshop in the browser: a persona from the library, the scope, and the summary
that shows them (the first form a new facilitator saves)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import facilitator_opens_room, member_joins

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_facilitator_prepares_persona_and_scope_and_the_team_reads_them(
    new_page: Callable[..., Page], screenshots_dir: Path
) -> None:
    room = facilitator_opens_room(new_page((1366, 768)))
    fac = room.facilitator

    # The header leads to the persona library.
    fac.get_by_role("link", name="Personas").click()
    expect(fac).to_have_url(re.compile(r"/personas/$"))
    fac.get_by_label("Name").fill("Mei")
    fac.get_by_label("Role").fill("Weekend camper, 34")
    fac.get_by_label("Quote").fill("I just want everyone to have a good time.")
    fac.get_by_role("button", name="Add persona").click()
    expect(fac.locator(".persona-list")).to_contain_text("Mei")

    # From the room to the prepare page, as a new facilitator would find it.
    fac.goto(room.url)
    fac.get_by_role("button", name="Persona, scope and backstory").click()
    fac.get_by_role("link", name="Edit the persona and scope").click()
    expect(fac).to_have_url(re.compile(r"/prepare/$"))
    fac.get_by_label("Persona", exact=True).select_option(label="Mei")
    fac.get_by_label("Scenario").fill("Mei plans a two-night trip with three friends")
    fac.get_by_label("The persona's goal").fill("Book a campsite everyone likes")
    fac.get_by_label("Where the journey starts").fill("searches for campsites")
    fac.get_by_label("Where the journey ends").fill("shares the photos")
    fac.get_by_label("What they need (their shopping list)").fill("Showers, shade, a lake")
    fac.screenshot(path=str(screenshots_dir / "prepare.png"), full_page=True)
    fac.get_by_role("button", name="Save").click()
    expect(fac).to_have_url(re.compile(re.escape(room.url) + "$"))
    expect(fac.locator(".messages")).to_contain_text("Saved.")

    # A member reads it in the room, and the summary shows it.
    mia = member_joins(new_page(), room, "Mia")
    mia.get_by_role("button", name="Persona, scope and backstory").click()
    dialog = mia.locator("#context-dialog")
    expect(dialog).to_contain_text("Mei")
    expect(dialog).to_contain_text("Mei plans a two-night trip with three friends")
    expect(dialog.locator("#backstory-needs")).to_have_value("Showers, shade, a lake")
    mia.goto(room.url + "summary/")
    summary = mia.locator("main")
    for text in ("Mei", "Weekend camper, 34", "Book a campsite everyone likes", "shares the photos"):
        expect(summary).to_contain_text(text)
