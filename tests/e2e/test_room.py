"""The live room in real browsers: a facilitator and two members, each in their own context.

The server is a Daphne subprocess on the test database (conftest.py); everything here is
created through the browser, as people would.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import (
    Clock,
    Room,
    assert_same_time,
    clocks,
    facilitator_opens_room,
    live_drops,
    member_joins,
    person,
    wait_below,
    wait_online,
    wait_running,
)
from workshops.models import Workshop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FIRST_STEP = "Set the stage"  # the first step of a new agenda (preparation is skipped)
SECOND_STEP = "Write the backstory"
OTHER_STEP = "Map the pain points"


def assert_deadline_between(shown: list[Clock], earliest: float, latest: float) -> None:
    """Each page's countdown may end within [earliest, latest] (time.monotonic())."""
    assert all(clock.latest >= earliest and clock.earliest <= latest for clock in shown), (
        shown,
        earliest,
        latest,
    )


def open_room(new_page: Callable[..., Page]) -> tuple[Room, Page, Page]:
    room = facilitator_opens_room(new_page())
    mia = member_joins(new_page(), room, "Mia")
    ravi = member_joins(new_page(), room, "Ravi")
    for page in (room.facilitator, mia, ravi):
        expect(page.locator("#now-title")).to_have_text(FIRST_STEP)
    # Both members are in the facilitator's list, online.
    for name in ("Mia", "Ravi"):
        expect(person(room.facilitator, name)).to_have_class("person online")
    return room, mia, ravi


def test_two_members_follow_the_facilitator_live(
    new_page: Callable[..., Page], dialogs: dict[Any, list[str]]
) -> None:
    room, mia, ravi = open_room(new_page)
    fac = room.facilitator
    everyone = (fac, mia, ravi)
    # The server and this process share the test database: what the browsers made is here.
    workshop = Workshop.objects.get(join_code=room.code.replace("-", ""))
    assert sorted(p.display_name for p in workshop.participants.filter(role="member")) == ["Mia", "Ravi"]

    # The facilitator starts the timer: both members count down with the same time left.
    expect(fac.locator("#timer-toggle")).to_have_text("Start")
    started = time.monotonic()
    fac.locator("#timer-toggle").click()
    for page in everyone:
        wait_running(page)
        wait_below(page, 5 * 60)  # let it count, so the comparison is of a running clock
    expect(fac.locator("#timer-toggle")).to_have_text("Pause")
    # Five minutes from the click: the deadline is no earlier than five minutes after it, and
    # no later than five minutes from now, however slow the machine.
    assert_deadline_between(assert_same_time(*everyone), started + 5 * 60, time.monotonic() + 5 * 60)

    # The facilitator moves on while both members are working: the browser asks first.
    fac.locator("#step-next").click()
    for page in everyone:
        expect(page.locator("#now-title")).to_have_text(SECOND_STEP)
    assert dialogs[fac] == ["2 people are still working on this step. Move on anyway?"]
    assert dialogs[mia] == dialogs[ravi] == []
    for page in everyone:
        wait_running(page, False)
        expect(page.locator("#now .timer-digits")).to_have_text("10:00")

    # The new step's timer runs; a member reloads and keeps their place.
    started = time.monotonic()
    fac.locator("#timer-toggle").click()
    for page in everyone:
        wait_running(page)
        wait_below(page, 10 * 60)
    mia.reload()
    wait_online(mia)
    expect(mia.locator(".me")).to_have_text("You are Mia (Member)")
    expect(mia.locator("#now-title")).to_have_text(SECOND_STEP)
    wait_running(mia)
    assert_deadline_between(assert_same_time(*everyone), started + 10 * 60, time.monotonic() + 10 * 60)
    expect(person(mia, "Mia")).to_have_count(1)
    expect(person(fac, "Mia")).to_have_count(1)
    expect(fac.locator("#people .person")).to_have_count(3)
    # Still counting down after the reload, in step with the others.
    before = clocks(mia)[0]
    wait_below(mia, before)
    assert_same_time(*everyone)


def test_a_member_says_done_and_the_facilitator_sees_it(new_page: Callable[..., Page]) -> None:
    room, mia, ravi = open_room(new_page)
    fac = room.facilitator
    done = mia.locator("#done-button")
    expect(done).to_have_attribute("aria-pressed", "false")
    done.click()
    expect(done).to_have_attribute("aria-pressed", "true")
    expect(done).to_contain_text("Done")
    expect(fac.locator('#people .person[data-done="1"]')).to_have_count(1)
    expect(fac.locator('#people .person[data-done="1"]')).to_contain_text("Mia")
    expect(person(fac, "Ravi")).to_have_attribute("data-done", "0")
    expect(fac.locator("#people .progress-summary")).to_contain_text("1 done · 1 still working")
    # Ravi's own button is untouched; and a second click undoes it.
    expect(ravi.locator("#done-button")).to_have_attribute("aria-pressed", "false")
    done.click()
    expect(done).to_have_attribute("aria-pressed", "false")
    expect(fac.locator('#people .person[data-done="1"]')).to_have_count(0)


