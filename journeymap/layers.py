"""The channel layer: channels-redis's pub/sub layer, with each process's own sockets served in memory.

A group message is handed to this process's sockets in the group at once, from memory, and
published to Redis once for the other processes; each of them hands it to its own sockets (the
way socket.io's Redis adapter works). A process ignores what it published itself, by an origin
id in front of every message. So a delivery costs no Redis round trip, one event costs one
PUBLISH whatever the room's size, and while Redis is away the sockets of one process still hear
each other (docs/decisions.md, "The channel layer").

Subscriptions are channels-redis's: one Redis connection per process and event loop, which
redis-py re-subscribes when it reconnects after a Redis restart, where channels-redis's queue
layer could leave every socket of a process deaf for good (its receive lock stayed held;
docs/reliability.md).

A subscription counts only once Redis has confirmed it: `subscribe` sends a PING down the same
connection after the SUBSCRIBE and waits for its answer. Redis answers a connection's commands in
order, so from then on every PUBLISH reaches this process, and the consumer may read the log
without an event falling between the two (DESIGN: registered before it reads).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer, RedisSingleShardConnection
from channels_redis.utils import _wrap_close

ORIGIN_BYTES = 16  # a uuid4, in front of every published message
CONFIRM_SECONDS = 5.0  # a SUBSCRIBE unconfirmed by then fails; the consumer refuses the socket


class FanOutChannelLayer(RedisPubSubChannelLayer):
    def _get_layer(self) -> FanOutLoopLayer:
        loop = asyncio.get_running_loop()
        try:
            return self._layers[loop]
        except KeyError:
            layer = self._layers[loop] = FanOutLoopLayer(*self._args, **self._kwargs, channel_layer=self)
            _wrap_close(self, loop)
            return layer


class FanOutLoopLayer(RedisPubSubLoopLayer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.origin = uuid.uuid4().bytes
        self._shards = [OriginShard(shard.host, self) for shard in self._shards]

    def deliver(self, name: str, data: bytes) -> bool:
        """Hand `data` to this process's channel `name`, or to its channels in group `name`."""
        if (queue := self.channels.get(name)) is not None:
            queue.put_nowait(data)
            return True
        for channel in self.groups.get(name, ()):
            if (queue := self.channels.get(channel)) is not None:
                queue.put_nowait(data)
        return False

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        data = self.channel_layer.serialize(message)
        if not self.deliver(channel, data):  # a channel of another process
            await self._get_shard(channel).publish(channel, self.origin + data)

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        name = self._get_group_channel_name(group)
        data = self.channel_layer.serialize(message)
        self.deliver(name, data)  # first, and whether or not Redis answers
        await self._get_shard(name).publish(name, self.origin + data)


class OriginShard(RedisSingleShardConnection):
    channel_layer: FanOutLoopLayer

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._probes: dict[bytes, asyncio.Future[None]] = {}

    async def subscribe(self, channel: str) -> None:
        # channels-redis's, but it returns only once Redis has the subscription. Under the lock, so
        # a second socket joining the same group waits for the first one's confirmation too.
        async with self._lock:
            if channel in self._subscribed_to:
                return
            self._ensure_redis()
            self._ensure_receiver()
            await self._pubsub.subscribe(channel)
            await self._confirmed()
            self._subscribed_to.add(channel)

    async def _confirmed(self) -> None:
        token = uuid.uuid4().hex.encode()
        answered = self._probes[token] = asyncio.get_running_loop().create_future()
        try:
            await self._pubsub.ping(token)
            await asyncio.wait_for(answered, CONFIRM_SECONDS)
        except TimeoutError as error:
            raise ConnectionError("Redis did not confirm the subscription") from error
        finally:
            self._probes.pop(token, None)

    def _receive_message(self, message: dict[str, Any] | None) -> None:
        if message is None:
            return
        if message["type"] == "pong":  # the answer to a probe sent after a SUBSCRIBE
            if (answered := self._probes.get(message["data"])) is not None and not answered.done():
                answered.set_result(None)
            return
        data = message["data"]
        if data[:ORIGIN_BYTES] == self.channel_layer.origin:
            return  # this process's own, delivered already
        name = message["channel"]
        self.channel_layer.deliver(name.decode() if isinstance(name, bytes) else name, data[ORIGIN_BYTES:])
