"""The map's event log: append an event under the map's next sequence number; find retries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from maps import sql
from maps.models import JourneyMap, MapEvent


def _languages(value: str) -> tuple[str, ...]:
    return tuple(value.split()) if value else ()


def _saved(event: MapEvent, pk: int, seq: int, languages: str) -> MapEvent:
    event.pk, event.seq, event.languages = pk, seq, _languages(languages)
    return sql.saved(event)


def add_language(*, journey_map_id: int, language: str) -> None:
    """A page in `language` has opened the map's room: its events are drawn in it from now on.

    Each event carries the languages its map had when it took its number (`MapEvent.languages`,
    set by `append` and `append_after`). This takes the map's row as taking a number does, so an
    event is either numbered after this (and drawn in `language`) or committed before it (and
    in what the page reads next: call this before the page reads the room). Nothing is written
    when the language is there already. Languages are never taken off: a map's room drawn in a
    language nobody reads any more costs renders, never a missing event.
    """
    sql.language_add(journey_map_id, language)


def _event(
    journey_map_id: int,
    author: AbstractBaseUser | None,
    kind: str,
    op_id: str | None,
    payload: dict[str, Any],
) -> MapEvent:
    return MapEvent(
        journey_map_id=journey_map_id,
        author=author,
        op_id=op_id or None,
        kind=kind,
        payload=payload,
        created_at=timezone.now(),
    )


def append(
    *,
    journey_map_id: int,
    author: AbstractBaseUser | None,
    kind: str,
    op_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> MapEvent:
    """Take the next number and log the event; call inside the transaction that made the change.

    The number is taken with the map's row, which stays locked until commit, so numbers are
    gap-free and every process sees the same order."""
    event = _event(journey_map_id, author, kind, op_id, payload or {})
    if connection.vendor != "postgresql":
        taken = sql.seq_take(journey_map_id)
        if taken is None:
            raise JourneyMap.DoesNotExist(journey_map_id)
        event.seq, languages = taken
        event.save(force_insert=True)
        event.languages = _languages(languages)
        return event
    # PostgreSQL takes the number and inserts the event in one round trip.
    row = sql.event_numbered(event)
    if row is None:
        raise JourneyMap.DoesNotExist(journey_map_id)
    return _saved(event, *row)


def append_after(
    write: sql.Statement,
    *,
    journey_map_id: int,
    author: AbstractBaseUser | None,
    kind: str,
    op_id: str | None = None,
    payload: dict[str, Any] | None = None,
    id_key: str | None = None,
    also: Sequence[sql.Statement] = (),
    first: sql.Statement | None = None,
) -> tuple[MapEvent | None, list[tuple[Any, ...]]]:
    """Run `write` (one INSERT or UPDATE … RETURNING) and log its event; return both.

    On PostgreSQL the write, the map's next number and the event are one statement, which is
    atomic by itself: a change made of one write needs no transaction around it (no BEGIN and
    COMMIT, two round trips of every live op; docs/decisions.md, "A note's write is one
    statement"). A write that touched no row logs nothing and takes no number: (None, []).
    `id_key` puts the first id the write returns (a new note's; `write` must return `id` first)
    into the payload under that key. `also`: more writes of the same change, made in the same
    statement after `write`; they must change nothing when `write` touches no row. `first`: a
    statement (a lock) made before `write`, in the same transaction and round trip. The map's
    row is taken after the write's rows, as every write takes it: last. No savepoint is made:
    inside a caller's transaction a failed statement (a retried op id) aborts that transaction,
    so callers that go on after one run outside a transaction, as the websocket consumer does.
    """
    payload = dict(payload or {})
    if connection.vendor != "postgresql":  # SQLite has no INSERT or UPDATE inside a WITH
        with transaction.atomic(savepoint=False):
            if first is not None:
                sql.execute(first)
            returned = sql.execute(write)
            if not returned:
                return None, []
            for statement in also:
                sql.execute(statement)
            if id_key:
                payload[id_key] = returned[0][0]
            event = append(
                journey_map_id=journey_map_id, author=author, kind=kind, op_id=op_id, payload=payload
            )
        return event, returned
    event = _event(journey_map_id, author, kind, op_id, payload)
    statement = sql.logged(write, event, id_key=id_key, also=tuple(also), first=first)
    with connection.cursor() as cursor:
        cursor.execute(*statement)
        if first is not None:
            cursor.nextset()  # past what `first` returned
        rows = cursor.fetchall()
    if not rows:
        return None, []
    if rows[0][0] is None:  # no map to log in: cannot be, as a note's map exists (a foreign key)
        raise JourneyMap.DoesNotExist(journey_map_id)
    _saved(event, *rows[0][:3])
    returned = [tuple(row[3:]) for row in rows]
    if id_key:
        event.payload[id_key] = returned[0][0]
    return event, returned


def find_op(*, journey_map_id: int, author: AbstractBaseUser, op_id: str) -> MapEvent | None:
    """The event a client's op already made on this map, if this op id was seen before.

    An op id is the client's, and a client may reuse one in another workshop: it names an op
    only together with its map and author (the log's unique constraint)."""
    return MapEvent.objects.filter(journey_map_id=journey_map_id, author=author, op_id=op_id).first()


def current_seq(*, journey_map_id: int) -> int:
    return JourneyMap.objects.values_list("seq", flat=True).get(pk=journey_map_id)
