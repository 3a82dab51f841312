"""docs/permissions.md, walked cell by cell: the document is the expectation.

Each role walks every row of the document's two tables in a world of its own (tests/walk_world.py:
one workshop with every kind of person in it, and "elsewhere", a workshop none of them is in):
every URL name over HTTP, every websocket op over one socket and again through the HTTP fallback,
each once with the workshop's own ids and once with elsewhere's ids in every id field. A cell
that differs from the document fails, listing the row as the walk saw it; so does a URL name or
op the document lacks, or a row nothing walks. Whatever was sent with elsewhere's ids, elsewhere
must be exactly as it was (its rows and its log).
"""

from __future__ import annotations

import abc
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from journeymap.asgi import application
from maps import exports
from maps import services as maps_services
from maps.models import BigQuestion, EmotionRating, Insight, MapEvent, ShareLink, StageMetric, Sticky, VoteDot
from maps.summary import map_summary
from tests import walk, walk_world
from tests.test_every_page import SKIPPED
from tests.walk_world import World
from workshops import ops, summary_views
from workshops.models import Participant, Removal, Workshop
from workshops.services import guest_user_create, participant_join

DOC = Path(__file__).resolve().parent.parent / "docs" / "permissions.md"
# The document's columns, and the roles of tests/walk_world.py they name.
COLUMNS = {
    "anonymous": "anon",
    "outsider": "outsider",
    "observer": "observer",
    "member": "member",
    "co-facilitator": "cofac",
    "facilitator": "owner",
    "share-link reader": "share",
}
ROLES = tuple(COLUMNS.values())
SOCKET_ROLES = ("observer", "member", "cofac", "owner")
NO_SOCKET = "no socket"
REFUSED_AT_CONNECT = "refused at connect"
PASSWORD = "a-long-password-9"


def read_table(heading: str) -> dict[str, dict[str, str]]:
    """The table under `## heading`: row label → role → cell, backticks dropped."""
    section = DOC.read_text().split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    lines = [line.strip() for line in section.splitlines() if line.strip().startswith("|")]
    split = [[cell.strip().replace("`", "") for cell in line.strip("|").split("|")] for line in lines]
    roles = [COLUMNS[name] for name in split[0][1:]]
    return {row[0]: dict(zip(roles, row[1:], strict=True)) for row in split[2:]}


def cell(own: str, foreign: set[str]) -> str:
    return " / ".join([own, *sorted(foreign)]) if foreign else own


def differences(table: dict[str, dict[str, str]], seen: dict[str, dict[str, str]], roles: Any) -> list[str]:
    wrong = []
    for label, cells in seen.items():
        for role in roles:
            if role in cells and cells[role] != table[label][role]:
                wrong.append(f"{label} as {role}: {cells[role]!r}, the document says {table[label][role]!r}")
    return wrong


@dataclass
class Setting:
    """The walk's world, and what the ops' rows need besides: someone to change the role of and
    remove (Ravi), someone already removed (Rex), a second note, a figure, an insight and an
    open vote to act on, a code that no longer works and a link to revoke."""

    world: World
    ravi: Participant
    rex: Removal
    old_code: str
    spare_link: ShareLink
    elsewhere_removal: Removal

    @property
    def workshop(self) -> Workshop:
        return self.world.workshop


