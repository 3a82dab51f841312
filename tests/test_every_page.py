"""Every page a person can reach, as every kind of person, and every form on it, submitted.

Why: a facilitator once met a 500 on the prepare page in their first five minutes, because no
test had ever posted its form. This walks every URL pattern of the project (a new one fails
`test_the_walk_knows_every_url_pattern` until the tables below say how to fill it in), GETs
each as each role with the workshop's own ids and with other workshops' ids and junk, then
submits every form it finds, once as it comes and once per kind of junk, and finally fails
for any form that no role ever submitted successfully.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms
from django.contrib.messages import constants
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from maps import exports
from maps.summary import map_summary
from tests import walk, walk_world
from tests.walk_world import World
from workshops import ops, summary_views
from workshops.models import Workshop

# Route prefixes the walk leaves out, and why. Django's i18n/setlang/ is walked: the header's
# language switch posts to it.
SKIPPED = {"admin/": "Django's admin: staff only, linked from no page of the product, tested by Django"}
ROLES = ("anon", "outsider", "observer", "member", "cofac", "owner", "share")
CAN_WRITE = {"member", "cofac", "owner"}

# What a GET answers, per role (columns as ROLES; one value stands for every role), first with
# the workshop's own ids, then with another workshop's ids or junk in the address. From
# docs/sharing.md and the README: anyone outside the workshop gets a 404, never a hint that it
# exists; pages that need an account send strangers to the login page (302); POST-only
# addresses answer 405; a share link is a bearer token, so it reads the same for everyone.
# fmt: off
PAGES: dict[str, tuple[str, str]] = {
    #                        anon out obs mem cof own share   junk in the address
    "home":                ("200",                          ""),
    "signup":              ("200",                          ""),
    "login":               ("200",                          ""),
    "logout":              ("405",                          ""),
    "set_language":        ("302",                          ""),
    "workshop_list":       ("302 200 200 200 200 200 302",  ""),
    "join":                ("200",                          ""),
    "join_code":           ("200 200 302 302 302 302 200",  "404"),
    "room":                ("404 404 200 200 200 200 404",  "404"),
    "room_op":             ("405",                          "405"),
    "present":             ("404 404 404 404 200 200 404",  "404"),
    # The facilitator's suggestions; what a folded note holds (404 without a folded note's id).
    "similar_notes":       ("404 404 404 404 200 200 404",  "404"),
    "folded_notes":        ("404",                          "404"),
    "join_qr":             ("404 404 200 200 200 200 404",  "404"),
    "prepare":             ("404 404 404 404 200 200 404",  "404"),
    "summary":             ("404 404 200 200 200 200 404",  "404"),
    "summary_pdf":         ("404 404 200 200 200 200 404",  "404"),
    "share_link_create":   ("405",                          "405"),
    "share_link_revoke":   ("405",                          "405"),
    "shared_summary":      ("200",                          "404"),
    "shared_summary_pdf":  ("200",                          "404"),
    "shared_map_export":   ("200",                          "404"),
    "map_import":          ("302 405 405 405 405 405 302",  ""),
    "map_export":          ("404 404 200 200 200 200 404",  "404"),
    "map_duplicate":       ("302 405 405 405 405 405 302",  "302 405 405 405 405 405 302"),
    "map_review":          ("302 405 405 405 405 405 302",  "302 405 405 405 405 405 302"),
    "map_follow_up":       ("302 405 405 405 405 405 302",  "302 405 405 405 405 405 302"),
    "map_archive":         ("302 405 405 405 405 405 302",  "302 405 405 405 405 405 302"),
    "map_delete":          ("302 404 404 404 404 200 302",  "302 404 404 404 404 404 302"),
    # GET with ?with=<the owner's copy>, as its form sends it; the comparison needs both maps
    # facilitated, and only the owner facilitates the copy.
    "map_compare_pick":    ("404 404 404 404 302 302 404",  "404"),
    "map_compare":         ("404 404 404 404 404 200 404",  "404"),
    "persona_list":        ("302 200 200 200 200 200 302",  ""),
    "persona_edit":        ("302 404 404 404 404 200 302",  "302 404 404 404 404 404 302"),
}
# fmt: on


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    # The walk logs in and signs up several times; the default hasher takes a second each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(workshop, facilitator, cofacilitator, member, observer, outsider) -> World:
    people = {"owner": facilitator, "cofac": cofacilitator, "member": member, "observer": observer}
    return walk_world.build(workshop=workshop, people=people, outsider=outsider)


def known_patterns() -> list[walk.Pattern]:
    return [p for p in walk.patterns(SKIPPED) if p.name in PAGES]


def expected(name: str, role: str, *, junk: bool) -> int:
    statuses = PAGES[name][1 if junk else 0].split()
    return int(statuses[0] if len(statuses) == 1 else statuses[ROLES.index(role)])


def fetch(client: Client, method: str, url: str, data: Any = None) -> HttpResponse:
    try:
        return client.get(url, data) if method == "get" else client.post(url, data)
    except Exception as error:
        error.add_note(f"{method.upper()} {url} with {_short(data)}")
        raise


def _short(data: Any) -> str:
    return repr({k: [str(v)[:40] for v in vs] for k, vs in (data or {}).items()})[:400]


# -- the addresses -------------------------------------------------------------------------


def test_the_walk_knows_every_url_pattern(world):
    """A new URL pattern fails here until PAGES says who gets what and World how to fill it in."""
    found = list(walk.patterns(SKIPPED))
    unknown = [p.route for p in found if p.name not in PAGES]
    assert not unknown, f"add these to PAGES in {__file__}: {unknown}"
    assert {p.name for p in found} == set(PAGES), "PAGES names a pattern that is gone"
    for pattern in found:
        try:
            real, _junk = world.addresses(pattern)
        except KeyError as error:
            pytest.fail(f"{pattern.route}: World.arguments does not fill in {error}")
        assert all(walk.url_name(url) == pattern.name for url in real), pattern.route


def _pdf_drawn_quickly(
    *, journey_map: Any, people: Any = (), language: str | None = None, then: Any = None
) -> bytes:
    # WeasyPrint takes a second or more a page, and draws the same PDF whoever asks: the owner's
    # walk draws it for real, the others check who may read it from its HTML (tests/maps draws
    # and reads the PDF itself).
    context = map_summary(journey_map=journey_map, people=people, then=then)
    return render_to_string("maps/summary_pdf.html", context).encode()


def _stranger_sent_elsewhere(name: str, role: str, response: HttpResponse) -> bool:
    """Whether a page redirects someone without an account anywhere but to the login page
    (the language switch alone sends them back where they were)."""
    return role in ("anon", "share") and name != "set_language" and not _to_login(response)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_each_role_as_the_table_says(world, role, monkeypatch):
    if role != "owner":
        monkeypatch.setattr(summary_views, "summary_pdf", _pdf_drawn_quickly)
    client = world.client(role)
    wrong = []
    for pattern in known_patterns():
        real, junk = world.addresses(pattern)
        for url, is_junk in [(u, False) for u in real] + [(u, True) for u in junk]:
            response = fetch(client, "get", url)
            # An address no pattern matches (a slug of "²") is a 404 before any view runs.
            matched = walk.url_name(url) is not None
            want = expected(pattern.name, role, junk=is_junk) if matched else 404
            if response.status_code != want:
                wrong.append(f"{url}: {response.status_code}, expected {want}")
            elif want == 302 and _stranger_sent_elsewhere(pattern.name, role, response):
                wrong.append(f"{url}: redirects to {response['Location']}, not to the login page")
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)


# -- the forms -----------------------------------------------------------------------------

# Forms that end or change the session, or take the walk's world apart: sent last, in this
# order, each by a fresh client of the same person, so that the walk itself goes on.
LAST = ["logout", "set_language", "login", "signup", "join_code", "map_delete"]
# Pages that are files, not HTML: no forms to find.
FILES = {"summary_pdf", "shared_summary_pdf", "map_export", "shared_map_export", "join_qr"}
ROUNDS = 3  # a form that appears only once another did (Pause after Start) is found next round
ERROR_SHOWN = re.compile(r'class="[^"]*\b(?:error|form-errors|has-error)\b')
# What no type of field could guess, by where the form goes and the field's name.
KNOWN = {
    ("login", "username"): "olivia",
    ("login", "password"): "a-long-password-1",
    ("signup", "username"): "walker",
}

# Form identity (page, where it goes, op, …) → the roles that saw it / submitted it successfully,
# over every role's walk; and the roles walked.
SEEN: dict[tuple[str, ...], set[str]] = {}
SUCCEEDED: dict[tuple[str, ...], set[str]] = {}
WALKED: set[str] = set()
Identity = tuple[str, ...]


def _to_login(response: HttpResponse) -> bool:
    """Whether a redirect is login_required's, sending a stranger to log in first."""
    return response["Location"].startswith(reverse("login") + "?next=")


