"""The stakeholder summary in a real browser: a participant opens it from the room, the
facilitator makes a share link, a stakeholder with no account reads it in a fresh browser,
and the link is gone once revoked. Screenshots of the page (laptop and phone) and of the
PDF's first page go to screenshots/ for review.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from maps import services as maps_services
from maps.models import EmotionRating, Evidence, Persona, Vote, VoteDot
from tests.e2e.pages import facilitator_opens_room, picture_of
from workshops import services
from workshops.models import Workshop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STAGES = ["Research", "Booking", "At the campsite", "Leaving", "Sharing"]
# (stage, lane, text, extra fields) — our own camping example (see PLAY.md for the facts).
NOTES = [
    (0, "actions", "Compares three campsites on a map site", {"evidence": Evidence.RESEARCH}),
    (0, "touchpoints", "Campsite website", {"channel": "website"}),
    (0, "thoughts", "Close enough for a Friday evening drive?", {"is_question": True}),
    (1, "actions", "Phones the campsite and pays a deposit by transfer", {"is_decision": True}),
    (1, "touchpoints", "Phone call with the owner", {"channel": "phone"}),
    (
        1,
        "pains",
        "No confirmation: did the booking go through?",
        {"severity": 2, "reach_share": Decimal("40")},
    ),
    (2, "actions", "Pitches the tent, lights the barbecue, watches a film", {"is_aha": True}),
    (2, "pains", "Charcoal takes two hours to light; nobody helps", {"severity": 3, "reach_count": 120}),
    (2, "pains", "Toilets are a long walk from the pitch", {"severity": 1, "evidence": Evidence.ANECDOTE}),
    (2, "pains", "An hour in a traffic jam, then two missed exits", {"severity": 2}),
    (2, "thoughts", "露营地的厕所太远了", {}),
    (3, "actions", "Pays the balance at the office", {}),
    (3, "thoughts", "Finds a lovely view 20 m away, only now", {"is_micro_moment": True}),
    (4, "actions", "Edits the photos and posts them", {"evidence": Evidence.RESEARCH}),
    (4, "thoughts", "<script>alert('hi')</script> =cmd|' /C calc'!A0", {}),
]
OPPORTUNITIES = [
    (1, "Send a confirmation e-mail with the pitch number", "Bookings", "planned", [5]),
    (2, "Sell fire starters and drinks at the office", "Shop", "idea", [7]),
    (2, "Map of the best spots at check-in", "Front desk", "in_progress", [8, 12]),
    (2, "Clearer signs from the motorway", "", "idea", [9]),
]
RATINGS = [[1, -1, 2, 0, 2], [0, -2, 3, 1, 1], [1, -1, 2, -1, 2]]


def fill_camping_map(workshop: Workshop) -> None:
    """A map a stakeholder would get after a real session: every kind of content."""
    journey_map = workshop.journey_map
    owner = workshop.owner
    people = [services.guest_user_create(display_name=name) for name in ("Mia", "Ravi", "Anna-Katharina")]
    for user in people:
        services.participant_join(workshop=workshop, user=user, display_name=user.first_name)
    persona = Persona.objects.create(
        owner=owner,
        name="Mei",
        role="Weekend camper who plans trips for her friends",
        quote="One weekend where nothing needs organising.",
        goals="A relaxed weekend outdoors, close enough to drive after work.",
        needs="Clear directions, a pitch near the facilities, drinks on site.",
    )
    maps_services.scope_update(
        journey_map=journey_map,
        author=owner,
        data={
            "persona": persona,
            "scenario": "Mei books a two-night camping trip for four friends.",
            "goal": "A weekend away that feels effortless.",
            "journey_start": "She starts looking for a campsite.",
            "journey_end": "She shares the photos.",
            "trigger": "A hard quarter at work and a promise to her friends.",
            "outcome": "Everyone comes back rested and wants to go again.",
        },
    )
    stages = list(journey_map.stages.all())
    for stage, name in zip(stages, STAGES, strict=True):
        maps_services.stage_rename(journey_map=journey_map, author=owner, stage=stage, name=name)
    lanes = {lane.key: lane for lane in journey_map.lanes.all()}
    made = []
    for i, (stage, lane, text, extra) in enumerate(NOTES):
        author = people[i % len(people)]
        colour = {"pains": "pink", "thoughts": "blue", "touchpoints": "orange"}.get(lane, "yellow")
        change = maps_services.sticky_create(
            journey_map=journey_map,
            author=author,
            stage=stages[stage],
            lane=lanes[lane],
            text=text,
            colour=colour,
            **extra,
        )
        made.append(change.sticky)
    # An assumption someone checks next, and one checked already (the ledger and the plan).
    maps_services.sticky_style(
        journey_map=journey_map,
        author=owner,
        sticky=made[2],
        owner="Research",
        due_on=timezone.localdate() + timedelta(days=14),
    )
    maps_services.sticky_settle(
        journey_map=journey_map,
        author=owner,
        sticky=made[5],
        evidence=Evidence.RESEARCH,
        source="Support tickets, Oct 2026",
        note="One call in three asks whether the booking went through",
    )
    for stage, text, owner_name, status, pains in OPPORTUNITIES:
        opportunity = maps_services.sticky_create(
            journey_map=journey_map,
            author=people[0],
            stage=stages[stage],
            lane=lanes["opportunities"],
            text=text,
            colour="green",
            owner=owner_name,
            status=status,
        ).sticky
        for index in pains:
            maps_services.sticky_link(
                journey_map=journey_map, author=people[0], sticky=opportunity, to=made[index], linked=True
            )
    for user, values in zip(people, RATINGS, strict=True):
        for stage, value in zip(stages, values, strict=True):
            EmotionRating.objects.create(journey_map=journey_map, stage=stage, author=user, value=value)
    maps_services.stage_annotate(
        journey_map=journey_map, author=owner, stage=stages[1], text="No confirmation after paying"
    )
    vote = Vote.objects.create(journey_map=journey_map, lane=lanes["pains"], closed_at=timezone.now())
    for user in [*people, owner]:
        VoteDot.objects.create(vote=vote, voter=user, sticky=made[7])
    VoteDot.objects.create(vote=vote, voter=people[0], sticky=made[5])
    maps_services.metric_add(
        journey_map=journey_map, author=owner, stage=stages[1], kind="dropoff", value=Decimal("18"), unit="%"
    )
    for question, text in [
        ("frustrating", "Not knowing whether the booking went through"),
        ("expectations", "The campsite promises facilities it does not help with"),
        ("needs", "Somewhere to buy drinks and fire starters"),
        ("complex", "Paying twice: a deposit by transfer, the balance at the office"),
    ]:
        maps_services.insight_add(journey_map=journey_map, author=people[1], question=question, text=text)


# Elements that stick out past the screen's right edge, outside the sideways-scrolling tables.
WIDER_THAN_THE_SCREEN = """
[...document.querySelectorAll("body *")]
  .filter(el => !el.closest(".table-scroll"))
  .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .map(el => `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`)
  .slice(0, 8)
