"""What a person does in the browser: sign up, create a workshop, join by code, read the room."""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page, expect

PASSWORD = "a-long-e2e-password-7"


@dataclass
class Room:
    url: str  # the room's path, /w/<slug>/
    code: str  # the join code as the room shows it, e.g. "ABC-DEF"
    facilitator: Page


def wait_online(page: Page) -> None:
    expect(page.locator("#live-status")).to_have_attribute("data-state", "online")


def facilitator_opens_room(page: Page, title: str = "Weekend camping trip", name: str = "Olivia") -> Room:
    """Sign up as a facilitator, create a workshop, land in its room."""
    page.goto("/accounts/signup/")
    page.locator("#id_first_name").fill(name)
    page.locator("#id_username").fill(f"fac-{secrets.token_hex(3)}")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/workshops/$"))
    page.locator("#id_title").fill(title)
    page.get_by_role("button", name="Create workshop").click()
    expect(page).to_have_url(re.compile(r"/w/[^/]+/$"))
    wait_online(page)
    code = page.locator("#joining .join-code").inner_text().replace("Code:", "").strip()
    assert re.fullmatch(r"[A-Z0-9]{3}-[A-Z0-9]{3}", code), code
    url = re.sub(r"^https?://[^/]+", "", page.url)
    return Room(url=url, code=code, facilitator=page)


def member_joins(page: Page, room: Room, name: str) -> Page:
    """From the home page: type the code, then a name, and land in the room."""
    page.goto("/")
    page.locator("#id_code").fill(room.code.replace("-", "").lower())
    page.get_by_role("button", name="Continue").click()
    page.locator("#id_display_name").fill(name)
    page.get_by_role("button", name="Join the workshop").click()
    expect(page).to_have_url(re.compile(re.escape(room.url) + "$"))
    expect(page.locator(".me")).to_contain_text(f"You are {name} (Member)")
    wait_online(page)
    return page


def person(page: Page, name: str) -> Any:
    return page.locator("#people .person").filter(has=page.locator(".name", has_text=name))


def seconds_left(page: Page) -> int:
    text = page.locator("#now .timer-digits").inner_text().strip()
    match = re.fullmatch(r"(\d+):(\d\d)", text)
    assert match, f"timer shows {text!r}"
    return int(match[1]) * 60 + int(match[2])


def clocks(*pages: Page) -> list[int]:
    """The time left on each page, read one right after the other."""
    return [seconds_left(page) for page in pages]


def wait_below(page: Page, seconds: int) -> None:
    """Wait until the page's countdown shows less than `seconds` left: the clock has counted."""
    page.wait_for_function(
        """(limit) => {
          const text = document.querySelector("#now .timer-digits")?.textContent.trim() || "";
          const match = text.match(/^(\\d+):(\\d\\d)$/);
          return match !== null && Number(match[1]) * 60 + Number(match[2]) < limit;
        }""",
        arg=seconds,
    )


# The countdown redraws every 250 ms (static/js/timer.js); on a busy machine a redraw comes late.
REDRAW_SLACK = 1.0


@dataclass
class Clock:
    """A running countdown as one page shows it, and the deadline that puts it at."""

    left: int  # the seconds shown
    earliest: float  # the deadline, at the earliest and the latest, on time.monotonic()
    latest: float


def read_clocks(*pages: Page) -> list[Clock]:
    """What each page's running countdown shows, and where that puts its deadline.

    A page knows the server's clock once a heartbeat is answered, to within half the round trip
    (static/js/live.js, "pong"); before, only from when the page was rendered, which on a busy
    machine may be seconds before its script runs. So each page is read after an answer and a
    redraw since. Digits read between `before` and `after` put the deadline in
    [before + left - 1 - REDRAW_SLACK, after + left], widened by that half round trip: they round
    the time left up, and were drawn at most REDRAW_SLACK before the read.
    """
    clocks = []
    for page in pages:
        page.wait_for_function("() => window.journeymapLive && window.journeymapLive.bestRtt < Infinity")
        error = page.evaluate("window.journeymapLive.bestRtt") / 2000
        wait_below(page, seconds_left(page))  # drawn since, on the server's clock
        before = time.monotonic()
        left = seconds_left(page)
        after = time.monotonic()
        clocks.append(Clock(left, before + left - 1 - REDRAW_SLACK - error, after + left + error))
    return clocks


def assert_same_time(*pages: Page) -> list[Clock]:
    """Every page counts down to the same deadline, however long reading them one by one takes."""
    clocks = read_clocks(*pages)
    together = max(clock.earliest for clock in clocks) <= min(clock.latest for clock in clocks)
    assert together, f"the pages disagree on the time left: {[clock.left for clock in clocks]}"
    return clocks


def wait_running(page: Page, running: bool = True) -> None:
    expect(page.locator("#now .timer")).to_have_attribute("data-running", "1" if running else "0")


def live_drops(page: Page) -> list[str]:
    """The states the live connection went through after it was first online, if any.

    Empty while this page's socket stayed up; e.g. ["reconnecting", "online"] after a drop.
    Counted from the page's last load (conftest.WATCH_LIVE_STATUS).
    """
    states: list[str] = page.evaluate("window.__liveStates || []")
    return states[states.index("online") + 1 :] if "online" in states else states


def picture_of(page: Page, selector: str, path: Any) -> None:
    """A screenshot of one part of a live page.

    A clip of the page rather than an element screenshot: a late live update may swap the part
    for a fresh copy while the picture is taken, and an element screenshot then fails.
    """
    part = page.locator(selector)
    part.scroll_into_view_if_needed()
    box = part.bounding_box()
    assert box is not None, selector
    page.screenshot(path=str(path), clip=box)
