"""The room's websocket: ops in, acks and events out (docs/protocol.md)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.utils import translation
from django.utils.translation import gettext as _

from maps import events
from workshops import live, ops, regions, services
from workshops.frames import BadFrame, Frame, TokenBucket, as_client_time, as_seq, parse_frame, pieces
from workshops.models import Participant
from workshops.services import Refused

logger = logging.getLogger(__name__)
# Close codes (docs/protocol.md, "Close codes"); Daphne accepts 1000 and 3000–4999 only.
CLOSE_SERVER_ERROR = 4000
CLOSE_REMOVED = 4003
# The database cannot be reached (an outage, a connection it dropped): nothing was saved, and
# the same op sent again later is saved once.
UNAVAILABLE = (OperationalError, InterfaceError)
# Ops of one socket waiting for the one before them to finish, at most.
MAX_WAITING = 100
STOP = object()  # put in a socket's inbox to end its ops task
T = TypeVar("T")


def unavailable_message() -> str:
    return _("The server cannot save changes right now. Yours is kept and will be sent again.")


def internal_message() -> str:
    return _("Something went wrong on the server; this change was not saved.")


def now_ms() -> int:
    return int(time.time() * 1000)


def writer(function: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """Where a socket's writes run.

    On PostgreSQL, in worker threads: the writes of different sockets overlap, their commits
    share a flush to disk, and row locks (the map's seq, the workshop) order them. SQLite
    takes one writer at a time whatever we do, so there they queue on Channels' database
    thread rather than wait on the file's lock.
    """
    return database_sync_to_async(function, thread_sensitive=connection.vendor != "postgresql")


class RoomConsumer(AsyncWebsocketConsumer):
    """One socket of the room.

    Ops run one at a time and in order, in a task of the socket's own (`work`), so that
    events for this socket are forwarded while its own op waits for the database. An op's
    write runs where `writer` says; its broadcast is rendered in a worker thread and sent
    from the event loop (live.send), never on Channels' one database thread.
    """

    participant: Participant | None = None
    worker: asyncio.Task[None] | None = None
    frame: Frame | None = None  # the frame being handled, once its envelope is read
    present = False  # counted in the room's presence (services.presence_connect)
    cut_off = False  # the channel layer failed: this socket hears nothing any more

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        except Exception as error:
            if getattr(self, "channel_layer", None) is None or hasattr(self, "layer_receive"):
                raise  # not the channel's making: a fault of ours
            # The socket's channel could not be made (Redis is away): refused (403), as in
            # `connect`, not a 500. The page tries again.
            logger.warning("Socket refused, the channel layer is unavailable: %s", error)
            if (await receive())["type"] == "websocket.connect":
                await send({"type": "websocket.close", "code": 1000})

    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        self.participant = await database_sync_to_async(self._find)(slug)
        if self.participant is None:
            await self.close()  # before accept: the handshake is refused, nothing leaks
            return
        self.workshop = self.participant.workshop
        self.language = live.language_of(self.scope)
        self.group = live.group_name(self.workshop.pk, self.language)
        # Renders only this person may see (their notes during private writing) come here.
        self.user_group = live.user_group_name(self.workshop.pk, self.participant.user_id, self.language)
        self.bucket = TokenBucket(settings.LIVE_OPS_PER_SECOND, settings.LIVE_OPS_BURST)
        # Join the group before reading anything, so no event falls between the two.
        try:
            if self.cut_off:
                raise ConnectionError("the channel layer failed before the handshake")
            await self.channel_layer.group_add(self.group, self.channel_name)
            await self.channel_layer.group_add(self.user_group, self.channel_name)
        except Exception as error:
            # Redis is away: this socket could hear nothing. Refused (403), not a 500; the
            # page tries again.
            logger.warning("Socket refused, the channel layer is unavailable: %s", error)
            await self.close()
            return
        await self.accept()
        await self.write(services.presence_connect, participant=self.participant, language=self.language)
        self.present = True
        # A client that says what it has (?since=N) gets only what it missed.
        since = parse_qs(self.scope.get("query_string", b"").decode()).get("since", [""])[0]
        await self.resync(as_seq(since))
        self.inbox: asyncio.Queue[Any] = asyncio.Queue()
        self.worker = asyncio.create_task(self.work())

    async def disconnect(self, code: int) -> None:
        if self.worker is not None:
            # Ops not started are dropped (the client sends them again); the one under way
            # finishes, so its ack or broadcast is not cut off halfway.
            while not self.inbox.empty():
                self.inbox.get_nowait()
            self.inbox.put_nowait(STOP)
            await self.worker
        if self.participant is None or not self.present:
            return  # refused, or removed: nothing to count out
        with contextlib.suppress(Exception):  # the layer may be what failed; memberships expire
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.channel_layer.group_discard(self.user_group, self.channel_name)
        await self.write(services.presence_disconnect, participant=self.participant)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels' own, less its `aclose_old_connections` before every handler: a hop to the
        # sync thread per delivered event (docs/decisions.md, "No thread hop per delivery").
        # Every database access here goes through database_sync_to_async, which closes stale
        # connections around each call in the thread that runs it.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    def _find(self, slug: str) -> Participant | None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return None
        return (
            Participant.objects.select_related("workshop", "user")
            .filter(workshop__slug=slug, user=user)
            .first()
        )

    async def write(self, service: Callable[..., T], **kwargs: Any) -> T:
        """Run a service (`writer`), then broadcast the events it committed."""

        def run() -> tuple[T, list[live.Event]]:
            with live.deferred() as broadcasts:
                return service(**kwargs), broadcasts

        result, broadcasts = await writer(run)()
        try:
            await live.send(broadcasts)
        except Exception as error:
            # Committed all the same (Redis may be away): pages find the event by its seq.
            logger.warning("%s committed, but its broadcast failed: %s", service.__name__, error)
        return result

    # -- from the client --------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.worker is None or self.worker.done():
            return  # closing
        if self.inbox.qsize() >= MAX_WAITING:
            # Far more ops are waiting than the rate limit lets through: refuse, don't queue.
            try:
                frame = parse_frame(text_data)
                name, op_id = frame.name, frame.op_id
            except BadFrame:
                name = op_id = None
            with translation.override(self.language):
                text = _("Too many changes at once; this one was not saved. Try again.")
            await self.send_error(name, op_id, "rate_limited", text)
            return
        self.inbox.put_nowait(text_data)

    async def work(self) -> None:
        """The socket's ops, one at a time. Nothing a frame does ends this loop while the socket
        stays open: a failure is answered, and where the socket's state may be unsound (it may
        have lost its group, or a frame it should have sent), the socket is closed so that the
        client reconnects and resyncs."""
        while (text_data := await self.inbox.get()) is not STOP:
            with translation.override(self.language):
                self.frame = None
                try:
                    await self.handle(text_data)
                except Exception as error:
                    if not await self.recover(error):
                        return

    async def recover(self, error: Exception) -> bool:
        """Answer a frame that failed outside its op's write; False if the socket was closed."""
        name, op_id = (self.frame.name, self.frame.op_id) if self.frame else (None, None)
        if isinstance(error, UNAVAILABLE):
            logger.warning("Frame %s not handled, the database is unavailable: %s", name, error)
            await self.send_error(name, op_id, "unavailable", unavailable_message())
            return True
        logger.exception("Frame %s failed; closing its socket so that the client resyncs", name)
        with contextlib.suppress(Exception):  # the socket itself may be what failed
            await self.send_error(name, op_id, "internal", internal_message())
        await self.close(code=CLOSE_SERVER_ERROR)
        return False

    async def handle(self, text_data: str | None) -> None:
        try:
            frame = parse_frame(text_data)
        except BadFrame as bad:
            await self.send_error(bad.name, bad.op_id, bad.code, bad.message)
            return
        self.frame = frame
        # Heartbeats and resyncs count too: each costs the server a query or a render.
        if not self.bucket.take():
            await self.send_error(
                frame.name,
                frame.op_id,
                "rate_limited",
                _("Too many changes at once; this one was not saved. Try again."),
            )
            return
        if frame.name == "ping":
            await self.heartbeat(as_client_time(frame.message.get("t")))
            return
        if frame.name == "sync":
            await self.resync(as_seq(frame.message.get("since")))
            return
        await self.apply(frame)

    async def apply(self, frame: Frame) -> None:
        name, op_id = frame.name, frame.op_id
        try:
            assert self.participant is not None
            done = await writer(ops.run)(
                participant_id=self.participant.pk, name=name, data=frame.data, op_id=op_id
            )
        except Refused as refused:
            errors = getattr(refused, "errors", None)
            await self.send_error(name, op_id, refused.code, refused.message, errors)
            if refused.code == "removed":
                await self.close(code=CLOSE_REMOVED)
            return
        except UNAVAILABLE as error:
            logger.warning("Op %s not saved, the database is unavailable: %s", name, error)
            await self.send_error(name, op_id, "unavailable", unavailable_message())
            return
        except Exception:
            # A fault of ours, before the op committed (its transaction is rolled back): the
            # socket's state is untouched, so it goes on.
            logger.exception("Op %s failed", name)
            await self.send_error(name, op_id, "internal", internal_message())
            return
        # Committed. The event goes out before the ack, so that the sender's page, told by the
        # ack that event `seq` exists, does not ask to resync while the event is being drawn.
        try:
            await live.send(done.events)
        except Exception:
            # Saved all the same: the ack says so, and pages find the missing event by its seq.
            logger.exception("Op %s saved as event %s, but its broadcast failed", name, done.seq)
        await self.send_json({"type": "ack", "op": name, "id": op_id, "seq": done.seq})

    async def heartbeat(self, client_time: int | float | None) -> None:
        assert self.participant is not None
        # Group memberships expire in the queue layer; re-joining keeps this socket in.
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.channel_layer.group_add(self.user_group, self.channel_name)
        await database_sync_to_async(services.presence_heartbeat)(participant=self.participant)
        seq = await database_sync_to_async(events.current_seq)(journey_map_id=self.workshop.journey_map_id)
        await self.send_json({"type": "pong", "seq": seq, "server_now": now_ms(), "t": client_time})

    async def resync(self, since: int | None) -> None:
        """Replay the log after `since` as fresh parts, or send a snapshot when that is simpler."""
        if since is not None:
            replayed = await database_sync_to_async(self._replay, thread_sensitive=False)(since)
            if replayed is not None:
                seq, html = replayed
                await self.send_json(
                    {"type": "replay", "seq": seq, "since": since, "html": html, "server_now": now_ms()}
                )
                return
        await self.send_snapshot()

    def _replay(self, since: int) -> tuple[int, str] | None:
        assert self.participant is not None
        with translation.override(self.language):
            return live.replay(
                workshop_id=self.workshop.pk,
                journey_map_id=self.workshop.journey_map_id,
                since=since,
                viewer_id=self.participant.user_id,
            )

    async def send_snapshot(self) -> None:
        # Drawn off the database thread: a room that reconnects at once draws many.
        seq, html = await database_sync_to_async(self._snapshot, thread_sensitive=False)()
        await self.send_json({"type": "snapshot", "seq": seq, "html": html, "server_now": now_ms()})

    def _snapshot(self) -> tuple[int, str]:
        # The number first: the state drawn after it is at least as new, never older.
        seq = events.current_seq(journey_map_id=self.workshop.journey_map_id)
        with translation.override(self.language):
            return seq, live.render(
                workshop_id=self.workshop.pk, parts=regions.ALL, viewer_id=self.participant.user_id
            )

    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(content))

    async def send(
        self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False
    ) -> None:
        # Every text the socket sends passes here: one too big for a frame goes in parts.
        if text_data is None:
            await super().send(bytes_data=bytes_data, close=close)
            return
        for piece in pieces(text_data):
            await super().send(text_data=piece)
        if close:
            await self.close(close)

    async def send_error(
        self,
        op: str | None,
        op_id: str | None,
        code: str,
        message: str,
        errors: dict[str, list[str]] | None = None,
    ) -> None:
        frame = {"type": "error", "op": op, "id": op_id, "code": code, "message": message}
        if errors:
            frame["errors"] = errors
        await self.send_json(frame)

    # -- from the group ---------------------------------------------------------------------

    # Channels builds `channel_receive` (the layer's next message for this socket) as the
    # consumer starts and waits on it beside the socket; a failure there (Redis away or
    # restarted) would end the application with the socket still counted in the room and a
    # half-open handshake answered 500. Its failure comes through `receive_from_layer` instead.
    @property
    def channel_receive(self) -> Callable[[], Awaitable[dict[str, Any]]]:
        return self.receive_from_layer

    @channel_receive.setter
    def channel_receive(self, receive: Callable[[], Awaitable[dict[str, Any]]]) -> None:
        self.layer_receive = receive

    async def receive_from_layer(self) -> dict[str, Any]:
        if self.cut_off:
            await asyncio.Event().wait()  # until the consumer ends (the socket is closing)
        try:
            return await self.layer_receive()
        except Exception as error:
            logger.warning("Socket closed, the channel layer failed: %s", error)
            self.cut_off = True
            return {"type": "room.cut_off"}

    async def room_cut_off(self, event: dict[str, Any]) -> None:
        # Events sent meanwhile are lost to this socket: closed (or refused, before the
        # handshake), the page reconnects and resyncs from its seq.
        await self.close(code=CLOSE_SERVER_ERROR)

    async def room_volatile(self, event: dict[str, Any]) -> None:
        await self.send(text_data=event["text"])

    async def room_event(self, event: dict[str, Any]) -> None:
        me = self.participant.user_id if self.participant else None
        if me in event.get("except", ()):
            return  # this person gets their own render of the same event
        if event.get("removed") == me:
            with translation.override(self.language):
                message = _("A facilitator took you out of this workshop.")
            await self.send_json({"type": "removed", "message": message})
            self.participant = None  # already gone from the database
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.channel_layer.group_discard(self.user_group, self.channel_name)
            await self.close(code=CLOSE_REMOVED)
            return
        await self.send(text_data=event["text"])
        if event.get("role_changed") == me:
            await self.send_json({"type": "reload"})
