"""Board ops over the websocket, as each role, with bad input and private writing."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async

from maps.models import Sticky
from tests.workshops.test_consumer import join, next_message, send
from workshops.models import Workshop

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def grid(workshop: Workshop) -> dict[str, Any]:
    journey_map = workshop.journey_map
    stages = list(journey_map.stages.all())
    lanes = {lane.key: lane for lane in journey_map.lanes.all()}
    return {"stages": stages, "lanes": lanes}


def note_data(grid, text="Phones the campsite", stage=0, lane="actions"):
    return {"stage": grid["stages"][stage].pk, "lane": grid["lanes"][lane].pk, "text": text}


@database_sync_to_async
def notes(**filters) -> list[Sticky]:
    return list(Sticky.objects.filter(**filters).order_by("pk"))


async def create(ws, grid, text="Phones the campsite", op_id="c1", **kw) -> dict[str, Any]:
    await send(ws, "sticky.create", note_data(grid, text, **kw), op_id=op_id)
    return await next_message(ws, "ack", id=op_id)


async def test_a_member_adds_a_note_and_everyone_sees_it(workshop, grid, facilitator, member, observer):
    fac, mem, obs = [await join(p.user, workshop) for p in (facilitator, member, observer)]
    ack = await create(mem, grid)
    for ws in (fac, obs, mem):
        event = await next_message(ws, "event", op_id="c1")
        assert event["seq"] == ack["seq"]
        assert "Phones the campsite" in event["html"]
        # One note changed: it alone is drawn, put at the end of its cell (no cell redrawn).
        cell = f"cell-{grid['stages'][0].pk}-{grid['lanes']['actions'].pk}"
        assert f'hx-swap-oob="beforeend:#{cell} > .notes"' in event["html"]
        assert "<td" not in event["html"]
    [note] = await notes()
    assert (note.author_id, note.text) == (member.user_id, "Phones the campsite")
    for ws in (fac, mem, obs):
        await ws.disconnect()


async def test_edit_move_style_delete_and_undo_reach_the_others(workshop, grid, facilitator, member):
    fac, mem = await join(facilitator.user, workshop), await join(member.user, workshop)
    await create(mem, grid)
    [note] = await notes()
    steps = [
        ("sticky.edit", {"sticky": note.pk, "text": "Calls twice"}, "Calls twice"),
        (
            "sticky.move",
            {
                "sticky": note.pk,
                "stage": grid["stages"][1].pk,
                "lane": grid["lanes"]["actions"].pk,
                "position": 0,
            },
            f'hx-swap-oob="beforeend:#cell-{grid["stages"][1].pk}-{grid["lanes"]["actions"].pk} > .notes"',
        ),
        ("sticky.style", {"sticky": note.pk, "colour": "pink", "is_aha": True}, "colour-pink"),
        # The deleted note alone is taken off the page (docs/protocol.md, "One note").
        ("sticky.delete", {"sticky": note.pk}, f'<li id="sticky-{note.pk}" hx-swap-oob="delete"></li>'),
        ("sticky.restore", {"sticky": note.pk}, "Calls twice"),
    ]
    for i, (op, data, shown) in enumerate(steps):
        await send(mem, op, data, op_id=f"s{i}")
        await next_message(mem, "ack", id=f"s{i}")
        event = await next_message(fac, "event", op_id=f"s{i}")
        assert shown in event["html"], op
    [note] = await notes()
    assert (note.text, note.stage_id, note.colour, note.is_aha, note.deleted_at) == (
        "Calls twice",
        grid["stages"][1].pk,
        "pink",
        True,
        None,
    )
    await fac.disconnect()
    await mem.disconnect()


async def test_observers_cannot_write_on_the_board(workshop, grid, observer):
    ws = await join(observer.user, workshop)
    await send(ws, "sticky.create", note_data(grid), op_id="o")
    error = await next_message(ws, "error", id="o")
    assert error["code"] == "forbidden"
    assert await notes() == []
    await ws.disconnect()


async def test_a_locked_board_is_read_only_for_members(workshop, grid, facilitator, member):
    fac, mem = await join(facilitator.user, workshop), await join(member.user, workshop)
    await send(mem, "board.lock", {"on": True}, op_id="l0")
    assert (await next_message(mem, "error", id="l0"))["code"] == "forbidden"
    await send(fac, "board.lock", {"on": True}, op_id="l1")
    await next_message(fac, "ack", id="l1")
    event = await next_message(mem, "event", op_id="l1")
    assert "Board locked" in event["html"]
    await send(mem, "sticky.create", note_data(grid), op_id="l2")
    error = await next_message(mem, "error", id="l2")
    assert error["code"] == "locked"
    await create(fac, grid, op_id="l3")  # facilitators can still write
    await send(fac, "board.lock", {"on": False}, op_id="l4")
    await next_message(fac, "ack", id="l4")
    await create(mem, grid, "after", op_id="l5")
    assert [n.text for n in await notes()] == ["Phones the campsite", "after"]
    await fac.disconnect()
    await mem.disconnect()


@pytest.mark.parametrize(
    "op,data,code",
    [
        ("sticky.create", {"stage": "x", "lane": 1, "text": "hi"}, "invalid"),
        ("sticky.create", {"text": "x" * 281}, "invalid"),
        ("sticky.create", {"text": "   "}, "invalid"),
        ("sticky.edit", {"sticky": 999999, "text": "hi"}, "invalid"),
        ("sticky.move", {"sticky": "one", "position": -1}, "invalid"),
        # Ids past what the database holds: refused as any unknown id, not an error.
        ("sticky.edit", {"sticky": 10**30, "text": "hi"}, "invalid"),
        ("sticky.move", {"sticky": 10**30, "stage": 10**30, "lane": 10**30, "position": 0}, "invalid"),
        ("sticky.create", {"stage": 10**30, "lane": 10**30, "text": "hi"}, "invalid"),
        ("sticky.style", {"sticky": 999999, "colour": "tartan"}, "invalid"),
        ("stage.create", {"name": "Onboarding"}, "forbidden"),
        ("stage.rename", {"stage": "x", "name": ""}, "invalid"),
        ("backstory.edit", {"part": "owner", "text": "x"}, "invalid"),
    ],
)
async def test_bad_board_input_is_refused_with_the_field_named(workshop, grid, member, op, data, code):
    ws = await join(member.user, workshop)
    await send(ws, op, data, op_id="bad")
    error = await next_message(ws, "error", id="bad")
    assert (error["op"], error["code"]) == (op, code)
    assert await notes() == []
    await ws.disconnect()


async def test_a_cell_of_another_map_is_named_field_by_field(workshop, other_workshop, grid, member):
    """Stage and lane are read together; when that fails, the error says which one is wrong."""
    other = await database_sync_to_async(lambda: list(other_workshop.journey_map.stages.all()))()
    ws = await join(member.user, workshop)
    data = {"stage": other[0].pk, "lane": grid["lanes"]["actions"].pk, "text": "hi"}
    await send(ws, "sticky.create", data, op_id="c")
    error = await next_message(ws, "error", id="c")
    assert (error["code"], sorted(error["errors"])) == ("invalid", ["stage"])
    data = {"stage": grid["stages"][0].pk, "lane": 10**9, "text": "hi"}
    await send(ws, "sticky.create", data, op_id="d")
    error = await next_message(ws, "error", id="d")
    assert (error["code"], sorted(error["errors"])) == ("invalid", ["lane"])
    assert await notes() == []
    # A move checks its cell itself (in the statement that queues it), and says the same.
    await create(ws, grid, "mine", op_id="e")
    [note] = await notes()
    for i, (stage, lane, wrong) in enumerate(
        [
            (other[0].pk, grid["lanes"]["actions"].pk, "stage"),
            (grid["stages"][0].pk, 10**9, "lane"),
        ]
    ):
        data = {"sticky": note.pk, "stage": stage, "lane": lane, "position": 0}
        await send(ws, "sticky.move", data, op_id=f"m{i}")
        error = await next_message(ws, "error", id=f"m{i}")
        assert (error["code"], sorted(error["errors"])) == ("invalid", [wrong])
        assert "valid choice" in error["message"]
    [unmoved] = await notes()
    assert (unmoved.stage_id, unmoved.lane_id) == (note.stage_id, note.lane_id)
    await ws.disconnect()


async def test_the_length_limit_is_explained(workshop, grid, member):
    ws = await join(member.user, workshop)
    await send(ws, "sticky.create", note_data(grid, "x" * 300), op_id="long")
    error = await next_message(ws, "error", id="long")
    assert "at most 280 characters" in error["message"]
    assert "300" in error["message"]
    await ws.disconnect()


async def test_notes_of_another_workshop_cannot_be_touched(workshop, other_workshop, grid, member):
    from maps.services import sticky_create

    @database_sync_to_async
    def foreign_note():
        journey_map = other_workshop.journey_map
        return sticky_create(
            journey_map=journey_map,
            author=other_workshop.owner,
            stage=journey_map.stages.first(),
            lane=journey_map.lanes.first(),
            text="theirs",
        ).sticky

    theirs = await foreign_note()
    ws = await join(member.user, workshop)
    for i, (op, data) in enumerate(
        [
            ("sticky.edit", {"sticky": theirs.pk, "text": "mine now"}),
            ("sticky.delete", {"sticky": theirs.pk}),
            (
                "sticky.move",
                {
                    "sticky": theirs.pk,
                    "stage": grid["stages"][0].pk,
                    "lane": grid["lanes"]["actions"].pk,
                    "position": 0,
                },
            ),
        ]
    ):
        await send(ws, op, data, op_id=f"x{i}")
        assert (await next_message(ws, "error", id=f"x{i}"))["code"] == "invalid"
    [note] = await notes(pk=theirs.pk)
    assert (note.text, note.deleted_at, note.journey_map_id) == (
        "theirs",
        None,
        other_workshop.journey_map_id,
    )
    await ws.disconnect()


async def test_a_retried_create_makes_one_note(workshop, grid, member):
    ws = await join(member.user, workshop)
    first = await create(ws, grid, op_id="same")
    await ws.disconnect()
    ws = await join(member.user, workshop)
    second = await create(ws, grid, op_id="same")
    assert first["seq"] == second["seq"]
    assert len(await notes()) == 1
    await ws.disconnect()


async def test_a_stage_with_notes_is_removed_only_when_confirmed(workshop, grid, facilitator):
    ws = await join(facilitator.user, workshop)
    await create(ws, grid)
    stage = grid["stages"][0].pk
    await send(ws, "stage.delete", {"stage": stage}, op_id="d1")
    error = await next_message(ws, "error", id="d1")
    assert error["code"] == "confirm"
    await send(ws, "stage.delete", {"stage": stage, "confirm": True}, op_id="d2")
    await next_message(ws, "ack", id="d2")
    assert await notes() == []
    await ws.disconnect()


async def test_private_writing_never_sends_hidden_text_to_the_others(
    workshop, grid, facilitator, member, member2
):
    fac, mia, ravi = [await join(p.user, workshop) for p in (facilitator, member, member2)]
    await send(fac, "writing.private", {"on": True}, op_id="p1")
    await next_message(fac, "ack", id="p1")
    await create(mia, grid, "Mia's secret idea", op_id="p2")
    mine = await next_message(mia, "event", op_id="p2")
    assert "Mia&#x27;s secret idea" in mine["html"] or "Mia's secret idea" in mine["html"]
    for other in (ravi, fac):
        theirs = await next_message(other, "event", op_id="p2")
        assert "secret" not in theirs["html"]
        assert "1 note being written" in theirs["html"]
    # A fresh connection (a reload) does not see it either...
    await ravi.disconnect()
    ravi = await join(member2.user, workshop)
    await ravi.send_json_to({"op": "sync"})
    snapshot = await next_message(ravi, "snapshot")
    assert "secret" not in snapshot["html"]
    # ...and nobody else can edit or delete it.
    [note] = await notes()
    await send(ravi, "sticky.edit", {"sticky": note.pk, "text": "peek"}, op_id="p3")
    assert (await next_message(ravi, "error", id="p3"))["code"] == "invalid"
    move = {"sticky": note.pk, "stage": note.stage_id, "lane": note.lane_id, "position": 0}
    await send(ravi, "sticky.move", move, op_id="p3m")
    error = await next_message(ravi, "error", id="p3m")
    assert (error["code"], sorted(error["errors"])) == ("invalid", ["sticky"])
    await send(fac, "writing.private", {"on": False}, op_id="p4")
    await next_message(fac, "ack", id="p4")
    revealed = await next_message(ravi, "event", op_id="p4")
    assert "secret idea" in revealed["html"]
    for ws in (fac, mia, ravi):
        await ws.disconnect()


async def test_who_is_editing_is_passed_on_without_being_logged(workshop, grid, facilitator, member):
    fac, mem = await join(facilitator.user, workshop), await join(member.user, workshop)
    await create(mem, grid)
    [note] = await notes()
    await send(mem, "sticky.editing", {"sticky": note.pk, "editing": True}, op_id="e1")
    news = await next_message(fac, "editing")
    assert (news["sticky"], news["name"], news["editing"]) == (note.pk, "Mia", True)
    await fac.disconnect()
    await mem.disconnect()


async def test_the_backstory_is_written_live(workshop, facilitator, member):
    fac, mem = await join(facilitator.user, workshop), await join(member.user, workshop)
    await send(mem, "backstory.edit", {"part": "needs", "text": "Structure; findability"}, op_id="b1")
    await next_message(mem, "ack", id="b1")
    event = await next_message(fac, "event", op_id="b1")
    assert "Structure; findability" in event["html"]
    await fac.disconnect()
    await mem.disconnect()


async def test_a_reconnecting_client_gets_only_what_it_missed(workshop, grid, facilitator, member):
    from tests.workshops.test_consumer import open_socket

    mem = await join(member.user, workshop)
    await create(mem, grid, "before", op_id="r0")
    event = await next_message(mem, "event", op_id="r0")
    await mem.disconnect()
    fac = await join(facilitator.user, workshop)
    await create(fac, grid, "while away", stage=2, lane="pains", op_id="r1")
    await send(fac, "timer.start", op_id="r2")
    latest = (await next_message(fac, "ack", id="r2"))["seq"]
    connected, mem = await open_socket(member.user, workshop, since=event["seq"])
    assert connected
    replay = await mem.receive_json_from()
    assert replay["type"] == "replay"
    assert replay["since"] == event["seq"] and replay["seq"] >= latest
    assert "while away" in replay["html"]
    assert 'data-running="1"' in replay["html"]
    assert "before" not in replay["html"]  # its cell did not change: not sent again
    await fac.disconnect()
    await mem.disconnect()


async def test_a_long_absence_gets_a_fresh_snapshot(workshop, grid, facilitator, member, monkeypatch):
    from tests.workshops.test_consumer import open_socket
    from workshops import live

    monkeypatch.setattr(live, "REPLAY_LIMIT", 3)
    fac = await join(facilitator.user, workshop)
    for i in range(5):
        await create(fac, grid, f"note {i}", op_id=f"n{i}")
    connected, mem = await open_socket(member.user, workshop, since=0)
    assert connected
    snapshot = await mem.receive_json_from()
    assert snapshot["type"] == "snapshot"
    assert all(f"note {i}" in snapshot["html"] for i in range(5))
    await mem.send_json_to({"op": "sync", "since": snapshot["seq"]})
    assert (await next_message(mem, "replay"))["seq"] == snapshot["seq"]
    await fac.disconnect()
    await mem.disconnect()
