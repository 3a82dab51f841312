"""Pain points' severity and reach, opportunities' owners, figures per stage, the big picture."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from maps.models import Insight, StageMetric, Sticky
from maps.services import sticky_create
from tests.workshops.test_consumer import join, next_message, send

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pain(workshop) -> Sticky:
    journey_map = workshop.journey_map
    return sticky_create(
        journey_map=journey_map,
        author=workshop.owner,
        stage=journey_map.stages.first(),
        lane=journey_map.lanes.get(key="pains"),
        text="No confirmation",
    ).sticky


@database_sync_to_async
def fresh(model, **filters):
    return list(model.objects.filter(**filters))


async def test_a_pain_point_gets_a_severity_and_a_reach_with_its_source(workshop, pain, facilitator, member):
    fac, mem = await join(facilitator.user, workshop), await join(member.user, workshop)
    data = {"sticky": pain.pk, "severity": "3", "reach_share": "35.5", "reach_source": "Support tickets, Q3"}
    await send(mem, "sticky.style", data, op_id="p")
    await next_message(mem, "ack", id="p")
    event = await next_message(fac, "event", op_id="p")
    assert "Severity: High" in event["html"] and "35.5% of customers" in event["html"]
    [note] = await fresh(Sticky, pk=pain.pk)
    assert (note.severity, float(note.reach_share), note.reach_source, note.colour) == (
        3,
        35.5,
        "Support tickets, Q3",
        "yellow",
    )
    await send(mem, "sticky.style", {"sticky": pain.pk, "reach_share": "140"}, op_id="bad")
    assert (await next_message(mem, "error", id="bad"))["code"] == "invalid"
    await fac.disconnect()
    await mem.disconnect()


async def test_an_opportunity_gets_an_owner_and_a_status(workshop, facilitator):
    journey_map = workshop.journey_map

    @database_sync_to_async
    def idea():
        return sticky_create(
            journey_map=journey_map,
            author=workshop.owner,
            stage=journey_map.stages.first(),
            lane=journey_map.lanes.get(key="opportunities"),
            text="Send a confirmation",
        ).sticky

    note = await idea()
    ws = await join(facilitator.user, workshop)
    await send(
        ws, "sticky.style", {"sticky": note.pk, "owner": "Bookings team", "status": "planned"}, op_id="o"
    )
    event = await next_message(ws, "event", op_id="o")
    assert "Owner: Bookings team" in event["html"] and "Planned" in event["html"]
    await ws.disconnect()


async def test_figures_per_stage(workshop, facilitator, member):
    stage = await database_sync_to_async(workshop.journey_map.stages.first)()
    fac, mem = await join(facilitator.user, workshop), await join(member.user, workshop)
    figure = {"stage": stage.pk, "kind": "dropoff", "value": "42", "unit": "%", "source": "Analytics"}
    await send(mem, "metric.add", figure, op_id="m0")
    assert (await next_message(mem, "error", id="m0"))["code"] == "forbidden"
    await send(fac, "metric.add", figure, op_id="m1")
    event = await next_message(mem, "event", op_id="m1")
    assert "Drop-off rate <strong>42%</strong>" in event["html"]
    await send(fac, "metric.add", {"stage": stage.pk, "kind": "custom", "value": "3"}, op_id="m2")
    error = await next_message(fac, "error", id="m2")
    assert "label" in error["errors"]
    [metric] = await fresh(StageMetric)
    await send(fac, "metric.remove", {"metric": metric.pk}, op_id="m3")
    await next_message(fac, "ack", id="m3")
    assert await fresh(StageMetric) == []
    await fac.disconnect()
    await mem.disconnect()


async def test_the_team_answers_the_big_picture_questions(workshop, facilitator, member, observer):
    fac, mem, obs = [await join(p.user, workshop) for p in (facilitator, member, observer)]
    await send(mem, "insight.add", {"question": "complex", "text": "Three emails say the same"}, op_id="i1")
    await next_message(mem, "ack", id="i1")
    event = await next_message(fac, "event", op_id="i1")
    assert "Three emails say the same" in event["html"] and 'id="insights"' in event["html"]
    await send(obs, "insight.add", {"question": "needs", "text": "peek"}, op_id="i2")
    assert (await next_message(obs, "error", id="i2"))["code"] == "forbidden"
    await send(mem, "insight.add", {"question": "nonsense", "text": "x"}, op_id="i3")
    assert (await next_message(mem, "error", id="i3"))["code"] == "invalid"
    [insight] = await fresh(Insight)
    await send(fac, "insight.remove", {"insight": insight.pk}, op_id="i4")
    await next_message(fac, "ack", id="i4")
    assert await fresh(Insight) == []
    for ws in (fac, mem, obs):
        await ws.disconnect()