@pytest.fixture(autouse=True)
def fast(settings: Any, monkeypatch: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LIVE_OPS_BURST = 10_000  # one socket sends every op at once
    monkeypatch.setattr(summary_views, "summary_pdf", _pdf_drawn_quickly)


def _pdf_drawn_quickly(
    *, journey_map: Any, people: Any = (), language: str | None = None, then: Any = None
) -> bytes:
    # Who may read a PDF is the question here, not how it is drawn (tests/maps draws it).
    summary = map_summary(journey_map=journey_map, then=then)
    return render_to_string("maps/summary_pdf.html", summary).encode()


@pytest.fixture
def setting(workshop, facilitator, cofacilitator, member, observer, outsider) -> Setting:
    people = {"owner": facilitator, "cofac": cofacilitator, "member": member, "observer": observer}
    world = walk_world.build(workshop=workshop, people=people, outsider=outsider)
    journey_map = workshop.journey_map
    stage, pains = journey_map.stages.first(), journey_map.lanes.get(key="pains")

    def by_owner(name: str, **data: Any) -> None:
        ops.perform(workshop=workshop, by=facilitator, name=name, data=data)

    by_owner("sticky.create", stage=stage.pk, lane=pains.pk, text="Too slow")
    by_owner("metric.add", stage=stage.pk, kind="nps", value="10")
    by_owner("insight.add", question=BigQuestion.choices[0][0], text="Ours")
    by_owner("vote.start", lane=pains.pk)
    ravi, rex = (
        participant_join(workshop=workshop, user=guest_user_create(display_name=name), display_name=name)
        for name in ("Ravi", "Rex")
    )
    by_owner("participant.remove", participant=rex.pk)
    old_code = workshop.join_code
    by_owner("joining.rotate")
    elsewhere = world.elsewhere
    gone = guest_user_create(display_name="Gone")
    return Setting(
        world=world,
        ravi=ravi,
        rex=workshop.removals.get(),
        old_code=old_code,
        spare_link=maps_services.share_link_create(journey_map=journey_map, created_by=workshop.owner),
        elsewhere_removal=Removal.objects.create(workshop=elsewhere, user=gone, display_name="Gone"),
    )


def fingerprint(workshop: Workshop) -> list[Any]:
    """Everything of a workshop an op or a page could change: its rows and its map's log."""
    workshop = Workshop.objects.get(pk=workshop.pk)
    journey_map = workshop.journey_map
    rows: list[Any] = [model_to_dict(workshop), model_to_dict(journey_map)]
    for queryset in (
        MapEvent.objects.filter(journey_map=journey_map),
        Sticky.objects.filter(journey_map=journey_map),
        journey_map.stages.all(),
        journey_map.lanes.all(),
        StageMetric.objects.filter(stage__journey_map=journey_map),
        Insight.objects.filter(journey_map=journey_map),
        EmotionRating.objects.filter(journey_map=journey_map),
        VoteDot.objects.filter(vote__journey_map=journey_map),
        ShareLink.objects.filter(journey_map=journey_map),
        workshop.participants.all(),
        workshop.removals.all(),
        workshop.steps.all(),
    ):
        rows.append([model_to_dict(row) for row in queryset.order_by("pk")])
    return rows


# == HTTP ==========================================================================================

HTTP = "HTTP views"
# What each POST sends: what its form sends when filled in (tests/walk.py finds and fills the
# forms themselves; here each is written once, so that every role sends the same).
POSTS = {
    "signup": lambda s: {
        "first_name": "Walker",
        "username": "walker",
        "password1": PASSWORD,
        "password2": PASSWORD,
    },
    "login": lambda s: {"username": "olivia", "password": "a-long-password-1"},
    "logout": lambda s: {},
    "set_language": lambda s: {"language": "en", "next": "/"},
    "workshop_list": lambda s: {"title": "Walked", "kind": "current"},
    "join_code": lambda s: {"display_name": "Walker"},
    "room_op": lambda s: {"op": "insight.add", "question": BigQuestion.choices[0][0], "text": "Walked"},
    "prepare": lambda s: {"persona": s.world.persona.pk, "scenario": "A walk"},
    "share_link_create": lambda s: {"label": "walked", "expires_on": ""},
    "share_link_revoke": lambda s: {},
    "map_import": lambda s: {
        "file": SimpleUploadedFile("map.json", exports.export_json(s.workshop.journey_map).encode())
    },
    "map_duplicate": lambda s: {"kind": "future", "title": ""},
    "map_review": lambda s: {},
    "map_follow_up": lambda s: {},
    "map_archive": lambda s: {"archived": "1"},
    "map_delete": lambda s: {},
    "persona_list": lambda s: {"name": "Walked persona"},
    "persona_edit": lambda s: {"name": "Mei again"},
}
# Rows that send something else than their form as it comes (the label's parenthesis).
VARIANTS = {
    "prepare POST (another owner's persona)": lambda s: {"persona": s.world.elsewhere_persona.pk},
    "map_compare_pick GET (another workshop in with)": lambda s: {"with": s.world.elsewhere.slug},
}
# Requests that end or change the session, or take the world apart: sent last, in this order,
# each by a fresh client of the same person.
LAST = ["logout POST", "set_language POST", "login POST", "signup POST", "join_code POST", "map_delete POST"]


def address_values(s: Setting, name: str, arg: str) -> tuple[Any, Any]:
    """An address argument's own value, and the value that names something not the role's:
    another workshop's slug or row, a revoked link's token, a code that no longer works."""
    world = s.world
    if arg == "code":
        return Workshop.objects.get(pk=s.workshop.pk).join_code, s.old_code
    if name == "share_link_revoke" and arg == "pk":
        return s.spare_link.pk, world.elsewhere_link.pk
    real, junk = world.arguments(name, arg)
    return real[0], (None if arg == "fmt" else junk[0])


def outcome(response: HttpResponse) -> str:
    if response.status_code in (301, 302, 303):
        return f"{response.status_code} {walk.url_name(response['Location']) or response['Location']}"
    return str(response.status_code)


class HttpWalk:
    def __init__(self, s: Setting, role: str) -> None:
        self.s, self.role = s, role
        self.client = s.world.client(role)
        self.patterns = {p.name: p for p in walk.patterns(SKIPPED)}
        self.problems: list[str] = []

    def row(self, label: str) -> str:
        name, method = label.split(" (")[0].split()
        client = self.s.world.client(self.role) if label in LAST else self.client
        pattern = self.patterns[name]
        values = {arg: address_values(self.s, name, arg) for arg in pattern.converters}
        data = self.data(label, name, method)
        before = fingerprint(self.s.world.elsewhere)
        query = "?" + urlencode(data) if data and method == "GET" else ""
        own_address = {arg: own for arg, (own, _other) in values.items()}
        foreign = {
            self.send(client, method, walk.fill(pattern.route, {**own_address, arg: other}) + query, data)
            for arg, (_own, other) in values.items()
            if other is not None
        }
        url = walk.fill(pattern.route, own_address) + query
        own = self.send(client, method, url, data)
        if method == "GET" and name not in POSTS:
            # An address with no POST row answers a POST as its GET: no hidden door for writes.
            posted = self.send(client, "POST", url, {})
            if posted != own:
                self.problems.append(f"POST {url} as {self.role}: {posted}, its GET {own}")
        if fingerprint(self.s.world.elsewhere) != before:
            self.problems.append(f"{label} as {self.role} changed the other workshop")
        return cell(own, foreign)

    def data(self, label: str, name: str, method: str) -> dict[str, Any]:
        if label in VARIANTS:
            return VARIANTS[label](self.s)
        if method == "POST":
            return POSTS[name](self.s)
        return walk_world.QUERIES[name](self.s.world) if name in walk_world.QUERIES else {}

    def send(self, client: Client, method: str, url: str, data: dict[str, Any]) -> str:
        return outcome(client.post(url, data) if method == "POST" else client.get(url))


@pytest.mark.parametrize("role", ROLES)
def test_every_view_answers_each_role_as_the_document_says(setting, role):
    table = read_table(HTTP)
    http_walk = HttpWalk(setting, role)
    labels = sorted(table, key=lambda label: LAST.index(label) + 1 if label in LAST else 0)
    seen = {label: {role: http_walk.row(label)} for label in labels}
    wrong = differences(table, seen, [role]) + http_walk.problems
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)


