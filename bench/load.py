"""Open-loop load on the live path: W workshops x P people, each sending sticky ops at R ops/s.

Every person has one websocket and sends ops on a Poisson schedule (exponential gaps drawn
in advance, whatever the server does: open loop, so a slow server cannot slow the load
down and hide its own latency). An op's latency, per recipient, is the time its event
reaches that socket minus the time the op was *scheduled* to be sent, both read from
time.monotonic() in this one process.

Each person creates a note first, then creates, edits or moves notes of their own. At the
end every socket must have received every event of its workshop exactly once (ops are
matched by op_id, and, on the app, the whole numbered log by seq), and each socket's view
of the board, folded from its snapshot and the events it got in seq order, must equal
the Sticky rows in the database.

The same sockets, schedule and op frames run against the floor (bench/floor.py), which
only forwards each frame to the group: no checks, no database, no render.

    DATABASE_URL=... [REDIS_URL=...] python -m bench.load --profile play --target live
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets.exceptions

BASE_DIR = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Profile:
    name: str
    workshops: int
    people: int
    rate: float  # ops per second per person
    duration: float  # seconds of load


PROFILES = {
    "play": Profile("play", 10, 8, 0.5, 20),
    "S": Profile("S", 10, 25, 0.5, 20),
    "L": Profile("L", 20, 50, 0.25, 20),
    "burst": Profile("burst", 1, 50, 5.0, 10),
    "smoke": Profile("smoke", 2, 3, 2.0, 3),
}


# -- seeding (sync, Django) -------------------------------------------------------------------


@dataclass
class Room:
    slug: str
    journey_map_id: int
    stages: list[int]
    lanes: list[int]
    cookies: list[str]  # one session key per person


@contextmanager
def quiet_broadcasts() -> Iterator[None]:
    """While seeding nobody is connected: skip rendering the people list for every join."""
    from workshops import live

    publish = live.publish
    live.publish = lambda **kwargs: None
    try:
        yield
    finally:
        live.publish = publish


def seed(*, workshops: int, people: int, tag: str | None = None) -> list[Room]:
    """Workshops made by the app's own services, each with `people` guest members logged in."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from maps.models import Lane, Stage
    from workshops.services import guest_user_create, participant_join, workshop_create

    tag = tag or f"{int(time.time() * 1000) % 10**9}-{random.randrange(10**6)}"
    rooms = []
    with quiet_broadcasts():
        owner = get_user_model().objects.create_user(f"bench-{tag}", password=None)
        for w in range(workshops):
            workshop = workshop_create(owner=owner, title=f"Bench {tag} #{w}", kind="current")
            map_id = workshop.journey_map_id
            cookies = []
            for p in range(people):
                user = guest_user_create(display_name=f"Person {p}")
                participant_join(workshop=workshop, user=user, display_name=f"Person {p}")
                session = SessionStore()
                session[SESSION_KEY] = str(user.pk)
                session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
                session[HASH_SESSION_KEY] = user.get_session_auth_hash()
                session.create()
                cookies.append(session.session_key)
            rooms.append(
                Room(
                    slug=workshop.slug,
                    journey_map_id=map_id,
                    stages=list(Stage.objects.filter(journey_map_id=map_id).values_list("pk", flat=True)),
                    lanes=list(
                        Lane.objects.filter(journey_map_id=map_id, visible=True).values_list("pk", flat=True)
                    ),
                    cookies=cookies,
                )
            )
    return rooms


def fake_rooms(*, workshops: int, people: int) -> list[Room]:
    """For the floor alone (no database): the same shape of rooms, made-up ids."""
    tag = f"{random.randrange(10**9)}"
    return [
        Room(f"floor-{tag}-{w}", 0, list(range(1, 7)), list(range(1, 9)), [""] * people)
        for w in range(workshops)
    ]


# -- reading what the server sends ------------------------------------------------------------

EVENT = re.compile(r'\{"type": "event", "seq": (\d+), "op_id": (?:null|"([^"]*)")')
ECHO = re.compile(r'\{"op": "[^"]+", "id": "([^"]+)"')
CELL = re.compile(r'<td id="cell-(\d+)-(\d+)".*?</td>', re.S)
NOTE = re.compile(r'<li id="sticky-(\d+)".*?<p class="sticky-text">(.*?)</p>', re.S)

