"""The emotion line over the websocket: ratings, private ratings and the facilitator's notes."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from maps.models import EmotionRating
from tests.workshops.test_consumer import join, next_message, send

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stages(workshop):
    return list(workshop.journey_map.stages.all())


@database_sync_to_async
def ratings():
    return sorted(EmotionRating.objects.values_list("stage__position", "value", "hidden"))


async def test_ratings_draw_the_line_for_everyone(workshop, stages, facilitator, member, member2):
    fac, mia, ravi = [await join(p.user, workshop) for p in (facilitator, member, member2)]
    for i, (ws, value) in enumerate([(mia, 2), (ravi, -1), (fac, 1)]):
        await send(ws, "emotion.rate", {"stage": stages[0].pk, "value": value}, op_id=f"r{i}")
        await next_message(ws, "ack", id=f"r{i}")
    event = await next_message(mia, "event", op_id="r2")
    assert 'id="emotion"' in event["html"]
    assert "1 (3 ratings)" in event["html"]  # the median of 2, -1 and 1
    assert 'class="dot"' in event["html"]
    # Rating again replaces one's own rating.
    await send(mia, "emotion.rate", {"stage": stages[0].pk, "value": -3}, op_id="r3")
    await next_message(mia, "ack", id="r3")
    assert await ratings() == [(0, -3, False), (0, -1, False), (0, 1, False)]
    for ws in (fac, mia, ravi):
        await ws.disconnect()


async def test_a_drop_is_marked_and_explained(workshop, stages, member):
    ws = await join(member.user, workshop)
    await send(ws, "emotion.rate", {"stage": stages[0].pk, "value": 2}, op_id="a")
    await next_message(ws, "ack", id="a")
    await send(ws, "emotion.rate", {"stage": stages[1].pk, "value": -2}, op_id="b")
    event = await next_message(ws, "event", op_id="b")
    assert "mark-drop" in event["html"]
    assert "Rapid drop from Awareness to Consideration" in event["html"]
    await ws.disconnect()


@pytest.mark.parametrize("value", [4, -4, "bad", None])
async def test_ratings_off_the_scale_are_refused(workshop, stages, member, value):
    ws = await join(member.user, workshop)
    await send(ws, "emotion.rate", {"stage": stages[0].pk, "value": value}, op_id="x")
    error = await next_message(ws, "error", id="x")
    assert error["code"] == "invalid" and "value" in error["errors"]
    assert await ratings() == []
    await ws.disconnect()


async def test_observers_cannot_rate_and_members_cannot_annotate(workshop, stages, member, observer):
    obs, mem = await join(observer.user, workshop), await join(member.user, workshop)
    await send(obs, "emotion.rate", {"stage": stages[0].pk, "value": 1}, op_id="o")
    assert (await next_message(obs, "error", id="o"))["code"] == "forbidden"
    await send(mem, "stage.annotate", {"stage": stages[0].pk, "text": "why"}, op_id="m")
    assert (await next_message(mem, "error", id="m"))["code"] == "forbidden"
    await send(mem, "emotion.private", {"on": True}, op_id="p")
    assert (await next_message(mem, "error", id="p"))["code"] == "forbidden"
    await obs.disconnect()
    await mem.disconnect()


async def test_private_ratings_never_leave_the_server_before_the_reveal(
    workshop, stages, facilitator, member, member2
):
    fac, mia, ravi = [await join(p.user, workshop) for p in (facilitator, member, member2)]
    await send(fac, "emotion.private", {"on": True}, op_id="p1")
    await next_message(fac, "ack", id="p1")
    await send(mia, "emotion.rate", {"stage": stages[2].pk, "value": -3}, op_id="p2")
    await next_message(mia, "ack", id="p2")
    for ws in (ravi, fac, mia):
        event = await next_message(ws, "event", op_id="p2")
        assert "1 rating waits for the reveal" in event["html"]
        assert 'class="dot"' not in event["html"]  # no line from a hidden rating
        assert 'data-mine="-3"' not in event["html"]
    await send(fac, "emotion.private", {"on": False}, op_id="p3")
    revealed = await next_message(ravi, "event", op_id="p3")
    assert "-3 (1 rating)" in revealed["html"]
    for ws in (fac, mia, ravi):
        await ws.disconnect()


async def test_the_facilitator_notes_why_the_line_drops(workshop, stages, facilitator, member):
    fac, mem = await join(facilitator.user, workshop), await join(member.user, workshop)
    await send(fac, "stage.annotate", {"stage": stages[1].pk, "text": "Booking by phone only"}, op_id="n")
    await next_message(fac, "ack", id="n")
    event = await next_message(mem, "event", op_id="n")
    assert "Booking by phone only" in event["html"]
    await fac.disconnect()
    await mem.disconnect()