def test_the_document_names_every_url_and_nothing_else():
    names = {label.split()[0] for label in read_table(HTTP)}
    found = {p.name for p in walk.patterns(SKIPPED)}
    assert found - names == set(), "URL names docs/permissions.md lacks"
    assert names - found == set(), "docs/permissions.md names URLs that are gone"
    rows = set(read_table(HTTP))
    assert {f"{name} GET" for name in found} <= rows, "every URL name has a GET row"
    assert {label.split(" (")[0] for label in rows} - {f"{n} GET" for n in found} == {
        f"{n} POST" for n in POSTS
    }
    assert set(VARIANTS) <= rows and set(LAST) <= rows


# == The websocket and its fallback ================================================================

OPS = "Websocket ops"
# Fields that name a row, by the kind of row (a link's `to` is a note, a step.go's a step).
ID_KINDS = {f: f for f in ("step", "participant", "stage", "lane", "sticky", "metric", "insight", "removal")}
ID_KINDS["notes"] = "sticky"  # a list of notes (sticky.fold, similar.dismiss)
TO = {"step.go": "step", "sticky.link": "sticky"}


def _stage(s: Setting, index: int = 0) -> int:
    return list(s.workshop.journey_map.stages.all())[index].pk


def _note(s: Setting, text: str) -> int:
    return Sticky.objects.get(journey_map=s.workshop.journey_map, text__startswith=text).pk


def _walked_stage(s: Setting) -> int:
    stages = s.workshop.journey_map.stages
    return (stages.filter(name__startswith="Walked").first() or stages.last()).pk