Cell = tuple[int, int]
View = dict[Cell, list[tuple[int, str]]]


def cells_in(html: str) -> View:
    """Every cell drawn in `html`, each a complete list of its notes (id, text) in order."""
    return {
        (int(m[1]), int(m[2])): [(int(n[1]), n[2].strip()) for n in NOTE.finditer(m[0])]
        for m in CELL.finditer(html)
    }


# What an event does to the board, as htmx applies it in the browser: whole cells drawn again,
# or one note (maps.services.NoteSwap) replaced in place, deleted, put before another note or
# at the end of a cell.
SWAP = re.compile(
    r'(?P<cell><td id="cell-(?P<cs>\d+)-(?P<cl>\d+)".*?</td>)'
    r'|<ol data-put hx-swap-oob="(?:beforebegin:#sticky-(?P<before>\d+)'
    r'|beforeend:#cell-(?P<es>\d+)-(?P<el>\d+) > \.notes)">'
    r"(?P<put>.*?)</ol>"
    r'|(?P<note><li id="sticky-(?P<same>\d+)"[^>]*hx-swap-oob="morph".*?</li>)',
    re.S,
)
Change = tuple[str, Any, Any]  # (what, where, with what)


def changes_in(html: str) -> list[Change]:
    changes: list[Change] = []
    for m in SWAP.finditer(html):
        if m["cell"]:
            changes.append(
                ("cell", (int(m["cs"]), int(m["cl"])), cells_in(m["cell"])[(int(m["cs"]), int(m["cl"]))])
            )
        elif m["put"] is not None:
            note = NOTE.search(m["put"])
            where = int(m["before"]) if m["before"] else (int(m["es"]), int(m["el"]))
            changes.append(("insert", where, (int(note[1]), note[2].strip())))
        else:
            note = NOTE.search(m["note"])
            changes.append(("replace", int(m["same"]), (int(note[1]), note[2].strip())))
    return changes


def apply(view: View, changes: list[Change]) -> None:
    """Apply an event's changes to a socket's view, as the browser would (a missing target: no-op)."""

    def find(note_id: int) -> tuple[Cell, int] | None:
        for cell, notes in view.items():
            for i, (pk, _text) in enumerate(notes):
                if pk == note_id:
                    return cell, i
        return None

    for what, where, value in changes:
        if what == "cell":
            view[where] = list(value)
        elif what == "replace":
            found = find(where)
            if found is not None:
                view[found[0]][found[1]] = value
        else:  # "insert": where it goes must be there; any copy of the note goes first
            if (where not in view) if isinstance(where, tuple) else (find(where) is None):
                continue
            found = find(value[0])
            if found is not None:
                del view[found[0]][found[1]]
            if isinstance(where, tuple):
                view[where].append(value)
            else:
                before = find(where)
                view[before[0]].insert(before[1], value)


# -- the load ---------------------------------------------------------------------------------


@dataclass
class Op:
    room: int
    sender: int
    name: str
    scheduled: float
    sent: float = 0.0
    acked: float = 0.0
    seq: int | None = None
    error: str | None = None


@dataclass
class Run:
    target: str
    rooms: list[Room]
    ports: list[int]
    rate: float
    duration: float
    drain: float = 10.0
    warmup: float = 2.0
    connect_concurrency: int = 8
    reconnects: int = 0
    ops: dict[str, Op] = field(default_factory=dict)
    texts: list[dict[int, str]] = field(default_factory=list)  # per room: seq -> event text
    sockets: list[Socket] = field(default_factory=list)
    delivered: int = 0
    started: float = 0.0
    ended: float = 0.0
    final_seq: dict[int, int] = field(default_factory=dict)
    server_pids: list[int] = field(default_factory=list)
    server_cpu: float = 0.0  # CPU seconds of the servers from `started` to `ended`


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used so far (Linux /proc)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


async def whole(ws: Any) -> Any:
    """The socket's messages as the server meant them: "part" frames put back together
    (docs/protocol.md, "Big messages")."""
    parts: dict[int, list[str]] = {}
    async for text in ws:
        if not text.startswith('{"type": "part"'):
            yield text
            continue
        frame = json.loads(text)
        got = parts.setdefault(frame["id"], [])
        got.append(frame["text"])
        if len(got) == frame["of"]:
            yield "".join(parts.pop(frame["id"]))


