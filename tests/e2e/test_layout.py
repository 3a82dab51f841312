"""The board's layout in real browsers: it fits a laptop and a projector, the emotion line's
readings stay readable, and a phone shows the step and the board first, once.

Measured with bounding boxes, so each test fails when columns grow to their text, when the
readings scroll with the grid, or when the phone repeats the step or buries the board. Pictures
of each case, in English and in Chinese, land in screenshots/ for review.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from maps import services as maps_services
from tests.e2e.pages import facilitator_opens_room, member_joins, wait_online
from workshops.models import Workshop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# A stage column is never wider than this many rem (static/css/app.css, --stage-max).
STAGE_MAX_REM = 24
# 280 characters, the most a note holds, with a web address that has no place to break.
LONG_NOTE = (
    "Searched for a campsite with showers and a shop, found three on "
    "https://www.example-campsites-directory.com/search?region=lake-district&facilities=showers,shop "
    "but none said whether the pitches take a car, so called each of them and waited on hold for "
    "ten minutes, twice, in vain."
)
assert len(LONG_NOTE) == 280, len(LONG_NOTE)
# Twenty notes of the lengths teams write: four per stage, in four lanes.
TWENTY_NOTES = [
    "Sees a friend's photos of a lake weekend",
    "Wonders whether camping is cheaper than a cottage for four",
    "Searches for campsites near the lake with showers",
    "Reads reviews, most are two years old",
    "Compares three campsites on a map site",
    "Asks the group chat which weekend suits everyone",
    "Not sure whether the pitch fits two tents and a car",
    "Phone call to book, then a bank transfer",
    "Books the pitch and pays a deposit by bank transfer",
    "Waits two days for a confirmation email that never comes",
    "Calls again to check the booking went through",
    "Shares the booking in the group chat",
    "Drives three hours, an hour of it in a traffic jam",
    "Check-in desk closed at 18:00, key left under a stone",
    "Cannot find charcoal anywhere on site",
    "Starter kit with charcoal at check-in",
    "Posts the photos the same evening",
    "Leaves a review, asked for one by email a week later",
    "Tells friends to bring their own charcoal",
    "Plans the next trip with the same group",
]
LANES = ("actions", "touchpoints", "thoughts", "pains")
STEP = "Map what the customer does, thinks and feels"
STEP_ZH = "描绘客户的行为、想法与感受"


def fill(title: str, notes: list[tuple[int, str, str]], ratings: list[int] = ()) -> Workshop:
    """Notes (stage index, lane key, text) and the owner's emotion ratings, written through
    the services in the test database; the pages see them on their next load."""
    workshop = Workshop.objects.select_related("journey_map", "owner").get(title=title)
    journey_map = workshop.journey_map
    stages = list(journey_map.stages.all())
    lanes = {lane.key: lane for lane in journey_map.lanes.all()}
    for stage, lane, text in notes:
        maps_services.sticky_create(
            journey_map=journey_map, author=workshop.owner, stage=stages[stage], lane=lanes[lane], text=text
        )
    for stage, value in zip(stages, ratings, strict=False):
        maps_services.emotion_rate(journey_map=journey_map, author=workshop.owner, stage=stage, value=value)
    return workshop


def add_stages(workshop: Workshop, names: list[str]) -> None:
    for name in names:
        maps_services.stage_create(journey_map=workshop.journey_map, author=workshop.owner, name=name)


def reload(page: Page) -> None:
    page.reload()
    wait_online(page)
    page.evaluate("document.fonts.ready")


def in_chinese(page: Page) -> None:
    page.locator(".lang-form button[value=zh-hans]").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    wait_online(page)


def shoot(page: Page, path: Path, full_page: bool = False) -> None:
    page.wait_for_timeout(300)  # the last live update and the timer's tick
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 10_000, f"{path} looks empty"


def widths(page: Page) -> dict[str, Any]:
    return page.evaluate(
        """() => {
          const frame = document.querySelector('#board .board-scroll');
          const heads = [...document.querySelectorAll('#board .stage-head')];
          return {
            viewport: document.documentElement.clientWidth,
            page: document.documentElement.scrollWidth,
            frame: frame.clientWidth,
            grid: frame.scrollWidth,
            lane: document.querySelector('#board .corner').getBoundingClientRect().width,
            rem: parseFloat(getComputedStyle(document.documentElement).fontSize),
            columns: heads.map((head) => head.getBoundingClientRect().width),
          };
        }"""
    )


def move_room_to(page: Page, title: str) -> None:
    step = page.locator("#agenda .agenda-step", has_text=title)
    step.locator("summary").click()
    step.get_by_role("button", name="Move the room to this step").click()
    expect(page.locator("#now-title")).to_have_text(title)
    expect(page.locator("body")).to_have_class(re.compile(r"\bboard-step\b"))


def test_a_long_note_grows_taller_not_wider(new_page: Callable[..., Page], screenshots_dir: Path) -> None:
    room = facilitator_opens_room(new_page((1366, 768)), title="Long notes")
    page = room.facilitator
    fill("Long notes", [(0, "actions", LONG_NOTE), (1, "thoughts", LONG_NOTE), (1, "actions", "Short")])
    move_room_to(page, STEP)
    reload(page)

    sizes = widths(page)
    assert len(sizes["columns"]) == 5
    assert max(sizes["columns"]) <= STAGE_MAX_REM * sizes["rem"], sizes
    # The grid is as wide as the board, or as its columns at most: never as wide as a note's text.
    assert sizes["grid"] <= max(sizes["frame"], sizes["lane"] + sum(sizes["columns"])) + 1, sizes
    assert sizes["grid"] <= sizes["frame"] + 1, "five stages fit a laptop's board"
    assert sizes["page"] <= sizes["viewport"], "the page never scrolls sideways"
    note = page.locator("#board .sticky", has_text="Searched for a campsite").first
    box, column = note.bounding_box(), page.locator("#board .stage-head").first.bounding_box()
    assert box["width"] <= column["width"], (box, column)
    assert box["height"] > 5 * 16, "the note wraps onto several lines"
    shoot(page, screenshots_dir / "layout-long-notes-1366.png")
    in_chinese(page)
    sizes = widths(page)
    assert max(sizes["columns"]) <= STAGE_MAX_REM * sizes["rem"], sizes
    shoot(page, screenshots_dir / "layout-long-notes-1366-zh.png")


def test_five_stages_and_twenty_notes_fit_a_projector(
    new_page: Callable[..., Page], screenshots_dir: Path
) -> None:
    room = facilitator_opens_room(new_page((1920, 1080)), title="Twenty notes")
    page = room.facilitator
    notes = [(i // 4, LANES[i % 4], text) for i, text in enumerate(TWENTY_NOTES)]
    fill("Twenty notes", notes, ratings=[1, -1, -3, 2, 1])
    move_room_to(page, STEP)
    reload(page)

    expect(page.locator("#board .sticky")).to_have_count(20)
    expect(page.locator("[data-board-fit]")).to_have_attribute("aria-pressed", "false")
    sizes = widths(page)
    assert sizes["grid"] <= sizes["frame"], f"the board scrolls sideways: {sizes}"
    assert sizes["page"] <= sizes["viewport"], sizes
    # Every stage shows whole on the screen, last column included.
    last = page.locator("#board .stage-head").last.bounding_box()
    assert last["x"] + last["width"] <= sizes["viewport"], last
    shoot(page, screenshots_dir / "layout-twenty-notes-1920.png")
    page.locator("#emotion-readings").scroll_into_view_if_needed()
    shoot(page, screenshots_dir / "layout-twenty-notes-1920-readings.png")
    in_chinese(page)
    assert widths(page)["grid"] <= widths(page)["frame"]
    shoot(page, screenshots_dir / "layout-twenty-notes-1920-zh.png")


def readings_box(page: Page) -> dict[str, Any]:
    """Where the readings' sentences are, and how much of them the page lets anyone see."""
    return page.evaluate(
        """() => {
          const items = [...document.querySelectorAll('.reading')];
          const visible = (el) => {
            // The part of el inside the viewport and inside every box that clips it.
            let r = el.getBoundingClientRect();
            let left = Math.max(r.left, 0), right = Math.min(r.right, document.documentElement.clientWidth);
            for (let p = el.parentElement; p; p = p.parentElement) {
              if (getComputedStyle(p).overflowX === 'visible') continue;
              const c = p.getBoundingClientRect();
              left = Math.max(left, c.left); right = Math.min(right, c.right);
            }
            return { left: r.left, right: r.right, shown: Math.max(0, right - left), width: r.width };
          };
          return { count: items.length, items: items.map(visible) };
        }"""
    )


