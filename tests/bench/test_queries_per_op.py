"""Database queries per board op, as the websocket consumer runs it (targets: docs/benchmarks.md).

Counted with CaptureQueriesContext around what workshops.ops.run does for one op (read
the sender's place, validate, write, log) and, separately, around rendering its broadcast
(live.messages: the reads once, then the templates once per language), which runs in a
worker thread after commit. Transaction control (BEGIN, SAVEPOINT, RELEASE, COMMIT, ROLLBACK) is left
out: its count depends on the backend and on the test's own transaction.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maps.models import Sticky
from workshops import live, ops
from workshops.models import Participant, Workshop

CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK", "COMMIT")


def statements(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if not q["sql"].upper().startswith(CONTROL)]


def run(
    member: Participant, name: str, data: dict[str, Any], op_id: str, capture
) -> tuple[list[str], list[str]]:
    """(queries of the op, queries of rendering its broadcast)."""
    # The test's transaction never commits: its on-commit callbacks run when `capture` ends,
    # so the events are collected around it, as ops.run collects them at commit.
    with live.deferred() as events, capture(execute=True), CaptureQueriesContext(connection) as op_queries:
        ops.run(participant_id=member.pk, name=name, data=data, op_id=op_id)
    assert len(events) == 1
    with CaptureQueriesContext(connection) as publish_queries:
        sent = live.messages(events[0])
    assert len(sent) == 2  # one message per language
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


# The broadcast of a visible note's create, edit or move: the note alone, drawn from what the
# op read and wrote (maps.services.NoteSwap), once per language; nothing is read.
PUBLISH = 0
# Every op starts by reading the sender's place with the workshop, its map and the user
# (roles may change while a socket is open); a retry is looked up only if the op fails.
CONSUMER = 1
# A note's write, taking the map's next seq and logging the event: one statement on PostgreSQL
# (maps.events.append_after), three on SQLite (which has no INSERT or UPDATE in a WITH).
WRITE_AND_LOG = 1 if connection.vendor == "postgresql" else 3


def test_sticky_create(member, grid, note, django_capture_on_commit_callbacks):
    data = {"stage": grid["stages"][0], "lane": grid["lanes"][0], "text": "Second"}
    op, publish = run(member, "sticky.create", data, "c2", django_capture_on_commit_callbacks)
    # form: the stage and the lane, together. service: INSERT the note (its position taken in
    # the same statement) and log it.
    assert len(op) == CONSUMER + 1 + WRITE_AND_LOG, "\n".join(op)
    assert len(publish) == PUBLISH, "\n".join(publish)


def test_sticky_edit(member, note, django_capture_on_commit_callbacks):
    op, publish = run(
        member, "sticky.edit", {"sticky": note.pk, "text": "Edited"}, "e1", django_capture_on_commit_callbacks
    )
    # form: the sticky. service: UPDATE … WHERE not deleted RETURNING the note, its author's
    # names and its links (all its drawing needs), and log it.
    assert len(op) == CONSUMER + 1 + WRITE_AND_LOG, "\n".join(op)
    assert len(publish) == PUBLISH, "\n".join(publish)


def test_sticky_move(member, grid, note, django_capture_on_commit_callbacks):
    data = {"sticky": note.pk, "stage": grid["stages"][1], "lane": grid["lanes"][1], "position": 0}
    op, publish = run(member, "sticky.move", data, "m1", django_capture_on_commit_callbacks)
    # form: ids only. service: the map's lock for moves (one at a time, so that they cannot
    # deadlock) with the target's stage and lane; the note and both cells' notes, locked in id
    # order, with the note's author and links; every changed row written and the event logged.
    assert len(op) == CONSUMER + 2 + WRITE_AND_LOG, "\n".join(op)
    assert len(publish) == PUBLISH, "\n".join(publish)


def test_sticky_delete(member, note, django_capture_on_commit_callbacks):
    op, publish = run(member, "sticky.delete", {"sticky": note.pk}, "d1", django_capture_on_commit_callbacks)
    # form: the sticky. service: UPDATE … WHERE not deleted, its links deleted and the event
    # logged, in one statement on PostgreSQL (the links are one more on SQLite).
    links = 0 if connection.vendor == "postgresql" else 1
    assert len(op) == CONSUMER + 1 + WRITE_AND_LOG + links, "\n".join(op)
    assert len(publish) == PUBLISH, "\n".join(publish)


# Outside a transaction, as the consumer runs: a note's write is one statement, whose failure
# (the op id seen before) leaves nothing open, so the lookup that follows can run.
@pytest.mark.django_db(transaction=True)
def test_a_retry_costs_a_lookup_and_changes_nothing(member, grid):
    data = {"stage": grid["stages"][0], "lane": grid["lanes"][0], "text": "First"}
    ops.run(participant_id=member.pk, name="sticky.create", data=data, op_id="c1")
    note = Sticky.objects.get()
    first_seq, first = ops.run(
        participant_id=member.pk, name="sticky.edit", data={"sticky": note.pk, "text": "Edited"}, op_id="e2"
    )
    assert len(first) == 1
    with CaptureQueriesContext(connection) as queries:
        seq, broadcasts = ops.run(
            participant_id=member.pk,
            name="sticky.edit",
            data={"sticky": note.pk, "text": "Again"},
            op_id="e2",
        )
    assert (seq, broadcasts) == (first_seq, [])
    # The place, the note, the write refused (its op id is taken), then the lookup.
    assert len(statements(queries)) == CONSUMER + 1 + WRITE_AND_LOG + 1, "\n".join(statements(queries))
    assert Sticky.objects.get().text == "Edited"
