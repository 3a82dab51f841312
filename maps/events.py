"""The map's event log: append an event under the map's next sequence number; find retries."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection

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
    seq = next_seq(journey_map_id=journey_map_id)
    return MapEvent.objects.create(
        journey_map_id=journey_map_id,
        seq=seq,
        author=author,
        op_id=op_id or None,
        kind=kind,
        payload=payload or {},
    )


def find_op(*, author: AbstractBaseUser, op_id: str) -> MapEvent | None:
    """The event a client's op already made, if this op id was seen before."""
    return MapEvent.objects.filter(author=author, op_id=op_id).first()


def current_seq(*, journey_map_id: int) -> int:
    return JourneyMap.objects.values_list("seq", flat=True).get(pk=journey_map_id)
