"""Several personas on one map in real browsers: the facilitator names a second persona, a member
says whom a note concerns, and each person's "Show the board for" hides the other persona's notes
and line — for notes that arrive live too — without changing anyone else's board; the summary
filters the same way."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from maps.models import Sticky
from tests.e2e.pages import facilitator_opens_room, member_joins, picture_of
from tests.e2e.test_board import note, write

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def add_persona(page: Page, name: str, role: str) -> None:
    page.goto("/personas/")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Role").fill(role)
    page.get_by_role("button", name="Add persona").click()
    expect(page.locator(".persona-list")).to_contain_text(name)


def test_each_person_shows_the_board_for_one_persona_and_live_notes_follow(
    new_page: Callable[..., Page], screenshots_dir: Path
) -> None:
    room = facilitator_opens_room(new_page((1440, 1000)))
    fac = room.facilitator
    add_persona(fac, "Mei", "Plans the trip")
    add_persona(fac, "Ravi", "Pays for it")
    fac.goto(f"{room.url}prepare/")
    fac.get_by_label("Persona", exact=True).select_option(label="Mei")
    fac.get_by_label("Ravi").check()
    fac.screenshot(path=str(screenshots_dir / "prepare-personas.png"), full_page=True)
    fac.get_by_role("button", name="Save").click()
    expect(fac).to_have_url(re.compile(re.escape(room.url) + "$"))
    expect(fac.locator("#emotion .emotion-row")).to_have_count(2)
    expect(fac.locator("#emotion")).to_contain_text("Emotion line: Ravi")

    mia = member_joins(new_page((1280, 800)), room, "Mia")
    write(mia, "pains", 1, "Everyone waits for the others to answer")
    write(mia, "pains", 1, "Pays the whole deposit up front")
    # Mia says the deposit concerns Ravi; everyone's board says so.
    note(mia, "Pays the whole deposit").locator("[data-sticky-menu]").click()
    dialog = mia.locator("#sticky-dialog")
    dialog.get_by_label("Persona").select_option(label="Ravi")
    expect(note(fac, "Pays the whole deposit").locator(".persona-chip")).to_have_text("For Ravi")
    picture_of(mia, "#sticky-dialog", screenshots_dir / "note-dialog-concerns.png")
    mia.keyboard.press("Escape")

    # Olivia shows the board for Mei: Ravi's note and line go, the note for everyone stays.
    picker = fac.get_by_label("Show the board for")
    picker.select_option(label="Mei")
    expect(note(fac, "Pays the whole deposit")).to_be_hidden()
    expect(note(fac, "Everyone waits")).to_be_visible()
    expect(fac.locator("#emotion .emotion-row:visible")).to_have_count(1)
    expect(fac.locator("#emotion .emotion-row:visible")).to_contain_text("Emotion line: Mei")
    picker.select_option(label="Ravi")
    ravi_row = fac.locator("#emotion .emotion-row:visible")
    expect(ravi_row).to_contain_text("Emotion line: Ravi")
    expect(ravi_row.locator(".emotion-annotate:visible")).to_have_count(
        fac.locator("#board .stage-head").count()
    )
    picker.select_option(label="Mei")
    # Nobody else's board changed.
    expect(note(mia, "Pays the whole deposit")).to_be_visible()

    # Mia shows Ravi's board and writes there: the note is Ravi's, and arrives hidden on Olivia's.
    mia.get_by_label("Show the board for").select_option(label="Ravi")
    expect(note(mia, "Everyone waits")).to_be_visible()
    write(mia, "pains", 2, "Chases three friends for their share")
    expect(note(mia, "Chases three friends")).to_contain_text("For Ravi")
    assert Sticky.objects.get(text="Chases three friends for their share").persona.name == "Ravi"
    # Mia rates how Ravi feels at the first stage: the keyboard reaches it.
    ravi_line = mia.locator("#emotion .emotion-row:visible")
    ravi_line.locator(".emotion-cell").first.get_by_role("button", name="-2").click()
    expect(ravi_line.locator(".emotion-cell").first).to_contain_text("(1 rating)")
    expect(fac.locator("#emotion .emotion-row").nth(1).locator(".emotion-cell").first).to_contain_text(
        "(1 rating)"
    )
    expect(note(fac, "Chases three friends")).to_be_attached()
    expect(note(fac, "Chases three friends")).to_be_hidden()
    expect(picker).to_have_value(re.compile(r"\d+"))  # the live updates left Olivia's choice alone
    for page, name in ((fac, "board-one-persona.png"), (mia, "board-one-persona-member.png")):
        page.evaluate("document.getElementById('boardbar').scrollIntoView()")
        page.wait_for_timeout(200)
        page.screenshot(path=str(screenshots_dir / name))

    # The choice is Olivia's, on this device: it outlives a reload.
    fac.reload()
    expect(fac.get_by_label("Show the board for")).to_have_value(picker.input_value())
    expect(note(fac, "Pays the whole deposit")).to_be_hidden()
    fac.get_by_label("Show the board for").select_option(label="Every persona")
    expect(note(fac, "Pays the whole deposit")).to_be_visible()
    expect(fac.locator("#emotion .emotion-row:visible")).to_have_count(2)
    # "Note why" sits on the first line when every line shows, and on the one line shown.
    stages = fac.locator("#board .stage-head").count()
    expect(fac.locator("#emotion .emotion-annotate:visible")).to_have_count(stages)
    expect(fac.locator("#emotion .emotion-row").first.locator(".emotion-annotate:visible")).to_have_count(
        stages
    )
    fac.evaluate("document.getElementById('boardbar').scrollIntoView()")
    fac.wait_for_timeout(200)
    fac.screenshot(path=str(screenshots_dir / "board-every-persona.png"))

    # The summary filters the same way, with a form that works without scripts.
    fac.goto(f"{room.url}summary/")
    fac.get_by_label("Show the summary for").select_option(label="Mei")
    picture_of(fac, ".summary-tools", screenshots_dir / "summary-persona-picker.png")
    fac.get_by_role("button", name="Show", exact=True).click()
    expect(fac).to_have_url(re.compile(r"\?persona=\d+$"))
    main = fac.locator("main")
    expect(main).to_contain_text("Only what concerns Mei")
    expect(main).to_contain_text("Everyone waits for the others to answer")
    expect(main).not_to_contain_text("Pays the whole deposit")
    picture_of(fac, ".summary-head", screenshots_dir / "summary-one-persona.png")
