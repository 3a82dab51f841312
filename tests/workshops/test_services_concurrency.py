"""Concurrent writers and the real services: what a busy room does to the database and Redis."""

from __future__ import annotations

import os
import threading
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.db import connections as all_connections

from maps.models import MapEvent
from tests.conftest import NEEDS_SERVICES
from workshops import ops, services
from workshops.models import Workshop

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_ops_are_all_applied_with_gap_free_numbers(workshop, facilitator, cofacilitator):
    errors: list[BaseException] = []

    def add_minute(by):
        try:
            services.timer_add(workshop=workshop, by=by, minutes=1)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            all_connections.close_all()

    threads = [threading.Thread(target=add_minute, args=(p,)) for p in [facilitator, cofacilitator] * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Workshop.objects.get(pk=workshop.pk).timer_remaining == timedelta(minutes=5 + 8)
    seqs = sorted(MapEvent.objects.filter(kind="timer.add").values_list("seq", flat=True))
    first = seqs[0]
    assert seqs == list(range(first, first + 8))


@pytest.mark.services
@NEEDS_SERVICES
def test_the_suite_really_runs_on_postgresql_and_redis():
    assert connection.vendor == "postgresql"
    assert type(get_channel_layer()).__module__.startswith(("channels_redis", "journeymap.layers"))
    assert os.environ["REDIS_URL"]


@pytest.mark.services
@NEEDS_SERVICES
def test_a_broadcast_crosses_redis_to_another_process_s_layer(workshop, facilitator):
    from django.conf import settings

    # A second layer object stands for a second server process: it shares only Redis.
    layer = settings.CHANNEL_LAYERS["default"]
    other = type(get_channel_layer())(**layer["CONFIG"])

    async def scenario():
        channel = await other.new_channel()
        await other.group_add(f"workshop-{workshop.pk}-en", channel)
        await get_channel_layer().group_send(
            f"workshop-{workshop.pk}-en", {"type": "room.event", "text": "hello"}
        )
        message = await other.receive(channel)
        await other.group_discard(f"workshop-{workshop.pk}-en", channel)
        return message

    assert async_to_sync(scenario)()["text"] == "hello"


@pytest.mark.services
@NEEDS_SERVICES
def test_busy_moves_and_edits_in_the_same_cells_never_fail(workshop, member, member2):
    """Moves lock their cells' notes in id order, so concurrent moves queue, not deadlock;
    the consumer's retry (a rolled-back deadlock victim runs again) is the last resort."""
    import random

    from maps.models import Sticky

    stages = list(workshop.journey_map.stages.values_list("pk", flat=True))[:2]
    lane = workshop.journey_map.lanes.values_list("pk", flat=True).first()
    for person in (member, member2):
        for i in range(4):
            data = {"stage": stages[i % 2], "lane": lane, "text": f"n{i}"}
            ops.run(participant_id=person.pk, name="sticky.create", data=data)
    errors: list[BaseException] = []

    def shuffle(person, seed):
        rnd = random.Random(seed)
        mine = list(Sticky.objects.filter(author=person.user).values_list("pk", flat=True))
        try:
            for i in range(25):
                note = rnd.choice(mine)
                if rnd.random() < 0.7:
                    data = {
                        "sticky": note,
                        "stage": rnd.choice(stages),
                        "lane": lane,
                        "position": rnd.randrange(5),
                    }
                    ops.run(participant_id=person.pk, name="sticky.move", data=data, op_id=f"{seed}-{i}")
                else:
                    data = {"sticky": note, "text": f"e{i}"}
                    ops.run(participant_id=person.pk, name="sticky.edit", data=data, op_id=f"{seed}-{i}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            all_connections.close_all()

    threads = [
        threading.Thread(target=shuffle, args=(p, seed)) for seed, p in enumerate([member, member2] * 3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # Every cell is numbered 0, 1, 2… with no gap or twin after all that.
    for stage in stages:
        positions = list(
            Sticky.objects.filter(stage_id=stage, lane_id=lane, deleted_at=None)
            .order_by("position")
            .values_list("position", flat=True)
        )
        assert positions == list(range(len(positions)))
