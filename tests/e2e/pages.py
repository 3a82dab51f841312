"""What a person does in the browser: sign up, create a workshop, join by code, read the room."""

from __future__ import annotations

import re
import secrets
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


def assert_same_time(*pages: Page) -> list[int]:
    left = clocks(*pages)
    assert max(left) - min(left) <= 1, f"the pages disagree on the time left: {left}"
    return left


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
