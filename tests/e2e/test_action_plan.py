"""From the board to the action plan in real browsers: a member gives an assumption an owner and
a due date, then records what settled it; the facilitator's board shows it live, the summary's
plan and ledger say so, and the plan downloads for an issue tracker."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from maps.models import Sticky
from tests.e2e.pages import facilitator_opens_room, member_joins, picture_of
from tests.e2e.test_board import note, write

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_assumption_is_followed_up_checked_and_lands_in_the_plan(
    new_page: Callable[..., Page], screenshots_dir: Path
) -> None:
    room = facilitator_opens_room(new_page((1440, 1000)))
    fac = room.facilitator
    mia = member_joins(new_page((1280, 800)), room, "Mia")
    write(mia, "thoughts", 1, "Most people book from their phone")
    write(mia, "opportunities", 1, "A booking page made for phones")
    expect(note(fac, "Most people book from their phone")).to_be_visible()

    # Mia opens the note's options and gives it an owner and a due date.
    note(mia, "Most people book from their phone").locator("[data-sticky-menu]").click()
    dialog = mia.locator("#sticky-dialog")
    dialog.get_by_label("Owner (team)").fill("Research")
    dialog.get_by_label("Owner (team)").press("Tab")  # a change is sent as the field is left
    due = timezone.localdate() + datetime.timedelta(days=14)
    dialog.get_by_label("Due").fill(due.isoformat())
    dialog.get_by_label("Due").press("Tab")
    expect(note(fac, "Most people book from their phone")).to_contain_text("Owner: Research")
    expect(note(fac, "Most people book from their phone").locator(".chip.due")).to_be_visible()

    # Recording the evidence without a source is refused, and says why; nothing is lost.
    dialog.get_by_label("It now rests on").select_option("research")
    dialog.get_by_label("What it showed, in short").fill("7 in 10 bookings came from phones")
    dialog.get_by_role("button", name="Record the evidence").click()
    expect(mia.locator(".toast")).to_contain_text("Say where the evidence comes from.")
    expect(dialog.get_by_label("What it showed, in short")).to_have_value("7 in 10 bookings came from phones")
    dialog.get_by_label("Source").fill("Booking analytics, Nov 2026")
    mia.wait_for_timeout(200)
    picture_of(mia, "#sticky-dialog", screenshots_dir / "note-follow-up-dialog.png")
    dialog.get_by_role("button", name="Record the evidence").click()
    for page in (fac, mia):
        expect(note(page, "Most people book from their phone").locator(".chip.evidence")).to_contain_text(
            "Research: Booking analytics, Nov 2026"
        )
    settled = Sticky.objects.get(text="Most people book from their phone")
    assert (settled.evidence, settled.owner, settled.due_on) == ("research", "Research", due)
    mia.keyboard.press("Escape")

    # The summary: the plan lists the opportunity and the checked validation; the ledger says
    # what settled it.
    fac.goto(f"{room.url}summary/")
    plan = fac.locator("section.action-plan")
    expect(plan.locator("tbody tr")).to_have_count(2)
    expect(plan.locator("tbody tr").first).to_contain_text("A booking page made for phones")
    expect(plan.locator("tr.done")).to_contain_text("Checked (Research): Booking analytics, Nov 2026")
    ledger = fac.locator("section.ledger")
    expect(ledger.get_by_role("heading", name="Checked, and what settled it")).to_be_visible()
    expect(ledger).to_contain_text("7 in 10 bookings came from phones")
    picture_of(fac, "section.action-plan", screenshots_dir / "summary-action-plan.png")
    picture_of(fac, "section.ledger", screenshots_dir / "summary-ledger.png")

    fac.get_by_text("Other downloads").click()
    with fac.expect_download() as download:
        fac.get_by_role("link", name="The action plan for Jira (CSV)").click()
    assert download.value.suggested_filename.endswith("action-plan-jira.csv")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "A booking page made for phones" in text and "Most people book from their phone" in text