def assert_readings_readable(page: Page) -> None:
    box = readings_box(page)
    assert box["count"] >= 2, box
    for item in box["items"]:
        assert item["left"] >= 0, f"a reading starts off screen: {box}"
        assert item["shown"] >= item["width"] - 1, f"a reading is cut off: {box}"


def scroll_board(page: Page, left: int) -> None:
    page.evaluate("(left) => { document.querySelector('#board .board-scroll').scrollLeft = left; }", left)
    assert page.evaluate("document.querySelector('#board .board-scroll').scrollLeft") > 0, (
        "board not scrolled"
    )


def test_the_readings_stay_readable_on_a_scrolled_board(
    new_page: Callable[..., Page], screenshots_dir: Path
) -> None:
    room = facilitator_opens_room(new_page((1366, 768)), title="Nine stages")
    page = room.facilitator
    workshop = fill("Nine stages", [(0, "actions", LONG_NOTE)])
    add_stages(workshop, ["Packing", "Arrival", "Sleeping", "Leaving"])
    fill("Nine stages", [], ratings=[2, -3, 1, -1, 3, 2, -2, 1, 2])
    move_room_to(page, STEP)
    reload(page)
    expect(page.locator("#board .stage-head")).to_have_count(9)

    scroll_board(page, 600)
    assert_readings_readable(page)
    page.locator("#emotion-readings").scroll_into_view_if_needed()
    assert_readings_readable(page)
    shoot(page, screenshots_dir / "layout-readings-scrolled-1366.png")

    # Live: a rating redraws the readings where they are.
    phone = member_joins(
        new_page((390, 844), is_mobile=True, has_touch=True, device_scale_factor=2), room, "Ravi"
    )
    expect(page.locator("#emotion-readings")).to_contain_text("Peak at Decision")
    phone.locator("#emotion .emotion-cell").nth(2).locator('[data-rate="-3"]').click()
    expect(page.locator("#emotion-readings")).not_to_contain_text("Peak at Decision")
    assert_readings_readable(page)
    scroll_board(phone, 500)
    phone.locator("#emotion-readings").scroll_into_view_if_needed()
    assert_readings_readable(phone)
    shoot(phone, screenshots_dir / "layout-readings-phone.png")