def _pains(s: Setting) -> int:
    return s.workshop.journey_map.lanes.get(key="pains").pk


def _next_step(s: Setting) -> int:
    workshop = Workshop.objects.get(pk=s.workshop.pk)
    current = workshop.current_step
    return workshop.steps.filter(position__gt=current.position, skipped=False).first().pk


def _owner(s: Setting) -> int:
    return s.workshop.participants.get(user=s.workshop.owner).pk


# Each op's row, in the order the walk sends them, with the data it sends: valid for every role
# in the state the rows before it leave (a facilitator's walk changes the room as it goes).
SEQUENCE: dict[str, Any] = {
    "timer.start": lambda s: {},
    "timer.add": lambda s: {"minutes": 5},
    "timer.pause": lambda s: {},
    "timer.reset": lambda s: {},
    "step.go": lambda s: {"to": _next_step(s), "force": True},
    "step.done": lambda s: {"step": Workshop.objects.get(pk=s.workshop.pk).current_step_id, "done": True},
    "agenda.update": lambda s: {"step": s.workshop.steps.last().pk, "minutes": 12},
    "participant.role": lambda s: {"participant": s.ravi.pk, "role": "observer"},
    "participant.role (the owner)": lambda s: {"participant": _owner(s), "role": "member"},
    "participant.remove": lambda s: {"participant": s.ravi.pk},
    "participant.remove (the owner)": lambda s: {"participant": _owner(s)},
    "participant.readmit": lambda s: {"removal": s.rex.pk},
    "joining.set": lambda s: {"open": False},
    "joining.rotate": lambda s: {},
    "sticky.create": lambda s: {"stage": _stage(s), "lane": _pains(s), "text": "Walked"},
    "sticky.edit": lambda s: {"sticky": _note(s, "Too far"), "text": "Too far, edited"},
    "sticky.move": lambda s: {
        "sticky": _note(s, "Too far"),
        "stage": _stage(s, 1),
        "lane": _pains(s),
        "position": 0,
    },
    "sticky.style": lambda s: {"sticky": _note(s, "Too far"), "colour": "blue"},
    "sticky.settle": lambda s: {
        "sticky": _note(s, "Too far"),
        "evidence": "research",
        "source": "Exit survey, Nov 2026",
    },
    "sticky.link": lambda s: {"sticky": _note(s, "Too far"), "to": _note(s, "Too slow"), "linked": True},
    "sticky.editing": lambda s: {"sticky": _note(s, "Too far"), "editing": True},
    "sticky.delete": lambda s: {"sticky": _note(s, "Too slow")},
    "sticky.restore": lambda s: {"sticky": _note(s, "Too slow")},
    "sticky.fold": lambda s: {"sticky": _note(s, "Too far"), "notes": [_note(s, "Too slow")]},
    "sticky.unfold": lambda s: {"sticky": _note(s, "Too far")},
    "similar.dismiss": lambda s: {"notes": [_note(s, "Too far"), _note(s, "Too slow")]},
    "backstory.edit": lambda s: {"part": "trigger", "text": "A walk"},
    "stage.create": lambda s: {"name": "Walked stage"},
    "stage.rename": lambda s: {"stage": _walked_stage(s), "name": "Walked again"},
    "stage.move": lambda s: {"stage": _walked_stage(s), "position": 0},
    "stage.delete": lambda s: {"stage": _walked_stage(s), "confirm": True},
    "lane.visible": lambda s: {
        "lane": s.workshop.journey_map.lanes.exclude(key="pains").first().pk,
        "visible": False,
    },
    "vote.close": lambda s: {},
    "vote.start": lambda s: {"lane": _pains(s)},
    "vote.cast": lambda s: {"sticky": _note(s, "Too far"), "add": True},
    "metric.add": lambda s: {"stage": _stage(s), "kind": "nps", "value": "20"},
    "metric.remove": lambda s: {
        "metric": StageMetric.objects.filter(stage__journey_map=s.workshop.journey_map).first().pk
    },
    "insight.add": lambda s: {"question": BigQuestion.choices[0][0], "text": "Walked"},
    "insight.remove": lambda s: {
        "insight": Insight.objects.filter(journey_map=s.workshop.journey_map).first().pk
    },
    "emotion.rate": lambda s: {"stage": _stage(s), "value": 2},
    "emotion.private": lambda s: {"on": True},
    "stage.annotate": lambda s: {"stage": _stage(s), "text": "Walked"},
    "why.start": lambda s: {"stage": _stage(s), "minutes": 2},
    "emotion.why": lambda s: {"stage": _stage(s), "text": "I rated it low: the signs were missing"},
    "why.end": lambda s: {},
    "sticky.create (board locked)": lambda s: {"stage": _stage(s), "lane": _pains(s), "text": "Locked out"},
    "vote.cast (board locked)": lambda s: {"sticky": _note(s, "Too slow"), "add": True},
    "spotlight.set": lambda s: {"target": f"stage-{_stage(s)}"},
    "board.lock": lambda s: {"on": True},
    "writing.private": lambda s: {"on": True},
}
# Rows sent with the board locked (as a facilitator would have locked it) and unlocked after.
LOCKED = {"sticky.create (board locked)", "vote.cast (board locked)"}
FRAMES = {"ping": {"op": "ping", "t": 1}, "sync": {"op": "sync"}}
CONNECT, CONNECT_ELSEWHERE = "connect", "connect (another workshop)"