class Socket:
    def __init__(self, run: Run, room: int, person: int, index: int) -> None:
        self.run, self.room, self.person = run, room, person
        self.port = run.ports[index % len(run.ports)]
        self.random = random.Random(index * 7919 + 17)  # what to do
        self.clock = random.Random(index * 7919 + 18)  # when: the same schedule on every target
        self.tag = f"r{room}p{person}"
        self.count = 0
        self.snapshot_seq: int | None = None
        self.snapshot: View = {}
        self.snapshot_event = asyncio.Event()
        self.arrivals: list[tuple[int | None, str | None, float]] = []  # (seq, op_id, time)
        self.errors: list[dict[str, Any]] = []
        self.mine: list[int] = []  # ids of my notes, known once my create's event came
        self.creating: dict[str, str] = {}  # op id -> text of my create not yet seen
        self.ws: Any = None

    async def connect(self) -> None:
        from websockets.asyncio.client import connect

        room = self.run.rooms[self.room]
        uri = f"ws://127.0.0.1:{self.port}/ws/workshops/{room.slug}/"
        headers = {
            "Origin": f"http://127.0.0.1:{self.port}",
            "Cookie": f"sessionid={room.cookies[self.person]}",
        }
        self.ws = await connect(
            uri,
            additional_headers=headers,
            compression=None,
            max_size=None,
            ping_interval=None,
            open_timeout=60,
            max_queue=None,
        )
        self.reader = asyncio.create_task(self.read())
        await asyncio.wait_for(self.snapshot_event.wait(), 60)

    async def read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        run, ops = self.run, self.run.ops
        texts = run.texts[self.room]
        try:
            async for text in whole(self.ws):
                now = time.monotonic()
                if text.startswith('{"type": "event"'):
                    m = EVENT.match(text)
                    seq, op_id = int(m[1]), m[2]
                    if seq not in texts:
                        texts[seq] = text
                    self.arrivals.append((seq, op_id, now))
                    if op_id in ops:
                        run.delivered += 1
                        if op_id in self.creating:
                            self.learn(op_id, json.loads(text)["html"])
                elif text.startswith('{"op"'):  # the floor echoes the op frame
                    op_id = ECHO.match(text)[1]
                    self.arrivals.append((None, op_id, now))
                    run.delivered += 1
                    op = ops[op_id]
                    if op.sender == id(self) and not op.acked:
                        op.acked = now
                        if op_id in self.creating:
                            del self.creating[op_id]
                            self.mine.append(self.random.randrange(10**6))
                else:
                    message = json.loads(text)
                    kind = message.get("type")
                    if kind == "ack":
                        op = ops.get(message["id"])
                        if op is not None:
                            op.acked, op.seq = now, message["seq"]
                    elif kind == "error":
                        self.errors.append(message)
                        op = ops.get(message.get("id"))
                        if op is not None:
                            op.error = message["code"]
                            self.creating.pop(message["id"], None)
                    elif kind in ("snapshot", "replay") and self.snapshot_seq is None:
                        self.snapshot_seq = message["seq"]
                        self.snapshot = cells_in(message["html"])
                        self.snapshot_event.set()
        except ConnectionClosed:
            pass

    def learn(self, op_id: str, html: str) -> None:
        text = self.creating.pop(op_id)
        for note in NOTE.finditer(html):
            if note[2].strip() == text:
                self.mine.append(int(note[1]))
                return

    def frame(self, op_id: str) -> tuple[str, dict[str, Any]]:
        room = self.run.rooms[self.room]
        rnd = self.random
        choice = rnd.random()
        if not self.mine or choice < 0.4:
            text = f"note {op_id}"
            self.creating[op_id] = text
            return "sticky.create", {
                "stage": rnd.choice(room.stages),
                "lane": rnd.choice(room.lanes),
                "text": text,
            }
        note = rnd.choice(self.mine)
        if choice < 0.8:
            return "sticky.edit", {"sticky": note, "text": f"edited {op_id}"}
        return "sticky.move", {
            "sticky": note,
            "stage": rnd.choice(room.stages),
            "lane": rnd.choice(room.lanes),
            "position": rnd.randrange(4),
        }

    async def send_ops(self, start: float, end: float) -> None:
        run, rnd = self.run, self.clock
        when = start + rnd.expovariate(run.rate)
        while when < end:
            delay = when - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.count += 1
            op_id = f"{self.tag}-{self.count}"
            name, data = self.frame(op_id)
            op = run.ops[op_id] = Op(self.room, id(self), name, when)
            op.sent = time.monotonic()
            await self.ws.send(json.dumps({"op": name, "id": op_id, "data": data}))
            when += rnd.expovariate(run.rate)


