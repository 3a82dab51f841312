"""axe-core on every page, in English and Chinese, on a laptop (1366 × 768) and a phone (390 × 844).

axe-core is pinned in tests/e2e/package-lock.json and installed by `make test` (npm ci); the
test reads tests/e2e/node_modules/axe-core/axe.min.js from disk and evaluates it in each page
through the DevTools protocol, which the pages' strict CSP (no inline scripts) does not govern.
Nothing is fetched from the network.

The rules run are axe's WCAG 2.0 and 2.1 A and AA rules (tags wcag2a, wcag2aa, wcag21a,
wcag21aa). A page fails on any violation whose impact is serious or critical; the failure
names each rule, its help text, and every failing node's selector and HTML, for all pages of
one width × language at once. axe skips what is hidden, so pages with menus or forms folded
in <details> are checked again with all of them open, and the room with each dialog open.
The outsider's 404 is the page production serves (rendered here with DEBUG off), not the
debug page of the test server.

One browser context per width × language; people take turns in it by swapping the session
cookie, and the room and its map are built once per combination, straight in the database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from playwright.sync_api import BrowserContext, Page, expect

from maps import services as maps_services
from maps.models import Persona
from maps.moves import snapshot
from tests.e2e.conftest import TIMEOUT_MS, wait_for_sockets_closed
from tests.e2e.pages import PASSWORD, wait_online
from tests.e2e.test_summary import fill_camping_map
from workshops import services
from workshops.models import Participant, Workshop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
# Only what axe calls serious or critical fails the test; minor and moderate are left to review.
FAILING_IMPACTS = ("serious", "critical")
RUN_AXE = """async (options) => {
  const result = await axe.run(document, options);
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html, impact: n.impact})),
  }));
}"""
# Opens the page's closed <details>; says how many it opened.
OPEN_DISCLOSURES = """[...document.querySelectorAll("details:not([open])")]
  .map(d => { d.open = true; d.dataset.openedByAxe = "1"; }).length"""
WIDTHS = {"laptop": (1366, 768), "phone": (390, 844)}
LANGUAGES = ["en", "zh-hans"]


@dataclass
class Scene:
    """The people and things the pages show: one room mid-workshop, and what surrounds it."""

    workshop: Workshop
    other: Workshop  # a duplicate of the map, for compare and the delete page
    persona_pk: int
    more_persona_pk: int  # a second persona on the map (maps.personas)
    share_token: str
    cookies: dict[str, str]  # a session cookie by person: owner, member, newcomer, outsider
    not_found: str  # the 404 page an outsider gets in production (DEBUG off), in each language


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def session_cookie(user: Any) -> str:
    return logged_in(user).cookies["sessionid"].value


def production_404(user: Any, slug: str, language: str) -> str:
    # The browser tests' server runs with DEBUG on (static files), which shows Django's debug
    # page instead; this process has DEBUG off, as production does.
    client = logged_in(user)
    client.cookies["django_language"] = language
    response = client.get(f"/w/{slug}/")
    assert response.status_code == 404
    return response.content.decode()


def build_scene(language: str) -> Scene:
    """Everything in the database; run in a thread (broadcasts cannot run on Playwright's)."""
    owner = get_user_model().objects.create_user("olivia", password=PASSWORD, first_name="Olivia")
    workshop = services.workshop_create(owner=owner, title="Weekend camping trip", display_name="Olivia")
    fill_camping_map(workshop)
    journey_map = workshop.journey_map
    # A second persona: the board draws its line and the picker, a note says it is Ravi's.
    ravi = Persona.objects.create(owner=owner, name="Ravi", role="Pays for the trip")
    journey_map.more_personas.add(ravi)
    deposit = journey_map.stickies.filter(lane__key="pains").first()
    maps_services.sticky_style(journey_map=journey_map, author=owner, sticky=deposit, persona=ravi)
    # As if a follow-up session had begun here: the summary then says what moved since.
    Workshop.objects.filter(pk=workshop.pk).update(baseline=snapshot(journey_map=journey_map))
    kit = journey_map.stickies.get(text__startswith="Map of the best spots")
    maps_services.sticky_style(journey_map=journey_map, author=owner, sticky=kit, status="done")
    # A vote open on the opportunities (the closed one on the pains ranks the summary).
    maps_services.vote_start(
        journey_map=journey_map, author=owner, lane=journey_map.lanes.get(key="opportunities"), budget=2
    )
    facilitator = workshop.participants.get(user=owner)
    services.timer_start(workshop=workshop, by=facilitator)
    other = services.workshop_duplicate(workshop=workshop, by=owner, kind="future")
    share = maps_services.share_link_create(journey_map=journey_map, created_by=owner, label="Leadership")
    member = Participant.objects.filter(workshop=workshop, role="member").select_related("user").first()
    assert member is not None
    newcomer = get_user_model().objects.create_user("nadia", password=PASSWORD)
    outsider = get_user_model().objects.create_user("eve", password=PASSWORD)
    return Scene(
        workshop=workshop,
        other=other,
        persona_pk=journey_map.persona_id,
        more_persona_pk=ravi.pk,
        share_token=share.token,
        cookies={
            "owner": session_cookie(owner),
            "member": session_cookie(member.user),
            "newcomer": session_cookie(newcomer),
            "outsider": session_cookie(outsider),
        },
        not_found=production_404(outsider, workshop.slug, language),
    )


def in_thread(function: Callable[..., Any], *args: Any) -> Any:
    result: list[Any] = []

    def run() -> None:
        try:
            result.append(function(*args))
        finally:
            connection.close()  # this thread's own; left open, it keeps the test database busy

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert result, f"{function.__name__} failed: see the traceback above"
    return result[0]


def be(context: BrowserContext, base_url: str, language: str, session: str | None) -> None:
    """Become someone (or no one) in this context, in this language."""
    context.clear_cookies()
    cookies = [{"name": "django_language", "value": language, "url": base_url}]
    if session:
        cookies.append({"name": "sessionid", "value": session, "url": base_url})
    context.add_cookies(cookies)


def serious_violations(page: Page) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    violations = page.evaluate(RUN_AXE, AXE_OPTIONS)
    return [v for v in violations if v["impact"] in FAILING_IMPACTS]


def describe(name: str, violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{name}: [{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {node['target']}\n        {node['html'][:300]}")
    return "\n".join(lines)


class Audit:
    """Runs axe on page after page and keeps what fails, so one run reports every page."""

    def __init__(self, page: Page, width: str, language: str) -> None:
        self.page = page
        self.language = language
        self.label = f"[{width} {language}]"
        self.failures: list[str] = []
        self.checked: list[str] = []

    def check(self, name: str) -> None:
        self.page.evaluate("document.fonts.ready")
        self.checked.append(name)
        found = serious_violations(self.page)
        if found:
            self.failures.append(describe(f"{self.label} {name}", found))

    def check_with_disclosures(self, name: str) -> None:
        """As it loads, then with every <details> open: menus and forms axe skips while hidden."""
        self.check(name)
        if self.page.evaluate(OPEN_DISCLOSURES):
            self.check(f"{name}, every menu and form open")
            self.page.evaluate(
                "document.querySelectorAll('details[data-opened-by-axe]')"
                ".forEach(d => { d.open = false; delete d.dataset.openedByAxe; })"
            )

    def visit(self, name: str, url: str, status: int = 200, lang: str | None = None) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == status, f"{name}: {url} answered {response}"
        # The page really is in the language under test (the cookie took).
        assert self.page.evaluate("document.documentElement.lang") == (lang or self.language), name
        self.check_with_disclosures(name)


def open_dialog(page: Page, opener: str, dialog: str) -> None:
    page.locator(opener).first.click()
    expect(page.locator(dialog)).to_be_visible()


def close_dialog(page: Page) -> None:
    page.keyboard.press("Escape")
    expect(page.locator("dialog[open]")).to_have_count(0)


def audit_room(audit: Audit, url: str, who: str) -> None:
    page = audit.page
    page.goto(url)
    wait_online(page)
    expect(page.locator("#now .timer")).to_have_attribute("data-running", "1")
    expect(page.locator("#vote .candidate").first).to_be_visible()
    audit.check_with_disclosures(f"room as {who}")
    open_dialog(page, "[data-open-dialog=context-dialog]", "#context-dialog")
    audit.check(f"room as {who}, persona/scope/backstory dialog")
    close_dialog(page)
    page.locator("#board .sticky[data-sticky]").first.focus()
    page.keyboard.press("m")
    expect(page.locator("#sticky-dialog")).to_be_visible()
    audit.check(f"room as {who}, a note's options dialog")
    close_dialog(page)


def audit_everything(audit: Audit, scene: Scene, become: Callable[[str | None], None]) -> None:
    slug, other = scene.workshop.slug, scene.other.slug
    become(None)
    audit.visit("home", "/")
    audit.visit("sign-up", "/accounts/signup/")
    audit.visit("log-in", "/accounts/login/")
    audit.visit("join page (code entered)", f"/join/{scene.workshop.join_code}/")
    audit.visit("shared summary", f"/s/{scene.share_token}/")

    become("newcomer")
    audit.visit("workshop list, empty", "/workshops/")

    become("owner")
    audit.visit("workshop list", "/workshops/")
    audit_room(audit, f"/w/{slug}/", "facilitator")
    page = audit.page
    open_dialog(page, "#board [data-stage-menu]", "#stage-dialog")
    audit.check("room as facilitator, a stage's dialog")
    close_dialog(page)
    audit.visit("join screen", f"/w/{slug}/present/")
    audit.visit("prepare", f"/w/{slug}/prepare/")
    audit.visit("persona library", "/personas/")
    audit.visit("persona edit", f"/personas/{scene.persona_pk}/")
    audit.visit("summary", f"/w/{slug}/summary/")
    audit.visit("summary for one persona", f"/w/{slug}/summary/?persona={scene.more_persona_pk}")
    audit.visit("compare", f"/w/{other}/compare/{slug}/")
    audit.visit("delete confirmation", f"/w/{other}/delete/")

    become("member")
    audit_room(audit, f"/w/{slug}/", "member")
    audit.visit("summary as member", f"/w/{slug}/summary/")

    become("outsider")
    # What production serves an outsider, at the room's own address (see production_404).
    page.route(
        f"**/w/{slug}/",
        lambda route: route.fulfill(
            status=404, content_type="text/html; charset=utf-8", body=scene.not_found
        ),
    )
    audit.visit("404 for an outsider", f"/w/{slug}/", status=404)  # templates/404.html
    page.unroute(f"**/w/{slug}/")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("width", list(WIDTHS))
def test_no_page_has_a_serious_accessibility_violation(
    browser: Any, asgi_server: str, transactional_db: None, width: str, language: str
) -> None:
    assert AXE.exists(), f"{AXE} is missing: run `make test`, or npm ci --prefix tests/e2e"
    scene = in_thread(build_scene, language)
    w, h = WIDTHS[width]
    phone = width == "phone"
    context = browser.new_context(
        base_url=asgi_server,
        viewport={"width": w, "height": h},
        is_mobile=phone,
        has_touch=phone,
        locale="zh-CN" if language == "zh-hans" else "en-GB",
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        audit = Audit(context.new_page(), width, language)

        def become(who: str | None) -> None:
            audit.page.goto("about:blank")  # the room's socket closes before the next person
            be(context, asgi_server, language, scene.cookies[who] if who else None)

        audit_everything(audit, scene, become)
    finally:
        context.close()
        wait_for_sockets_closed()
    assert not audit.failures, "serious or critical accessibility violations:\n" + "\n".join(audit.failures)