"""


def settle(page: Page) -> None:
    page.evaluate("document.fonts.ready")


def test_a_stakeholder_reads_a_shared_summary_and_a_revoked_link_is_gone(
    new_page: Callable[..., Page], screenshots_dir: Path, tmp_path: Path
) -> None:
    room = facilitator_opens_room(new_page((1280, 800)), title="Weekend camping trip")
    fac = room.facilitator
    workshop = Workshop.objects.get(slug=room.url.strip("/").split("/")[-1])
    # In a thread of its own: joining broadcasts to the room (async_to_sync), which cannot run
    # on this thread while Playwright's loop is marked as running here.
    filler = threading.Thread(target=fill_camping_map, args=(workshop,))
    filler.start()
    filler.join()

    # From the room: the header links to the summary (in a new tab, so the room stays live).
    link = fac.get_by_role("link", name="Summary")
    expect(link).to_have_attribute("href", f"{room.url}summary/")
    fac.goto(f"{room.url}summary/")
    expect(fac.get_by_role("heading", level=1)).to_have_text("Weekend camping trip")
    expect(fac.locator(".ranked").first.locator("tbody tr").first).to_contain_text("Charcoal")

    # The facilitator makes a share link, without JavaScript-only controls: a plain form.
    fac.get_by_label("Who it is for").fill("Leadership team")
    fac.get_by_role("button", name="Make a share link").click()
    expect(fac.locator(".messages")).to_contain_text("Share link made")
    url = fac.locator(".share-url").first.input_value()
    assert "/s/" in url

    # A stakeholder: a fresh browser, no account, no cookies.
    stakeholder = new_page((1280, 800))
    response = stakeholder.goto(url)
    assert response is not None and response.status == 200
    assert response.headers["x-robots-tag"] == "noindex, nofollow"
    expect(stakeholder.get_by_role("heading", level=1)).to_have_text("Weekend camping trip")
    expect(stakeholder.get_by_role("heading", name="Pain points, worst first")).to_be_visible()
    expect(stakeholder.get_by_role("table").filter(has_text="Charcoal").first).to_be_visible()
    expect(stakeholder.get_by_role("columnheader", name="At the campsite").first).to_be_visible()
    expect(stakeholder.get_by_role("cell", name="Shop")).to_be_visible()
    expect(stakeholder.locator("text=<script>alert('hi')</script>").first).to_be_visible()
    expect(stakeholder.get_by_role("button", name="Make a share link")).to_have_count(0)
    expect(stakeholder.get_by_role("link", name="← Back to the room")).to_have_count(0)
    assert stakeholder.locator('meta[name="robots"]').get_attribute("content") == "noindex, nofollow"

    # Screenshots for review: the participants' page and the shared page, laptop and phone.
    settle(fac)
    fac.screenshot(path=str(screenshots_dir / "summary-desktop.png"), full_page=True)
    for part in ("action-plan", "ledger"):
        picture_of(fac, f"section.{part}", screenshots_dir / f"summary-{part}-camping.png")
    settle(stakeholder)
    stakeholder.screenshot(path=str(screenshots_dir / "summary-shared-desktop.png"), full_page=True)
    phone = new_page((390, 844), is_mobile=True, has_touch=True, device_scale_factor=2)
    phone.goto(url)
    settle(phone)
    phone.screenshot(path=str(screenshots_dir / "summary-phone.png"))
    phone.screenshot(path=str(screenshots_dir / "summary-phone-full.png"), full_page=True)
    picture_of(phone, "section.action-plan", screenshots_dir / "summary-action-plan-phone.png")
    # Nothing wider than the phone but the tables, which scroll sideways in their own box.
    too_wide = phone.evaluate(WIDER_THAN_THE_SCREEN)
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0 and too_wide == [], f"{overflow}px wider than the phone: {too_wide}"
    # The other downloads open in place, still within the phone; a link offers no JSON or CSV.
    phone.get_by_text("Other downloads").click()
    expect(phone.get_by_role("link", name="Markdown", exact=True)).to_be_visible()
    expect(phone.get_by_role("link", name="CSV (the notes)")).to_have_count(0)
    phone.screenshot(path=str(screenshots_dir / "summary-phone-downloads.png"))
    assert phone.evaluate(WIDER_THAN_THE_SCREEN) == []
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Markdown", exact=True).click()
    assert download.value.suggested_filename.endswith(".md")

    # The PDF, through the share link too; its first page as an image.
    pdf = stakeholder.request.get(url + "summary.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    (screenshots_dir / "summary.pdf").write_bytes(pdf.body())
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                "summary.pdf",
                "summary-pdf-page1",
            ],
            cwd=screenshots_dir,
            check=True,
        )
        assert (screenshots_dir / "summary-pdf-page1.png").stat().st_size > 5_000

    # Revoked: the stakeholder's link is gone at once.
    fac.goto(f"{room.url}summary/")
    fac.get_by_role("button", name="Revoke").click()
    expect(fac.locator(".messages")).to_contain_text("revoked")
    gone = stakeholder.goto(url)
    assert gone is not None and gone.status == 404
    expect(stakeholder.get_by_text("Charcoal")).to_have_count(0)
