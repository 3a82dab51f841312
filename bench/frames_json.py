"""json.dumps against orjson.dumps on the live path's real frames: an event and a snapshot.

    DATABASE_URL=... REDIS_URL=... python -m bench.frames_json [--notes 80 500]

Seeds a workshop with that many notes, opens its socket in process (Channels'
WebsocketCommunicator, as bench.big_room does), keeps the snapshot (parts put back together)
and the event of one sticky.create, then times encoding each message as the server does
(`json.dumps`, ASCII-escaped) against `orjson.dumps(...).decode()` (UTF-8, no spaces), the
median of 7 rounds of many encodings each. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import timeit


def per_call_us(function, *, budget: float = 0.2) -> float:
    number = max(1, int(budget / max(1e-7, timeit.timeit(function, number=3) / 3)))
    return statistics.median(timeit.repeat(function, number=number, repeat=7)) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notes", type=int, nargs="*", default=[80, 500])
    args = parser.parse_args()

    import orjson

    from bench.big_room import seed_room
    from bench.servers import setup_django

    setup_django(ALLOWED_HOSTS="localhost")
    from asgiref.sync import async_to_sync

    from journeymap.asgi import application
    from tests.workshops.test_consumer import Communicator, cookie_for

    def seeded(notes: int):
        workshop, member = seed_room(notes, "json")
        stages, lanes = workshop.journey_map.stages.all(), workshop.journey_map.lanes.all()
        return workshop, stages[0].pk, lanes[0].pk, async_to_sync(cookie_for)(member)

    async def whole(socket) -> dict:
        parts: list[str] = []
        while True:
            message = json.loads(await socket.receive_from(timeout=120))
            if message["type"] != "part":
                return message
            parts.append(message["text"])
            if len(parts) == message["of"]:
                return json.loads("".join(parts))

    async def frames(workshop, stage: int, lane: int, cookie: str) -> tuple[dict, dict]:
        headers = [
            (b"origin", b"http://localhost"),
            (b"host", b"localhost"),
            (b"cookie", f"sessionid={cookie}".encode()),
        ]
        socket = Communicator(application, f"/ws/workshops/{workshop.slug}/", headers=headers)
        connected, code = await socket.connect()
        assert connected, code
        snapshot = await whole(socket)
        assert snapshot["type"] == "snapshot", snapshot["type"]
        op = {"stage": stage, "lane": lane, "text": "a new note from the bench"}
        await socket.send_to(text_data=json.dumps({"op": "sticky.create", "id": "bench-1", "data": op}))
        while (event := await whole(socket))["type"] != "event":
            pass
        await socket.disconnect()
        return event, snapshot

    print("| message | size (json.dumps) | json.dumps µs | orjson.dumps().decode() µs | ratio |")
    print("|---|---|---|---|---|")
    for notes in args.notes:
        event, snapshot = asyncio.run(frames(*seeded(notes)))
        named = [("event (sticky.create)", event)] if notes == args.notes[0] else []
        for name, message in [*named, (f"snapshot, {notes} notes", snapshot)]:
            size = len(json.dumps(message))
            stdlib = per_call_us(lambda m=message: json.dumps(m))
            fast = per_call_us(lambda m=message: orjson.dumps(m).decode())
            print(f"| {name} | {size:,} B | {stdlib:.1f} | {fast:.1f} | {stdlib / fast:.1f}× |")


if __name__ == "__main__":
    main()
