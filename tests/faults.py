"""A TCP proxy a test can cut: the app's way to PostgreSQL or Redis, without stopping either.

The shared services are never touched. A server process under test is pointed at a `Proxy`
instead (its DATABASE_URL or REDIS_URL names the proxy's port); `cut()` then drops every
connection through it and refuses new ones, as a restart or an outage of the service would
look from the app, and `restore()` lets connections through again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import pytest

from bench.load import View, apply, cells_in, changes_in

T = TypeVar("T")


class Proxy:
    """Forwards bytes between local clients and `upstream`, in threads; can be cut and restored."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.accepted = 0  # connections let through, all told
        self.refused = 0  # connections turned away while cut
        self.lock = threading.Lock()
        self.open: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, url: str) -> str:
        """`url` (a service's address) with this proxy's host and port instead."""
        parts = urlsplit(url)
        auth = parts.netloc.rpartition("@")[0]
        netloc = f"{auth}@127.0.0.1:{self.port}" if auth else f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    def cut(self) -> None:
        """Drop every connection through the proxy, and refuse new ones until `restore`."""
        with self.lock:
            self.up = False
            dropped, self.open = self.open, set()
        for sock in dropped:
            drop(sock)

    def restore(self) -> None:
        with self.lock:
            self.up = True

    @contextlib.contextmanager
    def outage(self) -> Iterator[None]:
        self.cut()
        try:
            yield
        finally:
            self.restore()

    def close(self) -> None:
        self.cut()
        drop(self.listener)

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return  # closed
            if not self.up:
                self.refused += 1
                drop(client)
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                drop(client)
                continue
            server.settimeout(None)
            with self.lock:
                if not self.up:  # cut while connecting
                    drop(client)
                    drop(server)
                    continue
                self.open |= {client, server}
                self.accepted += 1
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        with self.lock:
            self.open -= {source, target}
        drop(source)
        drop(target)


def drop(sock: socket.socket) -> None:
    """Close at once with a reset, as a dead peer would; wakes a thread blocked reading it."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


def address_of(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or default_port


def wait_until(condition: Callable[[], object], timeout: float = 60, what: str = "the condition") -> object:
    """Poll `condition` until it is true; generous by default, as CI's machine may be loaded."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.1)


@pytest.fixture
def make_proxy() -> Iterator[Callable[[tuple[str, int]], Proxy]]:
    proxies: list[Proxy] = []

    def make(upstream: tuple[str, int]) -> Proxy:
        proxies.append(Proxy(upstream))
        return proxies[-1]

    yield make
    for proxy in proxies:
        proxy.close()


# -- a member's client, as static/js/live.js behaves ------------------------------------------


