"""A server process killed mid-write (docs/reliability.md), on the real PostgreSQL and Redis.

Two Daphne processes, A and B, serve one room. Members on A list both ports, as behind a load
balancer (`Member.ports`); members on B list B alone. While everyone writes, A is killed with
SIGKILL: it runs no `disconnect`, sends no ack nor broadcast for what it had under way. Its
members reconnect to B, send their outbox again with the same op ids and resync by seq.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from pathlib import Path

import pytest
from django.conf import settings

from bench.load import Room, seed
from bench.servers import Server, serve
from tests.conftest import NEEDS_SERVICES
from tests.e2e.conftest import database_url
from tests.faults import Loop, Member, client_loop, wait_until
from tests.test_faults_services import all_saved_once, everyone_converges, http_status, start, stop, write
from workshops.models import Participant

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True), NEEDS_SERVICES]
__all__ = ["client_loop"]  # fixtures


def gone(pid: int) -> bool:
    """The process no longer runs: reaped, or a zombie its parent has not waited for yet."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def members_on(room: Room, a: Server, b: Server, on_a: int) -> list[Member]:
    """The room's first `on_a` people on A (then B, should A go), the others on B alone."""
    return [
        Member(slug=room.slug, cookie=cookie, ports=[a.port, b.port] if i < on_a else [b.port], tag=f"m{i}")
        for i, cookie in enumerate(room.cookies)
    ]


def test_when_a_server_process_is_killed_its_members_move_to_another_and_nothing_is_lost(
    tmp_path: Path, client_loop: Loop
) -> None:
    # Four people, each writing in a cell of their own (a map has five stages; see `write`).
    [room] = seed(workshops=1, people=4)
    env = {
        "DATABASE_URL": database_url(settings.DATABASES["default"]),
        "REDIS_URL": os.environ["REDIS_URL"],
        "DEBUG": "1",
    }
    with serve("live", 2, env, tmp_path, server="daphne", production=False) as [a, b]:
        members = members_on(room, a, b, on_a=2)
        on_a, on_b = members[:2], members[2:]
        client_loop.run(start(members))
        # Each board drawn (its snapshot in), so that every note after is an event to hear live.
        wait_until(lambda: all(m.seq >= 0 for m in members), 30, "every board drawn")
        writing = asyncio.run_coroutine_threadsafe(write(members, room, 50), client_loop.loop)
        wait_until(lambda: all(len(m.acked) >= 5 for m in on_a), 60, "A's members' ops acked")
        # A broadcasts an op's event before its ack: B's members must have heard these.
        before = set().union(*(m.acked for m in on_a))
        os.kill(a.pid, signal.SIGKILL)
        wait_until(lambda: gone(a.pid), 10, "A gone")
        # What A's members write from now on reaches B alone. (An op A had sent its commit for
        # may still be saved after the kill, with no broadcast: pages find it by its seq.)
        wait_until(lambda: all(m.connections >= 2 for m in on_a), 30, "A's members on B")
        sent_to_a = {m.tag: m.count for m in on_a}
        assert not writing.done(), "the kill came after the writing ended"
        writing.result(120)

        all_saved_once(client_loop, members, room)
        # B's members heard live what A's members wrote: through Redis from A before the kill,
        # from B itself after it. Before any resync, which would make up for what was missed.
        after = {f"{m.tag}-{n}" for m in on_a for n in range(sent_to_a[m.tag] + 1, m.count + 1)}
        assert after, "A's members wrote nothing after moving to B"
        seqs = {op_id: seq for m in on_a for op_id, seq in m.acked.items()}

        def missed(member: Member) -> list[int]:
            return sorted(seqs[op_id] for op_id in (before | after) - member.heard)

        for member in on_b:
            with contextlib.suppress(AssertionError):  # the assertion below says what was missed
                wait_until(lambda m=member: not missed(m), 30)
            assert not missed(member), (member.tag, "missed", missed(member))
        everyone_converges(client_loop, members, room)
        assert all(m.port == b.port for m in on_a)
        assert all(m.connections == 1 for m in on_b), "B's members lost their sockets"
        statuses = [http_status(b, f"/w/{room.slug}/", room.cookies[i % 4]) for i in range(5)]
        assert statuses == [200] * 5
        assert all(m.refusals.count(500) == 0 for m in members), [m.refusals for m in members]
        client_loop.run(stop(members))
        # B counts its own sockets out. A's never are (docs/reliability.md): a killed process
        # runs no `disconnect`, so its members' count stays one too high.
        people = Participant.objects.filter(workshop__slug=room.slug)
        left = [f"Person {i}" for i in (2, 3)]
        wait_until(
            lambda: not people.filter(display_name__in=left, sockets__gt=0).exists(), 30, "B counts out"
        )