async def run_load(run: Run, *, settle: float = 1.0) -> None:
    """Connect every socket, run the schedule, wait for the deliveries, close."""
    run.texts = [{} for _ in run.rooms]
    run.sockets = [
        Socket(run, r, p, index)
        for index, (r, p) in enumerate(
            (r, p) for r, room in enumerate(run.rooms) for p in range(len(room.cookies))
        )
    ]
    gate = asyncio.Semaphore(run.connect_concurrency)

    async def connect(socket: Socket) -> None:
        async with gate:
            try:
                await socket.connect()
            except (TimeoutError, OSError, websockets.exceptions.WebSocketException):
                # Daphne drops a handshake the app has not accepted within 5 s (a connect
                # storm: each accept reads the session and draws a snapshot). Once more.
                run.reconnects += 1
                await asyncio.sleep(1)
                await socket.connect()

    await asyncio.gather(*(connect(s) for s in run.sockets))
    await asyncio.sleep(settle)  # the presence events of the last joins go by
    if run.warmup:
        # Unmeasured: templates compiled, caches and connections warm, a note each.
        start = time.monotonic() + 0.1
        await asyncio.gather(*(s.send_ops(start, start + run.warmup) for s in run.sockets))
        await drain(run)
        run.ops.clear()
        run.delivered = 0
    run.started = time.monotonic() + 0.2
    cpu = cpu_seconds(run.server_pids)
    end = run.started + run.duration
    await asyncio.gather(*(s.send_ops(run.started, end) for s in run.sockets))
    await drain(run)
    run.ended = time.monotonic()
    run.server_cpu = cpu_seconds(run.server_pids) - cpu
    await asyncio.sleep(0.2)  # anything late but not lost (counted as duplicates if twice)
    if run.target == "live":
        run.final_seq = await asyncio.to_thread(final_seqs, run.rooms)
    for s in run.sockets:
        await s.ws.close()
        s.reader.cancel()


async def drain(run: Run) -> None:
    """Wait until every op is answered and every expected delivery came, or `run.drain` s."""
    deadline = time.monotonic() + run.drain
    while time.monotonic() < deadline:
        done = [op for op in run.ops.values() if op.acked or op.error]
        expected = sum(len(run.rooms[op.room].cookies) for op in done if not op.error)
        if len(done) == len(run.ops) and run.delivered >= expected:
            return
        await asyncio.sleep(0.05)


def final_seqs(rooms: list[Room]) -> dict[int, int]:
    """The newest seq of each room's map (run in a worker thread, which closes its connection)."""
    from django.db import connection

    from maps.models import JourneyMap

    try:
        ids = [room.journey_map_id for room in rooms]
        return dict(JourneyMap.objects.filter(pk__in=ids).values_list("pk", "seq"))
    finally:
        connection.close()


# -- results ----------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    index = min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))
    return values[index]


