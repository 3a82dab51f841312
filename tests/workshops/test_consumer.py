from __future__ import annotations

import json
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from journeymap.asgi import application
from maps.models import MapEvent
from workshops.models import Participant, Workshop

pytestmark = pytest.mark.django_db(transaction=True)
# Seconds to wait for what should come. Generous: it only bounds how long a failure takes to
# show, and a busy machine may take seconds to draw a room or close a socket.
TIMEOUT = 15


class Communicator(WebsocketCommunicator):
    """A test socket whose waits for what should come default to TIMEOUT, not one second.

    `disconnect` keeps its second: it waits for the consumer to end, and one whose channel
    layer is Redis does not end until it is cancelled, which asgiref does quietly at the
    timeout; a longer wait would only slow every test down.
    """

    async def connect(self, timeout: float = TIMEOUT) -> Any:
        return await super().connect(timeout)

    async def receive_from(self, timeout: float = TIMEOUT) -> Any:
        return await super().receive_from(timeout)

    async def receive_json_from(self, timeout: float = TIMEOUT) -> Any:
        return await super().receive_json_from(timeout)


@database_sync_to_async
def cookie_for(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def open_socket(
    user: Any,
    workshop: Workshop,
    *,
    origin: bytes = b"http://localhost",
    language: str | None = None,
    since: int | None = None,
) -> tuple[bool, WebsocketCommunicator]:
    headers = [(b"origin", origin), (b"host", b"localhost")]
    cookies = []
    if user is not None:
        cookies.append(f"sessionid={await cookie_for(user)}")
    if language:
        cookies.append(f"django_language={language}")
    if cookies:
        headers.append((b"cookie", "; ".join(cookies).encode()))
    query = "" if since is None else f"?since={since}"
    communicator = Communicator(application, f"/ws/workshops/{workshop.slug}/{query}", headers=headers)
    connected, _ = await communicator.connect()
    return connected, communicator


async def join(user: Any, workshop: Workshop, **kwargs: Any) -> WebsocketCommunicator:
    connected, communicator = await open_socket(user, workshop, **kwargs)
    assert connected
    first = await communicator.receive_json_from()
    assert first["type"] == "snapshot"
    return communicator


async def next_message(communicator: WebsocketCommunicator, type_: str, **match: Any) -> dict[str, Any]:
    """The next message of a type (skipping others, e.g. presence events), within a timeout.

    What it skips is kept for a later call: the sender of an op may get its ack and the event
    in either order (the event is queued for its socket first, the ack is sent at once).
    """
    skipped: list[dict[str, Any]] = communicator.__dict__.setdefault("skipped", [])

    def wanted(message: dict[str, Any]) -> bool:
        return message["type"] == type_ and all(message.get(k) == v for k, v in match.items())

    for message in skipped:
        if wanted(message):
            skipped.remove(message)
            return message
    for _ in range(20):
        message = await communicator.receive_json_from()
        if wanted(message):
            return message
        skipped.append(message)
    raise AssertionError(f"no {type_} message")


async def send(
    communicator: WebsocketCommunicator, op: str, data: Any = None, op_id: str | None = None
) -> None:
    message: dict[str, Any] = {"op": op, "data": data or {}}
    if op_id:
        message["id"] = op_id
    await communicator.send_to(text_data=json.dumps(message))


@database_sync_to_async
def state(workshop: Workshop) -> Workshop:
    return Workshop.objects.select_related("current_step").get(pk=workshop.pk)


@database_sync_to_async
def event_count() -> int:
    return MapEvent.objects.count()


async def test_a_member_connects_and_gets_the_room(workshop, member):
    connected, ws = await open_socket(member.user, workshop)
    assert connected
    snapshot = await ws.receive_json_from()
    assert snapshot["type"] == "snapshot"
    assert "Set the stage" in snapshot["html"]
    assert 'hx-swap-oob="morph"' in snapshot["html"]
    assert isinstance(snapshot["seq"], int) and isinstance(snapshot["server_now"], int)
    await ws.disconnect()


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
async def test_outsiders_get_a_closed_socket(workshop, outsider, who):
    connected, ws = await open_socket(outsider if who == "outsider" else None, workshop)
    assert not connected
    await ws.disconnect()


async def test_a_socket_from_another_origin_is_refused(workshop, member):
    connected, ws = await open_socket(member.user, workshop, origin=b"http://evil.example")
    assert not connected
    await ws.disconnect()


async def test_a_participant_of_one_workshop_cannot_open_another(workshop, other_workshop, member):
    connected, ws = await open_socket(member.user, other_workshop)
    assert not connected
    await ws.disconnect()


async def test_the_facilitator_starts_the_timer_and_everyone_sees_it(workshop, facilitator, member, observer):
    fac = await join(facilitator.user, workshop)
    mem = await join(member.user, workshop)
    obs = await join(observer.user, workshop)
    await send(fac, "timer.start", op_id="op-start")
    ack = await next_message(fac, "ack", id="op-start")
    for ws in (mem, obs, fac):
        event = await next_message(ws, "event", op_id="op-start")
        assert event["seq"] == ack["seq"]
        assert 'data-running="1"' in event["html"]
    assert (await state(workshop)).timer_running
    for ws in (fac, mem, obs):
        await ws.disconnect()


async def test_a_delivered_event_costs_no_hop_to_the_sync_thread(workshop, facilitator, member, monkeypatch):
    # Channels runs close_old_connections in the sync thread before every handler; the room's
    # consumer does not (docs/decisions.md, "No thread hop per delivery").
    from channels import consumer

    async def hop() -> None:
        raise AssertionError("a handler waited on the sync thread")

    monkeypatch.setattr(consumer, "aclose_old_connections", hop)
    fac = await join(facilitator.user, workshop)
    mem = await join(member.user, workshop)
    await send(fac, "timer.start", op_id="op-start")
    assert (await next_message(fac, "ack", id="op-start"))["seq"]
    assert 'data-running="1"' in (await next_message(mem, "event", op_id="op-start"))["html"]
    for ws in (fac, mem):
        await ws.disconnect()


@pytest.mark.parametrize(
    "op,data",
    [
        ("timer.start", {}),
        ("timer.add", {"minutes": 5}),
        ("step.go", {"to": "next", "force": True}),
        ("joining.set", {"open": False}),
        ("joining.rotate", {}),
    ],
)
@pytest.mark.parametrize("who", ["member", "observer"])
async def test_facilitator_ops_from_others_are_refused_and_change_nothing(
    workshop, member, observer, who, op, data
):
    person: Participant = member if who == "member" else observer
    before = await state(workshop)
    ws = await join(person.user, workshop)
    events_before = await event_count()
    await send(ws, op, data, op_id="nope")
    error = await next_message(ws, "error")
    assert (error["op"], error["id"], error["code"]) == (op, "nope", "forbidden")
    assert "facilitator" in error["message"]
    after = await state(workshop)
    assert (after.timer_deadline, after.timer_remaining, after.current_step_id, after.join_code) == (
        before.timer_deadline,
        before.timer_remaining,
        before.current_step_id,
        before.join_code,
    )
    assert await event_count() == events_before
    await ws.disconnect()


async def test_observers_cannot_mark_done(workshop, observer):
    ws = await join(observer.user, workshop)
    await send(ws, "step.done", {"step": workshop.current_step_id, "done": True})
    error = await next_message(ws, "error")
    assert error["code"] == "forbidden"
    await ws.disconnect()


async def test_a_member_marks_done_and_the_facilitator_sees_it(workshop, facilitator, member):
    fac = await join(facilitator.user, workshop)
    mem = await join(member.user, workshop)
    await send(mem, "step.done", {"step": workshop.current_step_id, "done": True}, op_id="d1")
    await next_message(mem, "ack", id="d1")
    event = await next_message(fac, "event", op_id="d1")
    assert f'data-pid="{member.pk}" data-done="1"' in event["html"]
    await fac.disconnect()
    await mem.disconnect()


async def test_moving_on_while_members_work_asks_the_facilitator_first(workshop, facilitator, member):
    fac = await join(facilitator.user, workshop)
    mem = await join(member.user, workshop)
    await send(fac, "step.go", {"to": "next"}, op_id="go-1")
    error = await next_message(fac, "error", id="go-1")
    assert error["code"] == "confirm"
    assert "still working" in error["message"]
    assert (await state(workshop)).current_step.key == "stage"
    await send(fac, "step.go", {"to": "next", "force": True}, op_id="go-2")
    await next_message(fac, "ack", id="go-2")
    event = await next_message(mem, "event", op_id="go-2")
    assert "Write the backstory" in event["html"]
    await fac.disconnect()
    await mem.disconnect()


@pytest.mark.parametrize(
    "frame,code",
    [
        ("{not json", "invalid"),
        ("[1, 2]", "invalid"),
        ('{"op": 7}', "invalid"),
        ('{"op": "board.explode"}', "unknown_op"),
        ('{"op": "timer.add", "data": {"minutes": "lots"}}', "invalid"),
        ('{"op": "timer.add", "data": {"minutes": 999}}', "invalid"),
        ('{"op": "timer.add", "data": [1]}', "invalid"),
        ('{"op": "timer.add", "id": 12, "data": {"minutes": 1}}', "invalid"),
        ('{"op": "step.go", "data": {"to": "999999"}}', "invalid"),
    ],
)
async def test_bad_input_gets_a_clear_error_and_the_socket_stays_usable(workshop, facilitator, frame, code):
    ws = await join(facilitator.user, workshop)
    events_before = await event_count()
    await ws.send_to(text_data=frame)
    error = await next_message(ws, "error")
    assert error["code"] == code
    assert error["message"]
    assert await event_count() == events_before
    await ws.send_json_to({"op": "ping", "t": 1})
    pong = await next_message(ws, "pong")
    assert pong["t"] == 1
    await ws.disconnect()


async def test_a_binary_frame_is_refused_and_the_socket_stays_usable(workshop, facilitator):
    ws = await join(facilitator.user, workshop)
    await ws.send_to(bytes_data=b"\x00\x01")
    error = await next_message(ws, "error")
    assert error["code"] == "invalid"
    await ws.send_json_to({"op": "ping", "t": 2})
    pong = await next_message(ws, "pong")
    assert pong["t"] == 2
    await ws.disconnect()


async def test_invalid_fields_are_named(workshop, facilitator):
    ws = await join(facilitator.user, workshop)
    await send(ws, "timer.add", {"minutes": "lots"}, op_id="bad")
    error = await next_message(ws, "error", id="bad")
    assert error["op"] == "timer.add"
    assert "minutes" in error["errors"]
    await ws.disconnect()


async def test_a_step_of_another_workshop_is_refused(workshop, other_workshop, member):
    ws = await join(member.user, workshop)
    await send(ws, "step.done", {"step": other_workshop.current_step_id, "done": True})
    error = await next_message(ws, "error")
    assert error["code"] == "invalid"
    assert not await database_sync_to_async(other_workshop.current_step.done_by.exists)()
    await ws.disconnect()


async def test_an_oversized_message_is_refused(workshop, facilitator, settings):
    settings.LIVE_MAX_MESSAGE_BYTES = 1000
    ws = await join(facilitator.user, workshop)
    await send(ws, "agenda.update", {"note": "x" * 2000})
    error = await next_message(ws, "error")
    assert error["code"] == "too_large"
    await ws.disconnect()


async def test_a_flood_of_ops_is_limited_and_said_so(workshop, facilitator, settings):
    # A burst of 3 and next to no refill: the fourth op is refused however slowly the first
    # three are handled (at 1 op/s, a busy machine taking a second over them let it through).
    settings.LIVE_OPS_PER_SECOND = 0.001
    settings.LIVE_OPS_BURST = 3
    ws = await join(facilitator.user, workshop)
    for i in range(8):
        await send(ws, "timer.add", {"minutes": 1}, op_id=f"f{i}")
    replies = [await next_message(ws, t, id=f"f{i}") for i, t in enumerate(["ack"] * 3 + ["error"] * 5)]
    assert [r["code"] for r in replies[3:]] == ["rate_limited"] * 5
    from datetime import timedelta

    assert (await state(workshop)).timer_remaining == timedelta(minutes=5 + 3)
    await ws.disconnect()


def test_the_op_limit_refills_at_its_steady_rate_up_to_the_burst(monkeypatch):
    from types import SimpleNamespace

    from workshops import frames

    now = [100.0]
    monkeypatch.setattr(frames, "time", SimpleNamespace(monotonic=lambda: now[0]))
    bucket = frames.TokenBucket(2, 3)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    now[0] += 0.25  # half an op's worth
    assert not bucket.take()
    now[0] += 0.25
    assert [bucket.take(), bucket.take()] == [True, False]
    now[0] += 60  # a quiet minute saves up no more than the burst
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


async def test_a_retried_op_is_applied_once(workshop, facilitator):
    from datetime import timedelta

    ws = await join(facilitator.user, workshop)
    await send(ws, "timer.add", {"minutes": 5}, op_id="retry-me")
    first = await next_message(ws, "ack", id="retry-me")
    await ws.disconnect()
    # The connection dropped before the client saw the ack: it reconnects and sends again.
    ws = await join(facilitator.user, workshop)
    await send(ws, "timer.add", {"minutes": 5}, op_id="retry-me")
    second = await next_message(ws, "ack", id="retry-me")
    assert second["seq"] == first["seq"]
    assert (await state(workshop)).timer_remaining == timedelta(minutes=10)
    await ws.disconnect()


async def test_sync_and_heartbeat_report_the_newest_seq(workshop, facilitator):
    ws = await join(facilitator.user, workshop)
    await send(ws, "timer.start", op_id="s1")
    ack = await next_message(ws, "ack", id="s1")
    await ws.send_json_to({"op": "ping", "t": 5})
    pong = await next_message(ws, "pong")
    assert pong["seq"] >= ack["seq"]
    await ws.send_json_to({"op": "sync"})
    snapshot = await next_message(ws, "snapshot")
    assert snapshot["seq"] >= ack["seq"]
    assert 'data-running="1"' in snapshot["html"]
    await ws.disconnect()


async def test_a_removed_member_is_disconnected(workshop, facilitator, member):
    fac = await join(facilitator.user, workshop)
    mem = await join(member.user, workshop)
    await send(fac, "participant.remove", {"participant": member.pk}, op_id="rm")
    await next_message(fac, "ack", id="rm")
    removed = await next_message(mem, "removed")
    assert removed["message"]
    assert (await mem.receive_output(timeout=TIMEOUT))["type"] == "websocket.close"
    connected, again = await open_socket(member.user, workshop)
    assert not connected
    await again.disconnect()
    await fac.disconnect()


async def test_a_role_change_tells_that_browser_to_reload(workshop, facilitator, member):
    fac = await join(facilitator.user, workshop)
    mem = await join(member.user, workshop)
    await send(fac, "participant.role", {"participant": member.pk, "role": "observer"}, op_id="r")
    await next_message(mem, "reload")
    # The new role holds at once, even on the socket opened before the change.
    await send(mem, "step.done", {"step": workshop.current_step_id, "done": True})
    assert (await next_message(mem, "error"))["code"] == "forbidden"
    await fac.disconnect()
    await mem.disconnect()


async def test_presence_is_broadcast_when_someone_comes_and_goes(workshop, facilitator, member):
    fac = await join(facilitator.user, workshop)
    mem = await join(member.user, workshop)
    await event_showing(fac, f'class="person online" data-pid="{member.pk}"')
    await mem.disconnect()
    await event_showing(fac, f'class="person offline" data-pid="{member.pk}"')
    await fac.disconnect()


async def event_showing(communicator: WebsocketCommunicator, text: str) -> dict[str, Any]:
    for _ in range(5):
        event = await next_message(communicator, "event")
        if text in event["html"]:
            return event
    raise AssertionError(f"no event showing {text!r}")


async def test_each_socket_gets_the_room_in_its_own_language(workshop, facilitator, member):
    fac = await join(facilitator.user, workshop)
    connected, mem = await open_socket(member.user, workshop, language="zh-hans")
    assert connected
    snapshot = await mem.receive_json_from()
    assert "开场对齐" in snapshot["html"]  # "Set the stage"
    await send(fac, "timer.start", op_id="zh")
    assert "Pause" in (await next_message(fac, "event", op_id="zh"))["html"]
    event = await next_message(mem, "event", op_id="zh")
    assert "Pause" not in event["html"] and "暂停" in event["html"]
    await send(mem, "timer.start", op_id="zh-2")
    error = await next_message(mem, "error", id="zh-2")
    assert "主持人" in error["message"]  # refused, in Chinese
    await fac.disconnect()
    await mem.disconnect()


async def test_events_are_drawn_only_in_the_languages_the_room_reads(
    workshop, facilitator, member, monkeypatch
):
    """Most rooms read one language: their events are drawn and sent in it alone. A page that
    opens in another language adds it before it reads the room, so it misses nothing."""
    from maps.models import JourneyMap
    from workshops import live

    @database_sync_to_async
    def languages() -> str:
        return JourneyMap.objects.get(pk=workshop.journey_map_id).languages

    fac = await join(facilitator.user, workshop)
    assert await languages() == "en"
    messages, drawn = live.messages, {}

    def spy(event):
        out = messages(event)
        drawn[event.op_id] = [group for group, _message in out]
        return out

    monkeypatch.setattr(live, "messages", spy)
    await send(fac, "timer.start", op_id="en-only")
    await next_message(fac, "event", op_id="en-only")
    assert drawn["en-only"] == [live.group_name(workshop.pk, "en")]
    connected, mem = await open_socket(member.user, workshop, language="zh-hans")
    assert connected and (await mem.receive_json_from())["type"] == "snapshot"
    assert await languages() == "en zh-hans"
    await send(fac, "timer.pause", op_id="both")
    assert "暂停" not in (await next_message(fac, "event", op_id="both"))["html"]
    assert "继续" in (await next_message(mem, "event", op_id="both"))["html"]  # "Resume"
    assert drawn["both"] == [live.group_name(workshop.pk, "en"), live.group_name(workshop.pk, "zh-hans")]
    await mem.disconnect()
    connected, again = await open_socket(member.user, workshop, language="zh-hans")
    assert connected and (await again.receive_json_from())["type"] == "snapshot"
    assert await languages() == "en zh-hans"  # written once
    await fac.disconnect()
    await again.disconnect()
