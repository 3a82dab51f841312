"""The map's event log: append an event under the map's next sequence number; find retries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from maps.models import JourneyMap, MapEvent


def _take_number(*, journey_map_id: int) -> tuple[int, str]:
    # One statement takes the number and locks the map row until commit, so numbers are
    # gap-free and every process sees the same order.
    table = JourneyMap._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET seq = seq + 1 WHERE id = %s RETURNING seq, languages", [journey_map_id]
        )
        row = cursor.fetchone()
    if row is None:
        raise JourneyMap.DoesNotExist(journey_map_id)
    return int(row[0]), row[1]


def _languages(value: str) -> tuple[str, ...]:
    return tuple(value.split()) if value else ()


def add_language(*, journey_map_id: int, language: str) -> None:
    """A page in `language` has opened the map's room: its events are drawn in it from now on.

    Each event carries the languages its map had when it took its number (`MapEvent.languages`,
    set by `append` and `append_after`). This takes the map's row as taking a number does, so an
    event is either numbered after this (and drawn in `language`) or committed before it (and
    in what the page reads next: call this before the page reads the room). Nothing is written
    when the language is there already. Languages are never taken off: a map's room drawn in a
    language nobody reads any more costs renders, never a missing event.
    """
    table = JourneyMap._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET languages = TRIM(languages || ' ' || %s) "
            "WHERE id = %s AND ' ' || languages || ' ' NOT LIKE %s",
            [language, journey_map_id, f"% {language} %"],
        )


def append(
    *,
    journey_map_id: int,
    author: AbstractBaseUser | None,
    kind: str,
    op_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> MapEvent:
    """Take the next number and log the event; call inside the transaction that made the change."""
    event = MapEvent(
        journey_map_id=journey_map_id,
        author=author,
        op_id=op_id or None,
        kind=kind,
        payload=payload or {},
        created_at=timezone.now(),
    )
    if connection.vendor != "postgresql":
        event.seq, languages = _take_number(journey_map_id=journey_map_id)
        event.save(force_insert=True)
        event.languages = _languages(languages)
        return event
    # PostgreSQL takes the number and inserts the event in one round trip.
    fields = ["journey_map_id", "author_id", "op_id", "kind", "payload", "created_at"]
    values = [MapEvent._meta.get_field(f).get_db_prep_save(getattr(event, f), connection) for f in fields]
    columns = ", ".join(MapEvent._meta.get_field(f).column for f in fields)
    sql = (
        f"WITH s AS (UPDATE {JourneyMap._meta.db_table} SET seq = seq + 1 WHERE id = %s "
        "RETURNING seq, languages), "
        f"e AS (INSERT INTO {MapEvent._meta.db_table} ({columns}, seq) "
        f"SELECT {', '.join(['%s'] * len(fields))}, s.seq FROM s RETURNING id, seq) "
        "SELECT e.id, e.seq, s.languages FROM e, s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [journey_map_id, *values])
        row = cursor.fetchone()
    if row is None:
        raise JourneyMap.DoesNotExist(journey_map_id)
    event.pk, event.seq, languages = row
    event._state.adding, event._state.db = False, connection.alias
    event.languages = _languages(languages)
    return event


def append_after(
    write: str,
    params: Sequence[Any],
    *,
    journey_map_id: int,
    author: AbstractBaseUser | None,
    kind: str,
    op_id: str | None = None,
    payload: dict[str, Any] | None = None,
    id_key: str | None = None,
    also: Sequence[tuple[str, Sequence[Any]]] = (),
) -> tuple[MapEvent | None, list[tuple[Any, ...]]]:
    """Run `write` (one INSERT or UPDATE … RETURNING) and log its event; return both.

    On PostgreSQL the write, the map's next number and the event are one statement, which is
    atomic by itself: a change made of one write needs no transaction around it (no BEGIN and
    COMMIT, two round trips of every live op). A write that touched no row logs nothing and
    takes no number: (None, []). `id_key` puts the first id the write returns (a new note's;
    `write` must return `id` first) into the payload under that key. `also`: more writes
    (statement, params) of the same change, made in the same statement after `write`; they must
    change nothing when `write` touches no row. The map's row is taken after the write's rows,
    as every write takes it: last. No savepoint is made: inside a
    caller's transaction a failed statement (a retried op id) aborts that transaction, so
    callers that go on after one run outside a transaction, as the websocket consumer does.
    """
    payload = dict(payload or {})
    if connection.vendor != "postgresql":  # SQLite has no INSERT or UPDATE inside a WITH
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            cursor.execute(write, params)
            returned = [tuple(row) for row in cursor.fetchall()]
            if not returned:
                return None, []
            for statement, statement_params in also:
                cursor.execute(statement, statement_params)
            if id_key:
                payload[id_key] = returned[0][0]
            event = append(
                journey_map_id=journey_map_id, author=author, kind=kind, op_id=op_id, payload=payload
            )
        return event, returned
    event = MapEvent(
        journey_map_id=journey_map_id,
        author=author,
        op_id=op_id or None,
        kind=kind,
        payload=payload,
        created_at=timezone.now(),
    )
    fields = ["journey_map_id", "author_id", "op_id", "kind", "created_at"]
    values = [MapEvent._meta.get_field(f).get_db_prep_save(getattr(event, f), connection) for f in fields]
    columns = ", ".join(MapEvent._meta.get_field(f).column for f in fields)
    logged = MapEvent._meta.get_field("payload").get_db_prep_save(payload, connection)
    payload_sql, payload_params = "%s", [logged]
    if id_key:
        payload_sql = "%s::jsonb || jsonb_build_object(%s, (SELECT w.id FROM w LIMIT 1))"
        payload_params.append(id_key)
    more = "".join(f"x{n} AS ({statement}), " for n, (statement, _params) in enumerate(also))
    sql = (
        f"WITH w AS ({write}), {more}"
        f"s AS (UPDATE {JourneyMap._meta.db_table} SET seq = seq + 1 "
        "WHERE id = %s AND EXISTS (SELECT 1 FROM w) RETURNING seq, languages), "
        f"e AS (INSERT INTO {MapEvent._meta.db_table} ({columns}, payload, seq) "
        f"SELECT {', '.join(['%s'] * len(fields))}, {payload_sql}, s.seq FROM s RETURNING id, seq) "
        "SELECT e.id, e.seq, s.languages, w.* FROM w LEFT JOIN e ON TRUE LEFT JOIN s ON TRUE"
    )
    with connection.cursor() as cursor:
        more_params = [value for _statement, statement_params in also for value in statement_params]
        cursor.execute(sql, [*params, *more_params, journey_map_id, *values, *payload_params])
        rows = cursor.fetchall()
    if not rows:
        return None, []
    if rows[0][0] is None:  # no map to log in: cannot be, as a note's map exists (a foreign key)
        raise JourneyMap.DoesNotExist(journey_map_id)
    event.pk, event.seq, event.languages = rows[0][0], rows[0][1], _languages(rows[0][2])
    event._state.adding, event._state.db = False, connection.alias
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