def summarise(run: Run) -> dict[str, Any]:
    ops = run.ops
    latencies: list[float] = []
    lost = duplicated = 0
    expected_by_op = Counter()
    for op_id, op in ops.items():
        if not op.error:
            expected_by_op[op_id] = 0
    for s in run.sockets:
        seen: Counter[str] = Counter()
        for _seq, op_id, at in s.arrivals:
            if op_id in ops:
                seen[op_id] += 1
                if seen[op_id] == 1:
                    latencies.append(at - ops[op_id].scheduled)
        duplicated += sum(n - 1 for n in seen.values() if n > 1)
        for op_id in expected_by_op:
            if ops[op_id].room == s.room and not seen[op_id]:
                lost += 1
    latencies.sort()
    persisted = [op for op in ops.values() if op.acked and not op.error]
    errors = Counter(op.error for op in ops.values() if op.error)
    unanswered = sum(1 for op in ops.values() if not op.acked and not op.error)
    lag = sorted(op.sent - op.scheduled for op in ops.values())
    acks = sorted(op.acked - op.scheduled for op in persisted)
    ms = 1000
    result = {
        "target": run.target,
        "servers": len(run.ports),
        "workshops": len(run.rooms),
        "people": len(run.rooms[0].cookies),
        "sockets": len(run.sockets),
        "rate_per_person": run.rate,
        "duration_s": run.duration,
        "ops_sent": len(ops),
        "ops_persisted": len(persisted),
        "ops_per_s": round(len(persisted) / run.duration, 1),
        # The same over the window and the drain it needed: the honest rate when overloaded.
        "throughput_per_s": round(len(persisted) / max(run.duration, run.ended - run.started), 1),
        "errors": dict(errors),
        "unanswered": unanswered,
        "deliveries": len(latencies),
        "deliveries_per_s": round(len(latencies) / run.duration, 1),
        "lost": lost,
        "duplicated": duplicated,
        "p50_ms": round(percentile(latencies, 0.5) * ms, 2),
        "p99_ms": round(percentile(latencies, 0.99) * ms, 2),
        "p999_ms": round(percentile(latencies, 0.999) * ms, 2),
        "max_ms": round((latencies[-1] if latencies else math.nan) * ms, 2),
        "ack_p50_ms": round(percentile(acks, 0.5) * ms, 2),
        "ack_p99_ms": round(percentile(acks, 0.99) * ms, 2),
        "send_lag_p99_ms": round(percentile(lag, 0.99) * ms, 2),
        "connect_retries": run.reconnects,
        "drain_s": round(max(0.0, run.ended - run.started - run.duration), 2),
        "server_cpu_s": round(run.server_cpu, 2),
        "server_cpu_ms_per_op": round(1000 * run.server_cpu / max(1, len(persisted)), 2),
        "server_cpu_us_per_delivery": round(1e6 * run.server_cpu / max(1, len(latencies)), 1),
        "loadavg": Path("/proc/loadavg").read_text().split()[0],
    }
    if run.target == "live":
        result.update(check_log_and_views(run))
    return result


def fold(run: Run, socket: Socket, parsed: dict[tuple[int, int], list[Change]]) -> View:
    view = {cell: list(notes) for cell, notes in socket.snapshot.items()}
    for seq in sorted({seq for seq, _op, _at in socket.arrivals if seq is not None}):
        if seq <= socket.snapshot_seq:
            continue
        key = (socket.room, seq)
        if key not in parsed:
            parsed[key] = changes_in(json.loads(run.texts[socket.room][seq])["html"])
        apply(view, parsed[key])
    return {cell: notes for cell, notes in view.items() if notes}


def database_views(rooms: list[Room]) -> list[View]:
    from maps.models import Sticky

    views: list[View] = []
    for room in rooms:
        view: View = defaultdict(list)
        notes = Sticky.objects.filter(journey_map_id=room.journey_map_id, deleted_at=None, hidden=False)
        for note in notes.order_by("position", "pk").only("pk", "text", "stage_id", "lane_id"):
            view[(note.stage_id, note.lane_id)].append((note.pk, note.text))
        views.append(dict(view))
    return views


def check_log_and_views(run: Run) -> dict[str, Any]:
    """Every numbered event after its snapshot reached each socket once; every view = the DB."""
    db = database_views(run.rooms)
    parsed: dict[tuple[int, int], list[Change]] = {}
    seq_lost = seq_duplicated = out_of_order = views_differ = 0
    for s in run.sockets:
        seqs = [seq for seq, _op, _at in s.arrivals if seq is not None and seq > s.snapshot_seq]
        counts = Counter(seqs)
        seq_duplicated += sum(n - 1 for n in counts.values() if n > 1)
        last = run.final_seq[run.rooms[s.room].journey_map_id]
        seq_lost += sum(1 for seq in range(s.snapshot_seq + 1, last + 1) if seq not in counts)
        out_of_order += sum(1 for a, b in zip(seqs, seqs[1:], strict=False) if b < a)
        if fold(run, s, parsed) != db[s.room]:
            views_differ += 1
    return {
        "log_events_lost": seq_lost,
        "log_events_duplicated": seq_duplicated,
        "arrived_out_of_seq_order": out_of_order,
        "views_differing_from_db": views_differ,
        "notes_in_db": sum(len(n) for view in db for n in view.values()),
    }


