"""The map after the workshop, in a real browser: import a file, duplicate a map, compare the two,
see what is due for review, archive. Screenshots of the pages land in screenshots/."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from maps import services as maps_services
from maps.models import JourneyMap
from tests.e2e.pages import facilitator_opens_room, wait_online
from workshops.models import Workshop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "Weekend camping trip"
NOTES = [
    (0, "actions", "Compares three campsites on a map site"),
    (1, "touchpoints", "Phone call to book, then a bank transfer"),
    (2, "pains", "An hour in a traffic jam <script>alert(1)</script>"),
    (2, "opportunities", "Starter kit with charcoal at check-in"),
    (3, "thoughts", "露营很开心，但厕所太远"),
]


def fill_map(title: str) -> Workshop:
    workshop = Workshop.objects.select_related("journey_map", "owner").get(title=title)
    journey_map = workshop.journey_map
    stages = list(journey_map.stages.all())
    lanes = {lane.key: lane for lane in journey_map.lanes.all()}
    for stage, lane, text in NOTES:
        maps_services.sticky_create(
            journey_map=journey_map, author=workshop.owner, stage=stages[stage], lane=lanes[lane], text=text
        )
    for stage, value in zip(stages, [1, -1, -3, 2, 1], strict=True):
        maps_services.emotion_rate(journey_map=journey_map, author=workshop.owner, stage=stage, value=value)
    return workshop


def open_menu(page: Page, slug: str) -> None:
    page.locator(f"#workshop-{slug} details.map-actions > summary").click()


def shoot(page: Page, path: Path) -> None:
    page.evaluate("document.fonts.ready")
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000, f"{path} looks empty"


def test_import_and_duplicate_from_the_list_page(
    new_page: Callable[..., Page], screenshots_dir: Path, tmp_path: Path
) -> None:
    room = facilitator_opens_room(new_page((1280, 900)), title=TITLE)
    page = room.facilitator
    workshop = fill_map(TITLE)

    # Download the JSON from the list's map menu, as a facilitator would.
    page.goto("/workshops/")
    open_menu(page, workshop.slug)
    with page.expect_download() as download:
        page.get_by_role("link", name="JSON (to import again)").click()
    exported = tmp_path / download.value.suggested_filename
    download.value.save_as(exported)
    assert exported.name == "weekend-camping-trip.json"
    open_menu(page, workshop.slug)  # closed again, as a person would before the form under it

    # A file that is not an export: a clear message on the page, and nothing is created.
    bad = tmp_path / "notes.json"
    bad.write_text('{"format": "journeymap", "version": 1, "title": 42}')
    page.locator("#id_file").set_input_files(str(bad))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#import .error")).to_contain_text("“notes.json” cannot be imported.")
    expect(page.locator("#import .error")).to_contain_text("title: expected text, found a number")
    assert JourneyMap.objects.count() == 1
    page.locator("#import").scroll_into_view_if_needed()
    shoot(page, screenshots_dir / "list-import-error.png")

    # The real export: a new map with its own workshop, and the room opens.
    page.locator("#id_file").set_input_files(str(exported))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page).to_have_url(re.compile(r"/w/[^/]+/$"))
    wait_online(page)
    expect(page.locator("#board")).to_contain_text("Phone call to book, then a bank transfer")
    expect(page.locator("#board")).to_contain_text("<script>alert(1)</script>")
    assert JourneyMap.objects.count() == 2
    # Everyone in the room finds the downloads above the board.
    page.locator("#download-menu > summary").click()
    expect(page.locator("#download-menu .menu-item")).to_have_count(4)
    page.locator("#download-menu .menu-item").last.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots_dir / "room-download-menu.png"))
    page.locator("#download-menu > summary").click()

    # Duplicate the first map as a future state from the list page.
    page.goto("/workshops/")
    open_menu(page, workshop.slug)
    row = page.locator(f"#workshop-{workshop.slug}")
    row.get_by_label("Copy as a new map").select_option("future")
    row.get_by_role("button", name="Duplicate").click()
    expect(page).to_have_url(re.compile(r"/w/[^/]+/$"))
    wait_online(page)
    expect(page.locator("#board")).to_contain_text("Starter kit with charcoal at check-in")
    future = Workshop.objects.latest("pk")
    assert future.journey_map.kind == "future" and future.title == f"{TITLE} (Future state)"
    stages = list(future.journey_map.stages.all())
    maps_services.sticky_create(
        journey_map=future.journey_map,
        author=future.owner,
        stage=stages[1],
        lane=future.journey_map.lanes.get(key="touchpoints"),
        text="Books online in two minutes",
    )
    maps_services.emotion_rate(journey_map=future.journey_map, author=future.owner, stage=stages[1], value=2)

    # Compare the two, from the "Copied from" line of the list.
    page.goto("/workshops/")
    page.locator(f"#workshop-{future.slug}").get_by_role("link", name="compare").click()
    expect(page.get_by_role("heading", name="Two maps, stage by stage")).to_be_visible()
    expect(page.locator("table.compare tbody tr")).to_have_count(5)
    expect(page.locator(".only-here")).to_have_text(["Books online in two minutes only in this map"])
    shoot(page, screenshots_dir / "compare.png")

    # A quarter later: the first map is due for review; the imported one is archived.
    JourneyMap.objects.filter(pk=workshop.journey_map_id).update(
        created_at=timezone.now() - timedelta(days=120)
    )
    imported = Workshop.objects.exclude(pk__in=[workshop.pk, future.pk]).get()
    page.goto("/workshops/")
    open_menu(page, imported.slug)
    page.locator(f"#workshop-{imported.slug}").get_by_role("button", name="Archive").click()
    expect(page.locator("#archived-title")).to_be_visible()
    expect(page.locator(f"#workshop-{workshop.slug} .badge-due")).to_have_text("Due for review")
    expect(page.locator(".review-banner")).to_contain_text("1 map is due for review")
    shoot(page, screenshots_dir / "list.png")
    open_menu(page, workshop.slug)
    page.screenshot(path=str(screenshots_dir / "list-menu.png"))

    # Mark it reviewed: the flag goes.
    page.locator(f"#workshop-{workshop.slug}").get_by_role("button", name="Mark as reviewed today").click()
    expect(page.locator(f"#workshop-{workshop.slug} .badge-due")).to_have_count(0)

    # Delete asks first, on a page of its own.
    page.locator(f"#workshop-{imported.slug}").get_by_role("link", name="Delete…").click()
    expect(page.get_by_role("heading", name=re.compile("^Delete"))).to_be_visible()
    shoot(page, screenshots_dir / "delete-confirm.png")
    page.get_by_role("button", name="Delete for good").click()
    expect(page).to_have_url(re.compile(r"/workshops/$"))
    expect(page.locator("#archived-title")).to_have_count(0)
    assert not Workshop.objects.filter(pk=imported.pk).exists()

    # On a phone the list still fits: the table scrolls inside its card, the menu opens.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/workshops/")
    open_menu(page, workshop.slug)
    expect(page.locator(f"#workshop-{workshop.slug} .map-actions-panel")).to_be_visible()
    # What sticks out past the screen's edge, if anything: named in the failure.
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391)"
        ".map(e => e.tagName + '.' + e.className)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide
    page.screenshot(path=str(screenshots_dir / "list-phone.png"), full_page=True)