def test_a_member_looks_at_another_step_and_comes_back(new_page: Callable[..., Page]) -> None:
    room, mia, ravi = open_room(new_page)
    fac = room.facilitator
    banner = mia.locator("#viewing-banner")
    expect(banner).to_be_hidden()

    mia.locator("#agenda .agenda-view", has_text=OTHER_STEP).click()
    expect(banner).to_be_visible()
    shown = mia.locator("#guidance .guidance:visible")
    expect(shown).to_have_count(1)
    expect(shown.locator("h2")).to_have_text(OTHER_STEP)
    expect(mia.locator("#agenda .agenda-step.viewing")).to_contain_text(OTHER_STEP)
    # Only Mia's view changed: the room, the facilitator and Ravi stay where they were.
    expect(mia.locator("#now-title")).to_have_text(FIRST_STEP)
    expect(fac.locator("#now-title")).to_have_text(FIRST_STEP)
    expect(ravi.locator("#viewing-banner")).to_be_hidden()
    expect(ravi.locator("#guidance .guidance:visible h2")).to_contain_text(FIRST_STEP)

    banner.get_by_role("button", name="Back to the room's step").click()
    expect(banner).to_be_hidden()
    expect(shown).to_have_count(1)
    expect(shown.locator("h2")).to_contain_text(FIRST_STEP)
    expect(shown.locator("h2 .badge")).to_have_text("the room is here")
    expect(mia.locator("#agenda .agenda-step.viewing")).to_have_count(0)
    expect(fac.locator("#now-title")).to_have_text(FIRST_STEP)


def test_a_pause_freezes_the_same_digits_everywhere(new_page: Callable[..., Page]) -> None:
    room, mia, ravi = open_room(new_page)
    fac = room.facilitator
    everyone = (fac, mia, ravi)
    fac.locator("#timer-add-1").click()  # paused edits count too: 6 minutes now
    for page in everyone:
        expect(page.locator("#now .timer-digits")).to_have_text("6:00")
    started = time.monotonic()
    fac.locator("#timer-toggle").click()
    for page in everyone:
        wait_running(page)
    time.sleep(1.3)  # at least this long, by any clock: it freezes at 5:59 or below
    fac.locator("#timer-toggle").click()
    for page in everyone:
        wait_running(page, False)
        expect(page.locator("#now .timer-state")).to_have_text("Paused")
    ran = time.monotonic() - started
    expect(fac.locator("#timer-toggle")).to_have_text("Resume")
    frozen = [page.locator("#now .timer-digits").inner_text() for page in everyone]
    assert len(set(frozen)) == 1, frozen
    # Paused where it was: after more than a second's running, and no more than the time
    # between the start and the pause showing everywhere.
    assert 6 * 60 - ran <= clocks(fac)[0] <= 6 * 60 - 1, (frozen, ran)
    # A quiet room: nothing happens for a while (longer than channels-redis's 5 s blocking
    # read). The digits stay frozen and nobody's connection drops meanwhile.
    time.sleep(6.5)
    assert [page.locator("#now .timer-digits").inner_text() for page in everyone] == frozen
    for page in everyone:
        assert live_drops(page) == [], f"{page.locator('.me').inner_text()}: {live_drops(page)}"


def test_an_observer_does_not_see_the_facilitator_controls(new_page: Callable[..., Page]) -> None:
    room, mia, ravi = open_room(new_page)
    fac = room.facilitator
    expect(fac.locator("#timer-toggle")).to_be_visible()
    expect(fac.locator("#step-next")).to_be_visible()
    # Members do not see them either.
    for page in (mia, ravi):
        expect(page.locator("#timer-toggle")).to_be_hidden()
        expect(page.locator("#step-next")).to_be_hidden()
        expect(page.locator("#done-button")).to_be_visible()

    menu = person(fac, "Ravi").locator("details.person-menu")
    menu.locator("summary").click()
    menu.locator("select[name=role]").select_option("observer")
    menu.get_by_role("button", name="Change role").click()

    # Ravi's page reloads itself into the observer's view.
    expect(ravi.locator(".me")).to_have_text("You are Ravi (Observer)")
    wait_online(ravi)
    for selector in ("#timer-toggle", "#timer-reset", "#step-next", "#step-previous", "#done-button"):
        expect(ravi.locator(selector)).to_be_hidden()
    expect(ravi.locator("#now-title")).to_have_text(FIRST_STEP)
    expect(person(fac, "Ravi").locator(".role-badge")).to_have_text("Observer")
    # Mia is still a member, and the facilitator still has the controls.
    expect(mia.locator(".me")).to_have_text("You are Mia (Member)")
    expect(fac.locator("#timer-toggle")).to_be_visible()
