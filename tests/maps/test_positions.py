"""Notes added to, and moved into, one cell at the same instant end at distinct positions.

A note's position is taken from the notes of its cell as saved; on PostgreSQL two writers of
one map read and write positions one at a time (`maps.sql.POSITIONS_LOCK`). SQLite has one
writer at a time anyway, so these tests run on PostgreSQL only.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

import pytest
from django.db import connections

from maps import services
from maps.models import MapKind, Sticky

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL: set DATABASE_URL (SQLite has one writer at a time)",
    ),
]

WRITERS = 16
ROUNDS = 40


def all_at_once(actions: list[Callable[[], object]]) -> None:
    """Run each action on a thread (and a connection) of its own, released together."""
    start = threading.Barrier(len(actions))
    errors: list[BaseException] = []

    def run(action: Callable[[], object]) -> None:
        try:
            start.wait(timeout=30)
            action()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []


def in_rounds(
    rounds: int, *workers: Callable[[int], object], check: Callable[[], list[int]]
) -> list[list[int]]:
    """Each worker on a thread of its own, all released together in each round; after each
    round, what `check` reads (in this thread), before the next round starts."""
    start, done = threading.Barrier(len(workers) + 1), threading.Barrier(len(workers) + 1)
    errors: list[BaseException] = []

    def run(worker: Callable[[int], object]) -> None:
        try:
            for n in range(rounds):
                start.wait(timeout=30)
                try:
                    worker(n)
                finally:
                    done.wait(timeout=30)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    seen = []
    for _n in range(rounds):
        start.wait(timeout=30)
        done.wait(timeout=30)
        seen.append(check())
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return seen


@pytest.fixture
def journey_map(owner):
    return services.map_create(owner=owner, title="Busy cell", kind=MapKind.CURRENT_STATE)


def positions(stage, lane) -> list[int]:
    return sorted(
        Sticky.objects.filter(stage=stage, lane=lane, deleted_at=None).values_list("position", flat=True)
    )


def test_notes_added_to_one_cell_at_once_take_distinct_positions(journey_map, owner):
    stage, lane = journey_map.stages.first(), journey_map.lanes.first()

    def add(n: int) -> Callable[[], object]:
        return lambda: services.sticky_create(
            journey_map=journey_map, author=owner, stage=stage, lane=lane, text=f"note {n}"
        )

    all_at_once([add(n) for n in range(WRITERS)])
    assert positions(stage, lane) == list(range(WRITERS))


def test_a_note_moved_into_a_cell_while_another_is_added_takes_its_own_position(journey_map, owner):
    """A move renumbers its cells from what it reads: in each round one note is added to the
    cell while another is moved in at the top, and the cell is checked before the next round
    (a later move would number the cell afresh and hide what happened)."""
    stages = list(journey_map.stages.all())
    lane = journey_map.lanes.first()
    target, source = stages[0], stages[1]
    away = [
        services.sticky_create(
            journey_map=journey_map, author=owner, stage=source, lane=lane, text=f"away {n}"
        ).sticky
        for n in range(ROUNDS)
    ]
    seen = in_rounds(
        ROUNDS,
        lambda n: services.sticky_create(
            journey_map=journey_map, author=owner, stage=target, lane=lane, text=f"new {n}"
        ),
        lambda n: services.sticky_move(
            journey_map=journey_map, author=owner, sticky=away[n], stage=target, lane=lane, position=0
        ),
        check=lambda: positions(target, lane),
    )
    assert seen == [list(range(2 * n + 2)) for n in range(ROUNDS)]


def test_a_note_restored_to_a_cell_while_another_is_added_takes_its_own_position(journey_map, owner):
    """A restore puts the note back where it was and renumbers the cell, as a move does."""
    stage, lane = journey_map.stages.first(), journey_map.lanes.first()
    deleted = []
    for n in range(ROUNDS):
        sticky = services.sticky_create(
            journey_map=journey_map, author=owner, stage=stage, lane=lane, text=f"old {n}"
        ).sticky
        deleted.append(sticky)
    for sticky in deleted:
        services.sticky_delete(journey_map=journey_map, author=owner, sticky=sticky)
    seen = in_rounds(
        ROUNDS,
        lambda n: services.sticky_create(
            journey_map=journey_map, author=owner, stage=stage, lane=lane, text=f"new {n}"
        ),
        lambda n: services.sticky_restore(journey_map=journey_map, author=owner, sticky=deleted[n]),
        check=lambda: positions(stage, lane),
    )
    assert seen == [list(range(2 * n + 2)) for n in range(ROUNDS)]