class Loop:
    """An event loop in a thread of its own, so that the test itself stays sync (the ORM)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 120) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        async def cancel_the_rest() -> None:
            tasks = asyncio.all_tasks() - {asyncio.current_task()}
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            self.run(cancel_the_rest(), 30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def client_loop() -> Iterator[Loop]:
    loop = Loop()
    yield loop
    loop.close()


class Member:
    """One person's room socket, kept open as the page keeps it (static/js/live.js).

    An op stays in the outbox until acked or refused; `unavailable` and `rate_limited` send it
    again with the same id, and so does every reconnect. The board is folded from the
    snapshot, replays and events in seq order, as the page draws them. A heartbeat with a
    deadline drops a socket that stopped answering. Handshakes the server refused are kept,
    by status, in `refusals`.

    `ports` are the servers behind one address, as a load balancer sees them: a connect that
    gets no answer at all (refused, timed out, cut) tries the next port the next time; one the
    server refused by status stays on its port.
    """

    HEARTBEAT = 2.0
    PONG_DEADLINE = 10.0

    def __init__(self, *, slug: str, cookie: str, ports: list[int], tag: str) -> None:
        self.slug, self.cookie, self.ports, self.tag = slug, cookie, ports, tag
        self.outbox: dict[str, dict[str, Any]] = {}
        self.acked: dict[str, int] = {}  # op id -> seq
        self.refused: dict[str, str] = {}  # op id -> error code
        self.unavailable = 0  # `unavailable` answers, all told
        self.refusals: list[int] = []  # statuses of refused handshakes
        self.connections = 0
        self.seq = -1  # none yet: the first socket asks for a snapshot
        self.view: View = {}
        self.buffer: dict[int, str] = {}
        self.heard: set[str] = set()  # op ids of the events that came live (not in a resync)
        self.parts: dict[str, list[str]] = {}
        self.ws: Any = None
        self.online = asyncio.Event()
        self.ponged = 0.0
        self.count = 0
        self.stopped = False
        self.task: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        return self.ports[0]

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self.keep_open())

    async def stop(self) -> None:
        self.stopped = True
        if self.ws is not None:
            await self.ws.close()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def keep_open(self) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidStatus, WebSocketException

        retry = 0
        while not self.stopped:
            port = self.port  # read each time: a test may move the member to another server
            since = f"?since={self.seq}" if self.seq >= 0 else ""
            uri = f"ws://127.0.0.1:{port}/ws/workshops/{self.slug}/{since}"
            headers = {"Origin": f"http://127.0.0.1:{port}", "Cookie": f"sessionid={self.cookie}"}
            try:
                ws = await connect(
                    uri, additional_headers=headers, ping_interval=None, open_timeout=30, max_size=None
                )
            except InvalidStatus as refused:
                self.refusals.append(refused.response.status_code)
                ws = None
            except (OSError, TimeoutError, WebSocketException):
                ws = None
                self.ports = [*self.ports[1:], *self.ports[:1]]  # that server is down: the next
            if ws is None:
                retry += 1
                await asyncio.sleep(min(2.0, 0.1 * 2**retry))
                continue
            retry = 0
            await self.talk(ws)

    async def talk(self, ws: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        self.ws, self.connections = ws, self.connections + 1
        self.online.set()
        heartbeat = asyncio.get_running_loop().create_task(self.heartbeat(ws))
        try:
            for frame in list(self.outbox.values()):
                await ws.send(json.dumps(frame))
            async for text in ws:
                self.frame(json.loads(text))
        except ConnectionClosed:
            pass
        finally:
            heartbeat.cancel()
            self.online.clear()
            self.ws = None

    async def heartbeat(self, ws: Any) -> None:
        self.ponged = time.monotonic()
        while True:
            await self.transmit({"op": "ping", "t": int(time.time() * 1000)})
            await asyncio.sleep(self.HEARTBEAT)
            if time.monotonic() - self.ponged > self.PONG_DEADLINE:
                await ws.close(4000, "no heartbeat")  # as live.js's drop()
                return

    async def transmit(self, frame: dict[str, Any]) -> None:
        from websockets.exceptions import ConnectionClosed

        if self.ws is not None:
            with contextlib.suppress(ConnectionClosed):
                await self.ws.send(json.dumps(frame))

    async def create_note(self, stage: int, lane: int) -> str:
        self.count += 1
        op_id = f"{self.tag}-{self.count}"
        frame = {
            "op": "sticky.create",
            "id": op_id,
            "data": {"stage": stage, "lane": lane, "text": f"note {op_id}"},
        }
        self.outbox[op_id] = frame
        await self.transmit(frame)
        return op_id

    async def sync(self) -> None:
        await self.transmit({"op": "sync", "since": self.seq})

    async def resend_later(self, op_id: str, tries: int) -> None:
        await asyncio.sleep(min(2.0, 0.25 * tries))
        if op_id in self.outbox:
            await self.transmit(self.outbox[op_id])

    def frame(self, message: dict[str, Any]) -> None:
        if message.get("type") != "part":
            self.receive(message)
            return
        got = self.parts.setdefault(message["id"], [])
        got.append(message["text"])
        if len(got) == message["of"]:
            del self.parts[message["id"]]
            self.receive(json.loads("".join(got)))

    def receive(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "snapshot":
            self.view, self.seq = cells_in(message["html"]), message["seq"]
            self.drain()
        elif kind == "replay" and message["since"] <= self.seq and message["seq"] >= self.seq:
            self.view.update(cells_in(message["html"]))  # the cells the missed events touched
            self.seq = message["seq"]
            self.drain()
        elif kind == "event" and message.get("seq") is not None and message["seq"] > self.seq:
            self.heard.add(message.get("op_id"))
            self.buffer[message["seq"]] = message["html"]
            self.drain()
        elif kind == "ack":
            self.outbox.pop(message["id"], None)
            self.acked[message["id"]] = message["seq"]
        elif kind == "error":
            self.on_error(message)
        elif kind == "pong":
            self.ponged = time.monotonic()

    def on_error(self, message: dict[str, Any]) -> None:
        op_id, code = message.get("id"), message.get("code")
        if code == "unavailable":
            self.unavailable += 1
        if op_id not in self.outbox:
            return
        if code in ("unavailable", "rate_limited"):
            tries = self.outbox[op_id]["tries"] = self.outbox[op_id].get("tries", 0) + 1
            asyncio.get_running_loop().create_task(self.resend_later(op_id, tries))
            return
        del self.outbox[op_id]
        self.refused[op_id] = code

    def drain(self) -> None:
        for seq in sorted(self.buffer):
            if seq <= self.seq:
                del self.buffer[seq]
            elif seq == self.seq + 1:
                apply(self.view, changes_in(self.buffer.pop(seq)))
                self.seq = seq

    async def knock(self) -> int:
        """One handshake and no more: its HTTP status (101 when accepted, then closed)."""
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidStatus

        uri = f"ws://127.0.0.1:{self.port}/ws/workshops/{self.slug}/"
        headers = {"Origin": f"http://127.0.0.1:{self.port}", "Cookie": f"sessionid={self.cookie}"}
        try:
            async with connect(uri, additional_headers=headers, open_timeout=30):
                return 101
        except InvalidStatus as refused:
            return refused.response.status_code

    def board(self) -> View:
        return {cell: notes for cell, notes in self.view.items() if notes}
