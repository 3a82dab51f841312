"""Database queries per board op, as the websocket consumer runs it (issue 4: target ≤ 4).

Counted with CaptureQueriesContext around what RoomConsumer._perform does for one op (read
the sender's place, look for a retry, validate, write, log) and, separately, around the
broadcast that runs after commit (live.publish: render once per language). Transaction
control (BEGIN, SAVEPOINT, RELEASE, COMMIT) is left out: its count depends on the backend
and on the test's own transaction.

These tests pin today's counts, which are above the target; docs/benchmarks.md says which
queries could go. Lower the numbers here when the app does fewer.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maps.models import Sticky
from workshops.consumers import RoomConsumer
from workshops.models import Participant, Workshop

CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "COMMIT")


def statements(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if not q["sql"].upper().startswith(CONTROL)]


def run(
    member: Participant, name: str, data: dict[str, Any], op_id: str, capture
) -> tuple[list[str], list[str]]:
    """(queries of the op, queries of its broadcast)."""
    consumer = RoomConsumer()
    consumer.participant = member
    with capture(execute=False) as callbacks, CaptureQueriesContext(connection) as op_queries:
        consumer._perform(name, data, op_id)
    with CaptureQueriesContext(connection) as publish_queries:
        for callback in callbacks:
            callback()
    return statements(op_queries), statements(publish_queries)


@pytest.fixture
def grid(workshop: Workshop) -> dict[str, list[int]]:
    journey_map = workshop.journey_map
    return {
        "stages": list(journey_map.stages.values_list("pk", flat=True)),
        "lanes": list(journey_map.lanes.values_list("pk", flat=True)),
    }


@pytest.fixture
def note(member: Participant, grid, django_capture_on_commit_callbacks) -> Sticky:
    data = {"stage": grid["stages"][0], "lane": grid["lanes"][0], "text": "First"}
    run(member, "sticky.create", data, "setup", django_capture_on_commit_callbacks)
    return Sticky.objects.get()


# The broadcast of one note op, whichever: the workshop's map id; who has hidden notes in the
# cell(s); then for each of the two languages: the map, its stages, the stages' metrics
# (prefetch), its lanes, the cell's notes with authors, their links (prefetch). Rendering per
# language repeats all six reads.
PUBLISH = 2 + 2 * 6
# What every op costs in the consumer before its own work: the sender's participant with the
# workshop (roles may change); the sender's user (by.user, not select_related); the retry
# lookup (author, op_id).
CONSUMER = 3


def test_sticky_create(member, grid, note, django_capture_on_commit_callbacks):
    data = {"stage": grid["stages"][0], "lane": grid["lanes"][0], "text": "Second"}
    op, publish = run(member, "sticky.create", data, "c2", django_capture_on_commit_callbacks)
    # form: stage, lane. service: the private_writing flag; the workshop with its map again;
    # MAX(position) in the cell; INSERT sticky; UPDATE map seq RETURNING; INSERT event.
    assert len(op) == CONSUMER + 2 + 6, "\n".join(op)
    assert len(publish) == PUBLISH, "\n".join(publish)


def test_sticky_edit(member, note, django_capture_on_commit_callbacks):
    op, publish = run(
        member, "sticky.edit", {"sticky": note.pk, "text": "Edited"}, "e1", django_capture_on_commit_callbacks
    )
    # form: the sticky. service: the workshop with its map; the note again (_alive);
    # UPDATE sticky; UPDATE map seq RETURNING; INSERT event.
    assert len(op) == CONSUMER + 1 + 5, "\n".join(op)
    assert len(publish) == PUBLISH, "\n".join(publish)


def test_sticky_move(member, grid, note, django_capture_on_commit_callbacks):
    data = {"sticky": note.pk, "stage": grid["stages"][1], "lane": grid["lanes"][1], "position": 0}
    op, publish = run(member, "sticky.move", data, "m1", django_capture_on_commit_callbacks)
    # form: sticky, stage, lane. service: the workshop with its map; the note again (_alive);
    # the notes of the source cell (renumbered; no UPDATE when it is left empty); the notes of
    # the target cell; UPDATE sticky (cell); UPDATE positions (one CASE statement);
    # UPDATE map seq RETURNING; INSERT event.
    assert len(op) == CONSUMER + 3 + 8, "\n".join(op)
    # Two cells, still one notes query per language.
    assert len(publish) == PUBLISH, "\n".join(publish)
