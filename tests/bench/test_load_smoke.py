"""The load generator end to end on a small profile: counts, not times (bench/load.py).

2 workshops x 3 people, 2 ops/s each for 3 s, against a real Daphne on the test database
(whatever DATABASE_URL/REDIS_URL the suite runs on). Every op must be persisted and reach
every socket of its workshop exactly once, every numbered event after a socket's snapshot
must reach it once, and every socket's view of the board must equal the database.
"""

from __future__ import annotations

import pytest

from bench.load import PROFILES, measure, seed
from tests.e2e.conftest import (
    asgi_server,  # noqa: F401 (the fixture: Daphne on the test database)
    wait_for_sockets_closed,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_small_load_loses_nothing_and_every_view_equals_the_database(asgi_server: str) -> None:  # noqa: F811
    profile = PROFILES["smoke"]
    rooms = seed(workshops=profile.workshops, people=profile.people)
    port = int(asgi_server.rsplit(":", 1)[1])
    result, run = measure(
        target="live",
        rooms=rooms,
        ports=[port],
        rate=profile.rate,
        duration=profile.duration,
        warmup=0.5,
        drain=60,  # returns once every op is answered and delivered; generous for a busy machine
    )
    wait_for_sockets_closed()
    sockets = profile.workshops * profile.people
    assert result["sockets"] == sockets
    assert result["ops_sent"] > 0
    assert result["ops_persisted"] == result["ops_sent"], result
    assert result["errors"] == {} and result["unanswered"] == 0, result
    assert result["deliveries"] == result["ops_persisted"] * profile.people, result
    assert (result["lost"], result["duplicated"]) == (0, 0), result
    assert (result["log_events_lost"], result["log_events_duplicated"]) == (0, 0), result
    assert result["views_differing_from_db"] == 0, result
    # Edits and moves ran too, not only creates; and the notes are in the database.
    assert {op.name for op in run.ops.values()} >= {"sticky.create", "sticky.edit"}
    assert result["notes_in_db"] > 0
