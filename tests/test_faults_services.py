"""Faults heal with no reload (docs/reliability.md), on the real PostgreSQL and Redis, never stopped.

A uvicorn subprocess (as production serves) reaches PostgreSQL and Redis through proxies
(tests/faults.py) that a test cuts and restores. Members' sockets behave as the page does
(resend with the same op id on `unavailable` and after a reconnect, resync by seq). In each
test: every op is acknowledged and saved exactly once, every member's board ends equal to the
database's, and no request or handshake answers 500.
"""

from __future__ import annotations

import asyncio
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from bench.load import Room, View, database_views, seed
from bench.servers import Server, serve
from maps.models import JourneyMap, MapEvent, Sticky
from tests.conftest import NEEDS_SERVICES
from tests.e2e.conftest import database_url
from tests.faults import Loop, Member, Proxy, address_of, client_loop, make_proxy, wait_until
from workshops.models import Workshop

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True), NEEDS_SERVICES]
__all__ = ["client_loop", "make_proxy"]  # fixtures


@pytest.fixture
def proxies(make_proxy: Any) -> tuple[Proxy, Proxy]:
    """(PostgreSQL's, Redis's) proxies for a server process to reach the services through."""
    database = address_of(database_url(settings.DATABASES["default"]), 5432)
    return make_proxy(database), make_proxy(address_of(os.environ["REDIS_URL"], 6379))


@contextmanager
def servers(count: int, proxies: tuple[Proxy, Proxy], log_dir: Path) -> Iterator[list[Server]]:
    """`count` uvicorn processes (as production serves) reaching the test database and Redis
    through `proxies`."""
    database, redis = proxies
    env = {
        "DATABASE_URL": database.url(database_url(settings.DATABASES["default"])),
        "REDIS_URL": redis.url(os.environ["REDIS_URL"]),
        "DEBUG": "1",
    }
    with serve("live", count, env, log_dir, server="uvicorn", production=False) as started:
        yield started


def members_of(room: Room, ports: list[int]) -> list[Member]:
    return [
        Member(slug=room.slug, cookie=cookie, ports=[ports[i % len(ports)]], tag=f"m{i}")
        for i, cookie in enumerate(room.cookies)
    ]


async def start(members: list[Member]) -> None:
    for member in members:
        member.start()
    for member in members:
        await asyncio.wait_for(member.online.wait(), 60)


async def stop(members: list[Member]) -> None:
    for member in members:
        await member.stop()


async def write(members: list[Member], room: Room, count: int, every: float = 0.1) -> None:
    """Each member adds `count` notes, one every `every` seconds, online or not.

    Each in a cell of their own: two notes added to one cell at the same instant can take the
    same position (maps.services.sticky_create), and the page and a reload then order them
    differently, a fault of its own that these tests are not about."""
    for _ in range(count):
        for i, member in enumerate(members):
            await member.create_note(room.stages[i % len(room.stages)], room.lanes[0])
        await asyncio.sleep(every)


async def sync_all(members: list[Member]) -> None:
    for member in members:
        await member.sync()


CSRF = "k" * 32  # a CSRF secret of our own, sent as the cookie and in the form alike


def http_status(server: Server, path: str, cookie: str, form: dict[str, str] | None = None) -> int:
    """The status of a GET, or of a POST of `form` (redirects not followed)."""
    data = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": CSRF}).encode() if form else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.port}{path}",
        data=data,
        headers={"Cookie": f"sessionid={cookie}; csrftoken={CSRF}"},
    )
    opener = urllib.request.build_opener(NoRedirects)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def all_saved_once(loop: Loop, members: list[Member], room: Room) -> None:
    """Every op acked (each member's outbox empty), and acknowledged ops = rows: each once."""
    wait_until(lambda: not any(m.outbox for m in members), 120, "every op acknowledged")
    sent = {op_id for m in members for op_id in m.acked}
    assert not any(m.refused for m in members), [m.refused for m in members]
    texts = Counter(Sticky.objects.filter(journey_map_id=room.journey_map_id).values_list("text", flat=True))
    assert texts == Counter(f"note {op_id}" for op_id in sent), "an op was lost or saved twice"
    logged = Counter(
        MapEvent.objects.filter(journey_map_id=room.journey_map_id, op_id__in=sent).values_list(
            "op_id", flat=True
        )
    )
    assert logged == Counter(sent)
    # Each ack names the event its op made.
    seqs = dict(
        MapEvent.objects.filter(journey_map_id=room.journey_map_id, op_id__in=sent).values_list(
            "op_id", "seq"
        )
    )
    assert all(m.acked == {i: seqs[i] for i in m.acked} for m in members)


def diff(view: View, board: View) -> list[tuple[Any, ...]]:
    """Each cell a member draws otherwise than the database: (cell, missing notes, extra notes)."""
    cells = sorted(cell for cell in set(view) | set(board) if view.get(cell) != board.get(cell))
    return [
        (c, set(board.get(c, [])) - set(view.get(c, [])), set(view.get(c, [])) - set(board.get(c, [])))
        for c in cells
    ]


def everyone_converges(loop: Loop, members: list[Member], room: Room) -> None:
    """Each member's board, folded as the page folds it, ends equal to the database's."""
    last = JourneyMap.objects.get(pk=room.journey_map_id).seq
    [board] = database_views([room])
    deadline = time.monotonic() + 60
    while not all(m.seq >= last and m.board() == board for m in members):
        assert time.monotonic() < deadline, [(m.tag, m.seq, last, diff(m.board(), board)) for m in members]
        loop.run(sync_all(members))  # as the page does on a gap it cannot fill
        time.sleep(0.5)


