"""The board in real browsers: a facilitator and two members write on one map at once."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from maps.models import Sticky
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.pages import Room, facilitator_opens_room, member_joins, wait_online

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def cell(page: Page, lane: str, stage: int) -> Any:
    return page.locator(f"#board tr[data-lane={lane}] td.cell").nth(stage)


def note(page: Page, text: str) -> Any:
    return page.locator("#board .sticky[data-sticky]").filter(has_text=text)


def write(page: Page, lane: str, stage: int, text: str) -> None:
    """Add a note with the keyboard alone: Tab to the cell's add button, Enter, type, Enter."""
    target = cell(page, lane, stage)
    target.locator("[data-add-note]").focus()
    page.keyboard.press("Enter")
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")


def drag(page: Page, source: Any, target: Any) -> None:
    data = page.evaluate_handle("() => new DataTransfer()")
    source.dispatch_event("dragstart", {"dataTransfer": data})
    target.dispatch_event("dragover", {"dataTransfer": data})
    target.dispatch_event("drop", {"dataTransfer": data})
    source.dispatch_event("dragend", {"dataTransfer": data})


def frames_received(page: Page) -> list[str]:
    """Every websocket frame this page receives from now on."""
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    return frames


def open_room(
    new_page: Callable[..., Page], viewport: tuple[int, int] = (1280, 800)
) -> tuple[Room, Page, Page]:
    room = facilitator_opens_room(new_page(viewport))
    return room, member_joins(new_page(), room, "Mia"), member_joins(new_page(), room, "Ravi")


def test_three_people_write_move_recolour_and_delete_notes_together(
    new_page: Callable[..., Page], screenshots_dir: Path
) -> None:
    room, mia, ravi = open_room(new_page)
    everyone = (room.facilitator, mia, ravi)

    write(mia, "actions", 0, "Searches for campsites")
    write(ravi, "pains", 1, "No booking confirmation")
    for page in everyone:
        expect(note(page, "Searches for campsites")).to_have_count(1)
        expect(note(page, "No booking confirmation")).to_have_count(1)

    # Ravi edits Mia's note in place: Enter on the focused note, type, Enter.
    note(ravi, "Searches for campsites").focus()
    ravi.keyboard.press("Enter")
    ravi.keyboard.press("Control+a")
    ravi.keyboard.type("Searches for campsites near the lake")
    ravi.keyboard.press("Enter")
    for page in everyone:
        expect(note(page, "near the lake")).to_have_count(1)

    # The facilitator moves it a stage later with the keyboard (Alt+Right)...
    note(room.facilitator, "near the lake").focus()
    room.facilitator.keyboard.press("Alt+ArrowRight")
    for page in everyone:
        expect(cell(page, "actions", 1).locator(".sticky", has_text="near the lake")).to_have_count(1)
        expect(cell(page, "actions", 0).locator(".sticky")).to_have_count(0)

    # ...and Mia drags the pain point to the next stage. Headless Chromium here starts no
    # native drag from mouse input, so the test sends the drag events the browser would.
    drag(mia, note(mia, "No booking confirmation"), cell(mia, "pains", 2))
    for page in everyone:
        expect(cell(page, "pains", 2).locator(".sticky", has_text="No booking confirmation")).to_have_count(1)
    # What the others see after notes came, changed and moved one by one (docs/protocol.md,
    # "One note"): each in its place, once, with nothing left pending.
    expect(ravi.locator(".sticky.pending")).to_have_count(0)
    ravi.screenshot(path=str(screenshots_dir / "board-after-moves.png"))

    # Recolour through the note's options.
    note(mia, "No booking confirmation").locator("[data-sticky-menu]").click()
    mia.locator("#sticky-dialog [data-style=colour][data-value=orange]").click()
    mia.locator("#sticky-dialog [data-style=is_question]").check()
    mia.keyboard.press("Escape")
    for page in everyone:
        expect(note(page, "No booking confirmation")).to_have_class("sticky colour-orange")
        expect(note(page, "No booking confirmation")).to_contain_text("Question")

    # Delete, with undo.
    note(ravi, "near the lake").focus()
    ravi.keyboard.press("Delete")
    for page in everyone:
        expect(note(page, "near the lake")).to_have_count(0)
    # The note alone left each page (docs/protocol.md, "One note"); Mia sees its cell empty.
    mia.screenshot(path=str(screenshots_dir / "board-after-delete.png"))
    ravi.locator(".toast-action").click()
    for page in everyone:
        expect(note(page, "near the lake")).to_have_count(1)
    assert Sticky.objects.filter(deleted_at=None).count() == 2


def test_a_member_writes_offline_and_everyone_gets_the_note_once(new_page: Callable[..., Page]) -> None:
    room, mia, ravi = open_room(new_page)
    mia.context.set_offline(True)
    expect(mia.locator("#live-status")).not_to_have_attribute("data-state", "online")
    write(mia, "thoughts", 2, "Is there a shop on site?")
    expect(cell(mia, "thoughts", 2).locator(".sticky.pending")).to_have_count(1)
    expect(note(ravi, "shop on site")).to_have_count(0)
    mia.context.set_offline(False)
    wait_online(mia)
    for page in (room.facilitator, mia, ravi):
        expect(note(page, "shop on site")).to_have_count(1)
    expect(cell(mia, "thoughts", 2).locator(".sticky.pending")).to_have_count(0)
    assert Sticky.objects.filter(text="Is there a shop on site?").count() == 1


