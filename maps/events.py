"""The map's event log: append an event under the map's next sequence number; find retries."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.utils import timezone

from maps.models import JourneyMap, MapEvent


def next_seq(*, journey_map_id: int) -> int:
    # One statement takes the number and locks the map row until commit, so numbers are
    # gap-free and every process sees the same order.
    table = JourneyMap._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET seq = seq + 1 WHERE id = %s RETURNING seq", [journey_map_id])
        row = cursor.fetchone()
    if row is None:
        raise JourneyMap.DoesNotExist(journey_map_id)
    return int(row[0])


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
        event.seq = next_seq(journey_map_id=journey_map_id)
        event.save(force_insert=True)
        return event
    # PostgreSQL takes the number and inserts the event in one round trip.
    fields = ["journey_map_id", "author_id", "op_id", "kind", "payload", "created_at"]
    values = [MapEvent._meta.get_field(f).get_db_prep_save(getattr(event, f), connection) for f in fields]
    columns = ", ".join(MapEvent._meta.get_field(f).column for f in fields)
    sql = (
        f"WITH s AS (UPDATE {JourneyMap._meta.db_table} SET seq = seq + 1 WHERE id = %s RETURNING seq) "
        f"INSERT INTO {MapEvent._meta.db_table} ({columns}, seq) "
        f"SELECT {', '.join(['%s'] * len(fields))}, s.seq FROM s RETURNING id, seq"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [journey_map_id, *values])
        row = cursor.fetchone()
    if row is None:
        raise JourneyMap.DoesNotExist(journey_map_id)
    event.pk, event.seq = row
    event._state.adding, event._state.db = False, connection.alias
    return event


def find_op(*, author: AbstractBaseUser, op_id: str) -> MapEvent | None:
    """The event a client's op already made, if this op id was seen before."""
    return MapEvent.objects.filter(author=author, op_id=op_id).first()


def current_seq(*, journey_map_id: int) -> int:
    return JourneyMap.objects.values_list("seq", flat=True).get(pk=journey_map_id)
