"""Dot voting over the websocket: the rules hold whatever a client sends."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async

from maps.models import Sticky, VoteDot
from maps.services import sticky_create
from tests.workshops.test_consumer import join, next_message, send

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pains(workshop) -> dict[str, Any]:
    journey_map = workshop.journey_map
    lane = journey_map.lanes.get(key="pains")
    stages = list(journey_map.stages.all())
    notes = [
        sticky_create(
            journey_map=journey_map, author=workshop.owner, stage=stages[i], lane=lane, text=text
        ).sticky
        for i, text in enumerate(["No confirmation", "Two hours of traffic", "Toilets far away"])
    ]
    return {"lane": lane, "notes": notes}


@database_sync_to_async
def dots() -> list[tuple[str, str]]:
    return sorted(VoteDot.objects.values_list("voter__first_name", "sticky__text"))


async def start(fac, pains, **data) -> None:
    await send(fac, "vote.start", {"lane": pains["lane"].pk, **data}, op_id="start")
    await next_message(fac, "ack", id="start")


async def cast(ws, note, op_id, add=True) -> dict[str, Any]:
    await send(ws, "vote.cast", {"sticky": note.pk, "add": add}, op_id=op_id)
    for _ in range(10):
        message = await ws.receive_json_from()
        if message.get("id") == op_id and message["type"] in {"ack", "error"}:
            return message
    raise AssertionError("no answer")


async def test_a_vote_from_start_to_results(workshop, pains, facilitator, member, member2):
    fac, mia, ravi = [await join(p.user, workshop) for p in (facilitator, member, member2)]
    await start(fac, pains, budget=2)
    a, b, c = pains["notes"]
    assert (await cast(mia, a, "m1"))["type"] == "ack"
    assert (await cast(mia, b, "m2"))["type"] == "ack"
    assert (await cast(ravi, a, "r1"))["type"] == "ack"
    # While the vote is open, nobody's page learns where the dots are.
    event = await next_message(fac, "event", op_id="r1")
    assert "1 of 3 people have placed all their dots" in event["html"]
    assert "dot-count" not in event["html"] and "data-mine" not in event["html"]
    await send(fac, "vote.close", {}, op_id="close")
    results = await next_message(ravi, "event", op_id="close")
    html = results["html"]
    assert html.index("No confirmation") < html.index("Two hours of traffic")  # ranked by dots
    assert "2 dots" in html and "1 dot" in html
    for ws in (fac, mia, ravi):
        await ws.disconnect()


async def test_nobody_exceeds_their_budget_or_votes_twice_on_a_note(workshop, pains, facilitator, member):
    fac, mia = await join(facilitator.user, workshop), await join(member.user, workshop)
    await start(fac, pains, budget=2, stacking=False)
    a, b, c = pains["notes"]
    assert (await cast(mia, a, "1"))["type"] == "ack"
    again = await cast(mia, a, "2")
    assert (again["type"], again["code"]) == ("error", "once")
    assert (await cast(mia, b, "3"))["type"] == "ack"
    over = await cast(mia, c, "4")
    assert (over["type"], over["code"]) == ("error", "budget")
    assert "all 2 of your dots" in over["message"]
    # A retry of an op that went through is not a second dot.
    assert (await cast(mia, a, "1"))["type"] == "ack"
    assert await dots() == [("Mia", "No confirmation"), ("Mia", "Two hours of traffic")]
    # Taking a dot back frees it.
    assert (await cast(mia, b, "5", add=False))["type"] == "ack"
    assert (await cast(mia, c, "6"))["type"] == "ack"
    await fac.disconnect()
    await mia.disconnect()


async def test_stacking_lets_several_dots_go_on_one_note(workshop, pains, facilitator, member):
    fac, mia = await join(facilitator.user, workshop), await join(member.user, workshop)
    await start(fac, pains, budget=3, stacking=True)
    a = pains["notes"][0]
    for i in range(3):
        assert (await cast(mia, a, f"s{i}"))["type"] == "ack"
    assert (await cast(mia, a, "s3"))["code"] == "budget"
    await fac.disconnect()
    await mia.disconnect()


async def test_no_dots_after_the_close_or_past_the_end(workshop, pains, facilitator, member):
    fac, mia = await join(facilitator.user, workshop), await join(member.user, workshop)
    await start(fac, pains)
    await send(fac, "vote.close", {}, op_id="c")
    await next_message(fac, "ack", id="c")
    late = await cast(mia, pains["notes"][0], "late")
    assert (late["type"], late["code"]) == ("error", "closed")

    @database_sync_to_async
    def expire_new_vote():
        from django.utils import timezone

        from maps.models import Vote

        Vote.objects.filter(closed_at=None).update(ends_at=timezone.now())

    await start(fac, pains, minutes=5)
    await expire_new_vote()
    assert (await cast(mia, pains["notes"][0], "too-late"))["code"] == "closed"
    assert await dots() == []
    await fac.disconnect()
    await mia.disconnect()


async def test_only_facilitators_run_votes_and_observers_do_not_vote(
    workshop, pains, facilitator, member, observer
):
    fac, mia, obs = [await join(p.user, workshop) for p in (facilitator, member, observer)]
    await send(mia, "vote.start", {"lane": pains["lane"].pk}, op_id="x")
    assert (await next_message(mia, "error", id="x"))["code"] == "forbidden"
    await start(fac, pains)
    assert (await cast(obs, pains["notes"][0], "o"))["code"] == "forbidden"
    await send(mia, "vote.close", {}, op_id="y")
    assert (await next_message(mia, "error", id="y"))["code"] == "forbidden"
    await send(fac, "vote.start", {"lane": pains["lane"].pk}, op_id="z")
    assert (await next_message(fac, "error", id="z"))["code"] == "invalid"  # one open vote at a time
    for ws in (fac, mia, obs):
        await ws.disconnect()


async def test_notes_outside_the_vote_cannot_get_dots(workshop, pains, facilitator, member):
    fac, mia = await join(facilitator.user, workshop), await join(member.user, workshop)
    await start(fac, pains)

    @database_sync_to_async
    def action_note() -> Sticky:
        journey_map = workshop.journey_map
        return sticky_create(
            journey_map=journey_map,
            author=workshop.owner,
            stage=journey_map.stages.first(),
            lane=journey_map.lanes.get(key="actions"),
            text="Phones",
        ).sticky

    note = await action_note()
    assert (await cast(mia, note, "a"))["code"] == "invalid"
    await fac.disconnect()
    await mia.disconnect()