def test_private_writing_hides_text_until_the_reveal(new_page: Callable[..., Page]) -> None:
    room, mia, ravi = open_room(new_page)
    ravi_frames = frames_received(ravi)
    ravi.reload()
    wait_online(ravi)
    room.facilitator.locator("#private-writing").click()
    for page in (mia, ravi):
        expect(page.locator("#boardbar .private-chip")).to_be_visible()
    write(mia, "actions", 0, "Mia's secret plan")
    expect(note(mia, "secret plan")).to_have_count(1)
    expect(cell(ravi, "actions", 0).locator(".hidden-count")).to_have_text("1 note being written")
    expect(note(room.facilitator, "secret plan")).to_have_count(0)
    # Not just hidden on Ravi's page: the text never reached his browser.
    assert ravi_frames, "Ravi's page received no frames"
    assert not any("secret plan" in frame for frame in ravi_frames)
    room.facilitator.locator("#reveal").click()
    for page in (room.facilitator, ravi):
        expect(note(page, "secret plan")).to_have_count(1)


def test_an_observer_and_a_locked_board(new_page: Callable[..., Page]) -> None:
    room, mia, _ravi = open_room(new_page)
    room.facilitator.locator("#board-lock").click()
    expect(mia.locator("#boardbar .locked-chip")).to_be_visible()
    expect(cell(mia, "actions", 0).locator("[data-add-note]")).to_be_hidden()
    room.facilitator.locator("#board-lock").click()
    expect(cell(mia, "actions", 0).locator("[data-add-note]")).to_be_attached()
    expect(mia.locator("#boardbar .locked-chip")).to_have_count(0)


def test_board_screenshots(new_page: Callable[..., Page], screenshots_dir: Path) -> None:
    room, mia, ravi = open_room(new_page, viewport=(1920, 1080))
    for lane, stage, text in [
        ("actions", 0, "Compares three campsites"),
        ("actions", 1, "Phones to book, pays by transfer"),
        ("thoughts", 1, "Did the booking go through?"),
        ("pains", 2, "Charcoal takes two hours to light"),
        ("opportunities", 3, "A map of the best spots at check-in"),
    ]:
        write(mia, lane, stage, text)
    for _ in range(2):
        room.facilitator.locator("#step-next").click()
    expect(room.facilitator.locator("#now-title")).to_have_text(
        "Map what the customer does, thinks and feels"
    )
    expect(note(room.facilitator, "best spots")).to_have_count(1)
    room.facilitator.screenshot(path=str(screenshots_dir / "board-projector.png"))
    expect(note(ravi, "best spots")).to_have_count(1)
    ravi.screenshot(path=str(screenshots_dir / "board-laptop.png"))


def test_events_apply_in_order_duplicates_are_dropped_and_a_gap_asks_for_a_resync(
    new_page: Callable[..., Page],
) -> None:
    room, mia, _ravi = open_room(new_page)
    sent: list[str] = []
    mia.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(str(payload))))
    mia.reload()
    wait_online(mia)
    # What the server sends on connecting (the replay of what the reload missed) comes before
    # the answer to the first heartbeat: once that is in, a late replay cannot move the seq
    # under the events made up below (a replay past them leaves the gap timer nothing to see).
    mia.wait_for_function("() => window.journeymapLive.bestRtt < Infinity")
    result = mia.evaluate(
        """() => {
          const live = window.journeymapLive;
          const probe = document.createElement("p");
          probe.id = "probe";
          document.body.append(probe);
          const event = (seq, text) => (
            {type: "event", seq, html: `<p id="probe" hx-swap-oob="true">${text}</p>`}
          );
          const start = live.seq;
          const seen = [];
          live.receive(event(start + 2, "second"));  // early: buffered
          seen.push(document.getElementById("probe").textContent);
          live.receive(event(start + 1, "first"));   // fills the gap: both apply, in order
          seen.push(document.getElementById("probe").textContent);
          live.receive(event(start + 1, "stale"));   // a duplicate: dropped
          seen.push(document.getElementById("probe").textContent);
          live.receive(event(start + 5, "far"));     // a gap that does not fill
          return {seen, seq: live.seq - start};
        }"""
    )
    assert result == {"seen": ["", "second", "second"], "seq": 2}
    # The missing events never come, so the page asks the server for what it missed.
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not any('"op":"sync"' in frame.replace(" ", "") for frame in sent) and time.monotonic() < deadline:
        mia.wait_for_timeout(100)
    assert any('"op":"sync"' in frame.replace(" ", "") for frame in sent), sent


def test_the_board_zooms_to_fit_a_narrow_screen(new_page: Callable[..., Page]) -> None:
    room = facilitator_opens_room(new_page((1024, 768)))
    page = room.facilitator
    frame = page.locator("#board .board-scroll")
    assert frame.evaluate("e => e.scrollWidth > e.clientWidth")  # five stages do not fit
    page.locator("[data-board-fit]").click()
    expect(page.locator("[data-board-fit]")).to_have_attribute("aria-pressed", "true")
    assert frame.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    page.reload()
    wait_online(page)
    assert frame.evaluate("e => e.scrollWidth <= e.clientWidth + 1")  # remembered