def test_a_database_outage_is_answered_unavailable_and_every_op_is_saved_once_after(
    tmp_path: Path, proxies: tuple[Proxy, Proxy], client_loop: Loop
) -> None:
    [room] = seed(workshops=1, people=3)
    database, _redis = proxies
    with servers(1, proxies, tmp_path) as [server]:
        members = members_of(room, [server.port])
        client_loop.run(start(members))
        writing = asyncio.run_coroutine_threadsafe(write(members, room, 60), client_loop.loop)
        wait_until(lambda: sum(len(m.acked) for m in members) >= 6, 60, "ops acked before the outage")
        with database.outage():
            began = time.monotonic()
            wait_until(lambda: any(m.unavailable for m in members), 60, "an op answered `unavailable`")
            wait_until(lambda: time.monotonic() - began > 4, 10)  # a few seconds' outage
        writing.result(120)
        all_saved_once(client_loop, members, room)
        everyone_converges(client_loop, members, room)
        # No pooled connection the outage broke reaches a request: every one answers 200.
        statuses = [http_status(server, f"/w/{room.slug}/", room.cookies[i % 3]) for i in range(30)]
        assert statuses == [200] * 30
        assert all(m.refusals.count(500) == 0 for m in members)
        client_loop.run(stop(members))


@contextmanager
def after_a_redis_outage(
    tmp_path: Path, proxies: tuple[Proxy, Proxy], loop: Loop
) -> Iterator[tuple[Server, Room, list[Member]]]:
    """Two members writing; Redis cut while someone opens the room and they write on; restored."""
    [room] = seed(workshops=1, people=3)
    with servers(1, proxies, tmp_path) as [server]:
        *members, newcomer = members_of(room, [server.port])
        loop.run(start(members))
        loop.run(write(members, room, 5))
        all_saved_once(loop, members, room)
        knocks: list[int] = []
        with proxies[1].outage():
            # Someone opens the room while Redis is away: refused, maybe, but never a 500.
            while len(knocks) < 3:
                knocks.append(loop.run(newcomer.knock(), 60))
            loop.run(write(members, room, 5))
        assert 500 not in knocks, knocks
        wait_until(lambda: loop.run(newcomer.knock(), 60) == 101, 60, "a handshake accepted again")
        try:
            yield server, room, members
        finally:
            loop.run(stop(members))


def test_after_a_redis_outage_every_op_is_saved_once_and_every_board_converges(
    tmp_path: Path, proxies: tuple[Proxy, Proxy], client_loop: Loop
) -> None:
    with after_a_redis_outage(tmp_path, proxies, client_loop) as (server, room, members):
        client_loop.run(write(members, room, 3))
        all_saved_once(client_loop, members, room)
        everyone_converges(client_loop, members, room)
        statuses = [http_status(server, f"/w/{room.slug}/", room.cookies[i % 3]) for i in range(10)]
        assert statuses == [200] * 10
        assert all(m.refusals.count(500) == 0 for m in members), [m.refusals for m in members]


def test_after_a_redis_outage_every_socket_hears_the_others_live_again(
    tmp_path: Path, proxies: tuple[Proxy, Proxy], client_loop: Loop
) -> None:
    with after_a_redis_outage(tmp_path, proxies, client_loop) as (_server, room, members):
        # Each member writes one note and waits to hear the other's live: the room's groups
        # came back, not only the database the pages resync from.
        ids = [client_loop.run(m.create_note(room.stages[i], room.lanes[0])) for i, m in enumerate(members)]
        for member in members:
            others = {op_id for op_id in ids if not op_id.startswith(f"{member.tag}-")}
            wait_until(lambda m=member, o=others: o <= m.heard, 60, f"{member.tag} hears the others live")


def test_while_redis_is_away_pages_and_forms_answer_and_nothing_is_lost(
    tmp_path: Path, proxies: tuple[Proxy, Proxy], client_loop: Loop
) -> None:
    """Over HTTP: pages load, a note posted without JavaScript is saved (its broadcast is lost
    and found later by its seq), and joining by code is paused with a clear page, never a 500."""
    [room] = seed(workshops=1, people=2)
    workshop = Workshop.objects.get(slug=room.slug)
    with servers(1, proxies, tmp_path) as [server]:
        listener = members_of(room, [server.port])[0]
        client_loop.run(start([listener]))
        note = {"op": "sticky.create", "stage": str(room.stages[0]), "lane": str(room.lanes[0])}
        with proxies[1].outage():
            assert http_status(server, f"/w/{room.slug}/", room.cookies[1]) == 200
            posted = http_status(server, f"/w/{room.slug}/op/", room.cookies[1], {**note, "text": "by form"})
            assert posted == 302  # back to the room, saved
            assert http_status(server, f"/join/{workshop.join_code}/", "") == 503
            assert http_status(server, f"/w/{room.slug}/summary/", room.cookies[1]) == 200
        assert Sticky.objects.filter(journey_map_id=room.journey_map_id, text="by form").count() == 1
        # The listener heard nothing of it live, and finds it by its seq once Redis is back.
        everyone_converges(client_loop, [listener], room)
        assert http_status(server, f"/join/{workshop.join_code}/", "") == 200
        assert listener.refusals.count(500) == 0
        client_loop.run(stop([listener]))