def foreign(s: Setting, label: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """The op's data with elsewhere's ids in every field that holds an id; None if none does."""
    ids = {**s.world.foreign_ids(), "removal": str(s.elsewhere_removal.pk)}
    name = label.split(" (")[0]
    kinds = {**ID_KINDS, "to": TO.get(name, "step")}
    swapped = {key: ids[kinds[key]] for key in data if key in kinds}
    return {**data, **swapped} if swapped else None


def set_lock(s: Setting, on: bool) -> None:
    Workshop.objects.filter(pk=s.workshop.pk).update(board_locked=on)


def log_size(s: Setting) -> int:
    return MapEvent.objects.filter(journey_map_id=s.workshop.journey_map_id).count()


class OpWalk(abc.ABC):
    """One role's walk of the ops table, through a door (`send`: the socket or the fallback)."""

    def __init__(self, s: Setting, role: str) -> None:
        self.s, self.role = s, role
        self.problems: list[str] = []

    async def db(self, function: Any, *args: Any) -> Any:
        return await database_sync_to_async(function)(*args)

    async def run(self) -> dict[str, dict[str, str]]:
        seen = {}
        for label, build in SEQUENCE.items():
            if label in LOCKED:
                await self.db(set_lock, self.s, True)
            before = await self.db(fingerprint, self.s.world.elsewhere)
            data = await self.db(build, self.s)
            other = await self.db(foreign, self.s, label, data)
            results = {await self.checked(label, other, own=False)} if other else set()
            own = await self.checked(label, data, own=True)
            seen[label] = {self.role: NO_SOCKET if own == NO_SOCKET else cell(own, results)}
            if await self.db(fingerprint, self.s.world.elsewhere) != before:
                self.problems.append(f"{label} as {self.role} changed the other workshop")
            if label in LOCKED:
                await self.db(set_lock, self.s, False)
        return seen

    async def checked(self, label: str, data: dict[str, Any], *, own: bool) -> str:
        """The op's outcome, noting it if a refused op logged a change, or if one sent with
        elsewhere's ids was not refused."""
        before = await self.db(log_size, self.s)
        result = await self.send(label.split(" (")[0], data)
        if result != "ok" and await self.db(log_size, self.s) != before:
            self.problems.append(f"{label} as {self.role} was refused ({result}) but logged a change")
        if not own and result == "ok":
            self.problems.append(f"{label} as {self.role} took another workshop's ids")
        return result

    @abc.abstractmethod
    async def send(self, name: str, data: dict[str, Any]) -> str:
        """Send one op over this walk's transport; its outcome as the table writes it."""


class SocketWalk(OpWalk):
    def __init__(self, s: Setting, role: str, socket: WebsocketCommunicator) -> None:
        super().__init__(s, role)
        self.socket = socket
        self.sent = 0

    async def send(self, name: str, data: dict[str, Any]) -> str:
        self.sent += 1
        op_id = f"walk-{self.sent}"
        await self.socket.send_to(text_data=json.dumps({"op": name, "id": op_id, "data": data}))
        return await self.answer({"ack", "error"}, op_id)

    async def frame(self, frame: dict[str, Any]) -> str:
        await self.socket.send_to(text_data=json.dumps(frame))
        return await self.answer({"pong", "snapshot", "replay", "error"}, None)

    async def answer(self, types: set[str], op_id: str | None) -> str:
        for _ in range(500):  # events of the room come in between
            message = await self.socket.receive_json_from(timeout=15)
            if message["type"] in types and message.get("id") == op_id:
                kind = message["type"]
                return "ok" if kind == "ack" else message["code"] if kind == "error" else kind
        raise AssertionError(f"no answer to {op_id}")


class FallbackWalk(OpWalk):
    """The same ops posted to the room's HTTP fallback: an ok is a redirect to the room with no
    error message, a refusal one with the refusal's message, and no socket a 404."""

    def __init__(self, s: Setting, role: str) -> None:
        super().__init__(s, role)
        self.client = s.world.client(role)
        self.url = reverse("room_op", args=[s.workshop.slug])

    async def db(self, function: Any, *args: Any) -> Any:
        # In the test's own thread and connection (Channels' wrapper would close it).
        return await sync_to_async(function)(*args)

    async def send(self, name: str, data: dict[str, Any]) -> str:
        return await self.db(self._post, name, data)

    def _post(self, name: str, data: dict[str, Any]) -> str:
        posted = {
            key: str(value).lower() if isinstance(value, bool) else value for key, value in data.items()
        }
        response = self.client.post(self.url, {"op": name, **posted})
        if response.status_code == 404:
            return NO_SOCKET
        assert outcome(response) == "302 room", (name, outcome(response))
        queued = response.wsgi_request._messages._queued_messages
        return "refused" if any(m.level_tag == "error" for m in queued) else "ok"


async def open_socket(s: Setting, role: str, workshop: Workshop) -> tuple[bool, WebsocketCommunicator]:
    def cookie() -> str:
        client = s.world.client(role)
        return client.cookies["sessionid"].value if "sessionid" in client.cookies else ""

    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    session = await database_sync_to_async(cookie)()
    if session:
        headers.append((b"cookie", f"sessionid={session}".encode()))
    socket = WebsocketCommunicator(application, f"/ws/workshops/{workshop.slug}/", headers=headers)
    connected, _code = await socket.connect(timeout=15)
    if connected:
        assert (await socket.receive_json_from(timeout=15))["type"] == "snapshot"
    return connected, socket


async def connect_rows(
    s: Setting, role: str
) -> tuple[dict[str, dict[str, str]], WebsocketCommunicator | None]:
    """The connect rows as `role`, and the open socket if there is one."""
    seen = {}
    kept = None
    for label, workshop in ((CONNECT_ELSEWHERE, s.world.elsewhere), (CONNECT, s.workshop)):
        connected, socket = await open_socket(s, role, workshop)
        seen[label] = {role: "ok" if connected else REFUSED_AT_CONNECT}
        if connected and workshop == s.workshop:
            kept = socket
        else:
            await socket.disconnect()
    return seen, kept


def expected_through_fallback(value: str) -> str:
    return " / ".join(part if part in ("ok", NO_SOCKET) else "refused" for part in value.split(" / "))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
async def test_every_op_answers_each_role_over_the_websocket_as_the_document_says(setting, role):
    table = read_table(OPS)
    seen, socket = await connect_rows(setting, role)
    problems: list[str] = []
    if socket is None:
        seen.update({label: {role: NO_SOCKET} for label in [*SEQUENCE, *FRAMES]})
    else:
        socket_walk = SocketWalk(setting, role, socket)
        try:
            seen.update(await socket_walk.run())
            for label, frame in FRAMES.items():
                seen[label] = {role: await socket_walk.frame(frame)}
        finally:
            await socket.disconnect()
        problems = socket_walk.problems
    wrong = differences(table, seen, [role]) + problems
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_every_op_answers_each_role_through_the_fallback_as_the_document_says(setting, role):
    table = read_table(OPS)
    fallback = FallbackWalk(setting, role)
    # In this thread, so that the walk's queries see the test's transaction.
    seen = async_to_sync(fallback.run)()
    expected = {label: {role: expected_through_fallback(table[label][role])} for label in SEQUENCE}
    wrong = differences(expected, seen, [role]) + fallback.problems
    assert not wrong, f"as {role}, through POST {fallback.url}:\n" + "\n".join(wrong)


def test_the_document_names_every_op_and_nothing_else():
    rows = set(read_table(OPS))
    assert {label.split(" (")[0] for label in rows} == {*ops.OPS, *FRAMES, CONNECT}
    assert rows == {*SEQUENCE, *FRAMES, CONNECT, CONNECT_ELSEWHERE}, "a row the walk does not send"