def _last(identity: Identity) -> str | None:
    return next((key for key in identity[1:3] if key in LAST), None)


def _error_messages(response: HttpResponse) -> list[str]:
    # The messages this request added (a redirect's are only drawn on the next page); the
    # storage's loaded ones may be older, left from an earlier request nobody followed.
    queued = response.wsgi_request._messages._queued_messages
    return [str(m) for m in queued if m.level >= constants.ERROR]


class FormWalk:
    """One role's walk: every page's forms, valid and junk, round after round."""

    def __init__(self, world: World, role: str) -> None:
        self.world, self.role = world, role
        self.client = world.client(role)
        self.succeeded: set[Identity] = set()
        self.junked: set[Identity] = set()
        self.problems: list[str] = []
        self.export = exports.export_json(world.workshop.journey_map).encode()

    def pages(self) -> list[tuple[str, str]]:
        return [
            (pattern.name, url)
            for pattern in known_patterns()
            if pattern.name not in FILES and PAGES[pattern.name][0] != "405"
            for url in self.world.addresses(pattern)[0]
        ]

    def forms(self, client: Client, page: str, url: str) -> list[walk.Found]:
        response = fetch(client, "get", url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            return []
        op_url = reverse("room_op", args=[self.world.workshop.slug])
        found = walk.find_forms(page, url, response.content.decode(), op_url)
        for each in found:
            SEEN.setdefault(each.identity, set()).add(self.role)
        return found

    def run(self) -> None:
        last: dict[Identity, tuple[str, str, walk.Found]] = {}
        for _round in range(ROUNDS):
            sent = False
            for page, url in self.pages():
                for found in self.forms(self.client, page, url):
                    if found.identity in self.succeeded:
                        continue
                    if _last(found.identity):
                        last[found.identity] = (page, url, found)
                        continue
                    self.submit(self.client, found)
                    sent = True
            if not sent:
                break
        for identity, (page, url, found) in sorted(last.items(), key=lambda item: LAST.index(_last(item[0]))):
            client = self.world.client(self.role)
            form = found
            if _last(identity) == "map_delete":  # asks about what is there now: a fresh page
                form = next((f for f in self.forms(client, page, url) if f.identity == identity), None)
            if form is not None:
                self.submit(client, form)

    def valid(self, found: walk.Found) -> dict[str, list[Any]]:
        known = {field: value for (where, field), value in KNOWN.items() if where == found.identity[1]}
        if found.identity[1] == "join":
            known["code"] = self.world.workshop.join_code
        files = {"file": lambda: SimpleUploadedFile("map.json", self.export, "application/json")}
        return {**walk.valid_data(found.form, known, files), **found.extra}

    def submit(self, client: Client, found: walk.Found) -> None:
        if self.check(client, found, self.valid(found), valid=True):
            self.succeeded.add(found.identity)
            SUCCEEDED.setdefault(found.identity, set()).add(self.role)
        if found.identity[1:] in self.junked:  # the same form on another page: junked already
            return
        self.junked.add(found.identity[1:])
        for junk in walk.junk_variants(self.valid(found), keep={"op"}, foreign=self.world.foreign_ids()):
            self.check(client, found, junk, valid=False)
        # Junk may have undone it (an archive's junk restores): leave what the person asked for,
        # so that the forms it brings (Restore) are found next round.
        self.check(client, found, self.valid(found), valid=True)

    def check(self, client: Client, found: walk.Found, data: dict[str, list[Any]], *, valid: bool) -> bool:
        """Sends the form; notes what is wrong; True if it did what the person asked."""
        before = None if self.role in CAN_WRITE else self.world.counts()
        response = fetch(client, found.method, found.url, data)
        status = response.status_code
        kind = "valid" if valid else "junk"
        where = (
            f"{found.method.upper()} {found.url} as {self.role} ({kind}, {found.identity}, {_short(data)})"
        )
        joined = valid and found.identity[1] == "join_code"  # joining is what that form is for
        if before is not None and not joined and self.world.counts() != before:
            self.problems.append(f"{where}: someone who may not write changed the map")
        if status in (301, 302, 303):
            return not _error_messages(response) and not _to_login(response)
        if status in (200, 400):
            shown = bool(ERROR_SHOWN.search(response.content.decode()))
            if (status == 400 or found.method == "post") and not shown:
                self.problems.append(f"{where}: answered {status} without saying what is wrong")
            return status == 200 and not shown
        if status not in (403, 404, 429):  # not allowed, not there, too many tries
            self.problems.append(f"{where}: answered {status}")
        return False


@pytest.mark.parametrize("role", ROLES)
def test_every_form_on_every_page_submits_without_a_server_error(world, role):
    form_walk = FormWalk(world, role)
    form_walk.run()
    WALKED.add(role)
    assert not form_walk.problems, f"as {role}:\n" + "\n".join(form_walk.problems)


def test_every_form_was_submitted_successfully_by_someone():
    assert set(ROLES) == WALKED, "run the whole module: this test reads what the walks found"
    never = sorted(" · ".join(identity) for identity in SEEN if identity not in SUCCEEDED)
    assert not never, "no role ever submitted these forms successfully:\n" + "\n".join(never)


# -- what the walk found (each a 500 before) ---------------------------------------------------


def test_a_username_longer_than_any_account_s_is_refused_before_it_is_looked_up(world):
    # django-axes recorded the failed login with the whole username: too long for its column.
    response = world.client("anon").post(reverse("login"), {"username": "x" * 10_000, "password": "p"})
    assert response.status_code == 200
    assert "Ensure this value has at most 150 characters" in response.content.decode()


@pytest.mark.parametrize("address", ["/w/%00/", "/s/%00/", "/w/{slug}/compare/%00/"])
def test_an_address_with_a_nul_names_nothing(world, address):
    # PostgreSQL refuses a NUL in a query; an id with one is no slug, so nothing is looked up.
    url = address.format(slug=world.workshop.slug)
    assert fetch(world.client("owner"), "get", url).status_code == 404


@pytest.mark.parametrize("other", ["a/b", "\x00", ""])
def test_comparing_with_what_is_no_workshop_is_a_404(world, other):
    url = reverse("map_compare_pick", args=[world.workshop.slug])
    assert fetch(world.client("owner"), "get", url, {"with": other}).status_code == 404


# -- the fallback's ops, with no form on any page ---------------------------------------------


def _op_value(world: World, name: str, field: Any) -> str:
    """A value a script would send for an op's field: the workshop's own row, or a plausible one."""
    journey_map = world.workshop.journey_map
    rows = {
        "stage": journey_map.stages.first(),
        "lane": journey_map.lanes.get(key="pains"),
        "sticky": journey_map.stickies.first(),
        "to": journey_map.stickies.first(),
        "step": world.workshop.steps.last(),
        "participant": world.workshop.participants.exclude(user=world.users["owner"]).first(),
    }
    if rows.get(name) is not None:
        return str(rows[name].pk)
    if isinstance(field, forms.ModelChoiceField):  # a row the workshop does not have yet
        return "1"
    if isinstance(field, forms.BooleanField):
        return "true"
    if isinstance(field, forms.ChoiceField):
        return str(next(value for value, _label in field.choices if value != ""))
    if isinstance(field, forms.IntegerField | forms.DecimalField):
        return str(field.min_value if field.min_value is not None else 1)
    return "A walk through every op"


@pytest.mark.parametrize("role", ["member", "owner"])
def test_every_op_of_the_fallback_takes_junk_without_a_server_error(world, role):
    """The fallback runs every op the websocket does, form or none: each, with junk."""
    client = world.client(role)
    url = reverse("room_op", args=[world.workshop.slug])
    for name, op in [*ops.OPS.items(), ("²", ops.OPS["timer.start"])]:
        valid = {field: [_op_value(world, field, f)] for field, f in op.form.base_fields.items()}
        for data in [valid, *walk.junk_variants(valid, keep=set(), foreign=world.foreign_ids())]:
            response = fetch(client, "post", url, {"op": [name], **data})
            assert response.status_code == 302, (name, _short(data), response.status_code)
            assert response["Location"] == reverse("room", args=[world.workshop.slug])


# -- uploads -------------------------------------------------------------------------------

IMPORT_ERRORS = {
    "not-json.json": "The file is not valid JSON",
    "wrong-shape.json": "title: missing",  # the path of what is wrong
    "a-list.json": "not a Journeymap export",
    "nested.json": "The file is not valid JSON",
    "binary.json": "The file is not UTF-8 text",
    "empty.json": "The submitted file is empty.",
}


@pytest.mark.parametrize(("name", "content"), walk.JUNK_FILES, ids=[n for n, _c in walk.JUNK_FILES])
def test_an_import_of_junk_says_what_is_wrong_with_the_file(world, name, content):
    before = Workshop.objects.count()
    upload = SimpleUploadedFile(name, content, content_type="application/json")
    response = fetch(world.client("owner"), "post", reverse("map_import"), {"file": upload})
    page = response.content.decode()
    assert response.status_code == 400
    assert IMPORT_ERRORS[name] in page, page[page.find("has-error") :][:600]
    assert Workshop.objects.count() == before


def test_an_import_of_a_valid_export_makes_a_new_map(world):
    upload = SimpleUploadedFile("map.json", exports.export_json(world.workshop.journey_map).encode())
    response = fetch(world.client("owner"), "post", reverse("map_import"), {"file": upload})
    new = Workshop.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == reverse("room", args=[new.slug])
    assert new.journey_map.stickies.get().text == "Too far"
