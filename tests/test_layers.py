"""The channel layer (journeymap/layers.py): own sockets from memory, others through one publish.

Two layer objects stand for two server processes on one Redis.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from journeymap.layers import FanOutChannelLayer
from tests.conftest import NEEDS_SERVICES

pytestmark = [pytest.mark.services, NEEDS_SERVICES]


def layer(url: str | None = None, prefix: str = "") -> Any:
    return FanOutChannelLayer(hosts=[{"address": url or os.environ["REDIS_URL"]}], prefix=prefix)


async def soon(layer: Any, channel: str, timeout: float = 10) -> dict[str, Any]:
    return await asyncio.wait_for(layer.receive(channel), timeout)


async def nothing_more(layer: Any, channel: str) -> bool:
    """No further message for `channel` (one published would have come back long since)."""
    try:
        await asyncio.wait_for(layer.receive(channel), 1)
    except TimeoutError:
        return True
    return False


def test_a_group_message_reaches_every_socket_once_in_this_process_and_the_others() -> None:
    async def run() -> None:
        prefix = f"t{uuid.uuid4().hex[:8]}:"
        here, there = layer(prefix=prefix), layer(prefix=prefix)
        mine = [await here.new_channel(), await here.new_channel()]
        theirs = await there.new_channel()
        for channel in mine:
            await here.group_add("room", channel)
        await there.group_add("room", theirs)  # returns once Redis has the subscription
        await here.group_send("room", {"type": "room.event", "text": "1"})
        await there.group_send("room", {"type": "room.event", "text": "2"})
        for channel in mine:
            got = [(await soon(here, channel))["text"], (await soon(here, channel))["text"]]
            assert sorted(got) == ["1", "2"]
        got = [(await soon(there, theirs))["text"], (await soon(there, theirs))["text"]]
        assert sorted(got) == ["1", "2"]
        # Its own message does not come back through Redis a second time.
        assert await nothing_more(here, mine[0])
        assert await nothing_more(there, theirs)
        await here.flush()
        await there.flush()

    asyncio.run(run())


def test_a_message_to_one_socket_of_another_process_goes_through_redis() -> None:
    async def run() -> None:
        prefix = f"t{uuid.uuid4().hex[:8]}:"
        here, there = layer(prefix=prefix), layer(prefix=prefix)
        mine, theirs = await here.new_channel(), await there.new_channel()
        await here.send(theirs, {"type": "room.event", "text": "to them"})
        await here.send(mine, {"type": "room.event", "text": "to me"})
        assert (await soon(there, theirs))["text"] == "to them"
        assert (await soon(here, mine))["text"] == "to me"
        assert await nothing_more(here, mine)
        await here.flush()
        await there.flush()

    asyncio.run(run())


def test_a_socket_hears_what_another_process_publishes_the_moment_it_has_joined() -> None:
    # DESIGN: a socket is registered before it reads the log. With the SUBSCRIBE only sent, not
    # confirmed, a PUBLISH from another connection could reach Redis first and be lost.
    async def run() -> None:
        prefix = f"t{uuid.uuid4().hex[:8]}:"
        here, there = layer(prefix=prefix), layer(prefix=prefix)
        await there.group_send("warm", {"type": "room.event"})  # its connection is open
        for n in range(200):
            channel = await here.new_channel()
            await here.group_add(f"room{n}", channel)
            await there.group_send(f"room{n}", {"type": "room.event", "text": str(n)})
            assert (await soon(here, channel, timeout=5))["text"] == str(n)
        await here.flush()
        await there.flush()

    asyncio.run(run())


def test_a_subscription_redis_never_confirms_fails_not_hangs(monkeypatch: pytest.MonkeyPatch) -> None:
    async def run() -> None:
        here = layer(prefix=f"t{uuid.uuid4().hex[:8]}:")
        monkeypatch.setattr("journeymap.layers.CONFIRM_SECONDS", 0.2)
        shard = here._get_layer()._shards[0]
        monkeypatch.setattr(shard, "_receive_message", lambda message: None)  # every answer lost
        with pytest.raises(ConnectionError):
            await here.new_channel()
        await here.flush()

    asyncio.run(run())


def test_with_redis_away_a_process_still_serves_its_own_sockets() -> None:
    async def run() -> None:
        # Nothing listens on port 1: every Redis command fails at once.
        cut_off = layer("redis://127.0.0.1:1/0")
        loop_layer = cut_off._get_layer()
        # A socket of this process that joined the room before Redis went away.
        mine = "specific.a"
        loop_layer.channels[mine] = asyncio.Queue()
        loop_layer.groups[loop_layer._get_group_channel_name("room")] = {mine}
        with pytest.raises(RedisConnectionError):
            await cut_off.group_send("room", {"type": "room.event", "text": "still here"})
        assert (await soon(cut_off, mine))["text"] == "still here"

    asyncio.run(run())
