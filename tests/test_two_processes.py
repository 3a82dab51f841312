"""Two Daphne processes sharing PostgreSQL and Redis make one room (DESIGN.md, "Configuration").

Daphne is what `make run` serves; production runs uvicorn, which the browser tests and the
service-fault tests use, so the suite proves both servers.

Two members of one workshop, each connected to a different server process, write notes
(create, then edit and move their own). Each must see every one of the other's changes,
which the other process published through Redis: every numbered event after its snapshot
exactly once, the other's ops matched by op id, and, applied in seq order (as the client
does), a board equal to the database.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from bench.load import measure, seed
from bench.servers import serve
from tests.conftest import NEEDS_SERVICES
from tests.e2e.conftest import database_url, wait_for_sockets_closed

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@NEEDS_SERVICES
def test_two_server_processes_share_one_room(tmp_path: Path, django_db_setup: None) -> None:
    [room] = rooms = seed(workshops=1, people=2)
    env = {"DATABASE_URL": database_url(settings.DATABASES["default"]), "DEBUG": "1"}
    with serve("live", 2, env, tmp_path, server="daphne", production=False) as servers:
        ports = [server.port for server in servers]
        # `drain`: how long every op may take to be answered and delivered after the last is sent
        # (it returns as soon as they are); generous, for a busy machine.
        result, run = measure(
            target="live", rooms=rooms, ports=ports, rate=5.0, duration=3, warmup=0.5, drain=60
        )
        wait_for_sockets_closed()
    first, second = run.sockets
    assert (first.port, second.port) == tuple(ports)  # one member on each process
    assert result["ops_persisted"] == result["ops_sent"] > 0, result
    assert result["errors"] == {} and result["unanswered"] == 0, result
    for me, other in ((first, second), (second, first)):
        theirs = {op_id for op_id, op in run.ops.items() if op.sender == id(other)}
        seen = Counter(op_id for _seq, op_id, _at in me.arrivals if op_id in theirs)
        assert theirs and set(seen) == theirs, "an op of the other process's member did not arrive"
        assert max(seen.values()) == 1, "an event arrived twice"
        # Every numbered event after the snapshot, once; in seq order they make the database's board.
        seqs = [seq for seq, _op, _at in me.arrivals if seq is not None and seq > me.snapshot_seq]
        last = run.final_seq[room.journey_map_id]
        assert sorted(seqs) == list(range(me.snapshot_seq + 1, last + 1))
        kinds = Counter(op.name for op_id, op in run.ops.items() if op_id in theirs)
        assert kinds["sticky.create"] > 0
    assert result["views_differing_from_db"] == 0, result
    assert (result["lost"], result["duplicated"], result["log_events_lost"]) == (0, 0, 0), result