def visible_copies(page: Page, text: str) -> int:
    """How many elements on the first screen show `text` (their own text, not a child's)."""
    return page.evaluate(
        """(text) => [...document.querySelectorAll('body *')].filter((el) => {
            const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('');
            if (!own.includes(text) || !el.checkVisibility({ visibilityProperty: true })) return false;
            const r = el.getBoundingClientRect();
            return r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight
              && !el.closest('.visually-hidden');
          }).length""",
        text,
    )


def assert_whole_scale_in_view(page: Page, cell: Any) -> None:
    """All seven rating buttons of a stage show at once, uncovered, once the scale is scrolled
    into view: a member sees −3 … +3 together and a tap lands on the one they chose."""
    buttons = cell.locator(".rate-button")
    expect(buttons).to_have_count(7)
    cell.locator(".rate").scroll_into_view_if_needed()
    width = page.viewport_size["width"]
    for i in range(7):
        button = buttons.nth(i)
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (i, box)
        on_top = button.evaluate(
            """(el) => { const r = el.getBoundingClientRect();
              return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === el; }"""
        )
        assert on_top, f"rating button {i} is covered"


def test_a_phone_shows_the_step_once_and_the_board_before_the_guidance(
    new_page: Callable[..., Page], screenshots_dir: Path
) -> None:
    room = facilitator_opens_room(new_page((1366, 768)), title="On a phone")
    notes = [(i // 4, LANES[i % 4], text) for i, text in enumerate(TWENTY_NOTES)]
    fill("On a phone", [*notes, (0, "pains", LONG_NOTE)], ratings=[1, -1, -3, 2, 1])
    move_room_to(room.facilitator, STEP)
    phone = member_joins(
        new_page((390, 844), is_mobile=True, has_touch=True, device_scale_factor=2), room, "Ravi"
    )
    expect(phone.locator("body")).to_have_class(re.compile(r"\bboard-step\b"))

    assert visible_copies(phone, STEP) == 1, "the step's title shows once on the first screen"
    expect(phone.locator("#now .timer-digits")).to_be_visible()
    expect(phone.locator(".mini-timer")).to_be_hidden()
    board = phone.locator("#board").bounding_box()
    guidance = phone.locator("#guidance").bounding_box()
    now = phone.locator("#now").bounding_box()
    assert now["y"] < board["y"] < guidance["y"], (now, board, guidance)
    assert board["y"] < 844, "the board starts on the first screen"
    sizes = widths(phone)
    assert sizes["page"] <= sizes["viewport"], f"the page scrolls sideways: {sizes}"
    shoot(phone, screenshots_dir / "layout-phone.png")
    shoot(phone, screenshots_dir / "layout-phone-full.png", full_page=True)

    for stage in (0, 2, 4):
        assert_whole_scale_in_view(phone, phone.locator("#emotion .emotion-cell").nth(stage))
    plus_three = phone.locator("#emotion .emotion-cell").nth(4).locator('[data-rate="3"]')
    plus_three.click()
    expect(plus_three).to_have_attribute("aria-pressed", "true")
    shoot(phone, screenshots_dir / "layout-phone-rating.png")

    in_chinese(phone)
    assert visible_copies(phone, STEP_ZH) == 1
    shoot(phone, screenshots_dir / "layout-phone-zh.png")
    shoot(phone, screenshots_dir / "layout-phone-zh-full.png", full_page=True)


def test_a_member_who_missed_ratings_catches_up_with_a_working_room(new_page: Callable[..., Page]) -> None:
    """A replay draws the emotion line, its readings and the step together: the page keeps
    every form of the parts after the line (live.in_table), so "I'm done" still works."""
    room = facilitator_opens_room(new_page((1366, 768)), title="Catching up")
    mia = member_joins(new_page((1366, 768)), room, "Mia")
    # Ratings written without a broadcast: Mia's page misses them and, at the next event,
    # asks for what it missed.
    fill("Catching up", [], ratings=[2, -3, 1, -1, 3])
    move_room_to(room.facilitator, STEP)

    expect(mia.locator("#now-title")).to_have_text(STEP)
    expect(mia.locator("body")).to_have_class(re.compile(r"\bboard-step\b"))
    expect(mia.locator("#emotion-readings .reading-drop")).to_contain_text("Rapid drop from Awareness")
    expect(mia.locator("form.done-form #done-button")).to_have_count(1)
    mia.locator("#done-button").click()
    expect(room.facilitator.locator("#people .person", has_text="Mia")).to_have_attribute("data-done", "1")