def measure(
    *,
    target: str,
    rooms: list[Room],
    ports: list[int],
    rate: float,
    duration: float,
    drain: float = 10.0,
    warmup: float = 2.0,
    server_pids: list[int] | None = None,
) -> tuple[dict[str, Any], Run]:
    """Run one load and sum it up (sync entry point: call where no event loop runs)."""
    run = Run(
        target=target, rooms=rooms, ports=ports, rate=rate, duration=duration, drain=drain, warmup=warmup
    )
    run.server_pids = server_pids or []
    asyncio.run(run_load(run))
    return summarise(run), run


# -- command line -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--profile", default="play", choices=sorted(PROFILES))
    parser.add_argument("--target", default="live", choices=["live", "floor"])
    parser.add_argument(
        "--servers", type=int, default=1, help="server processes (sockets split between them)"
    )
    parser.add_argument("--workshops", type=int)
    parser.add_argument("--people", type=int)
    parser.add_argument("--rate", type=float, help="ops per second per person")
    parser.add_argument("--duration", type=float)
    parser.add_argument("--drain", type=float, default=10.0)
    parser.add_argument("--ops-per-second", type=int, help="LIVE_OPS_PER_SECOND for the servers")
    parser.add_argument("--ops-burst", type=int, help="LIVE_OPS_BURST for the servers")
    parser.add_argument(
        "--profile-server",
        metavar="SVG",
        help="py-spy record the (first) server: .svg flame graph or .txt collapsed stacks",
    )
    parser.add_argument("--out", help="append the result as a JSON line to this file")
    parser.add_argument("--server", default="daphne", choices=["daphne", "uvicorn"])
    parser.add_argument(
        "--settings", default="journeymap.settings", help="DJANGO_SETTINGS_MODULE for the servers"
    )
    args = parser.parse_args()

    from bench.servers import setup_django

    # As the servers run: the session auth hashes made here depend on SECRET_KEY.
    setup_django()
    from bench.servers import serve

    base = PROFILES[args.profile]
    profile = Profile(
        base.name,
        args.workshops or base.workshops,
        args.people or base.people,
        args.rate or base.rate,
        args.duration or base.duration,
    )
    env = {}
    if args.ops_per_second:
        env["LIVE_OPS_PER_SECOND"] = str(args.ops_per_second)
    if args.ops_burst:
        env["LIVE_OPS_BURST"] = str(args.ops_burst)
    if args.target == "live":
        rooms = seed(workshops=profile.workshops, people=profile.people)
    else:
        rooms = fake_rooms(workshops=profile.workshops, people=profile.people)
    logs = BASE_DIR / "bench" / "out" / "logs"
    start = serve(args.target, args.servers, env, logs, server=args.server, settings=args.settings)
    with start as servers:
        spy = None
        if args.profile_server:
            import subprocess
            import sys

            py_spy = str(Path(sys.executable).with_name("py-spy"))
            form = "raw" if args.profile_server.endswith(".txt") else "flamegraph"
            spy = subprocess.Popen(
                [
                    py_spy,
                    "record",
                    "-p",
                    str(servers[0].pid),
                    "-o",
                    args.profile_server,
                    "-r",
                    "200",
                    "-f",
                    form,
                    "--nonblocking",
                    "-d",
                    str(int(profile.duration + 5)),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        result, _run = measure(
            target=args.target,
            rooms=rooms,
            ports=[s.port for s in servers],
            rate=profile.rate,
            duration=profile.duration,
            drain=args.drain,
            server_pids=[s.pid for s in servers],
        )
        if spy is not None:
            spy.wait(timeout=60)
    db = os.environ.get("DATABASE_URL", "sqlite").split(":")[0]
    result = {
        "profile": profile.name,
        "backend": f"{db}+{'redis' if os.environ.get('REDIS_URL') else 'memory'}",
        "server": args.server,
        "settings": args.settings,
        **result,
    }
    print(json.dumps(result))
    if args.out:
        with open(args.out, "a") as out:
            out.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
