"""Opening a big room live: how long a full snapshot takes, and the frames it goes in.

    DATABASE_URL=... REDIS_URL=... python -m bench.big_room [--notes 500 2000 5000] [--runs 3]

For each size, seeds a workshop with that many notes (bulk, spread over the grid), then opens
the room's socket in process (Channels' WebsocketCommunicator on the app, as the consumer tests
do) without `?since`, so the server draws and sends the whole room, and times connect → the
snapshot put together (the median of the runs). Daphne's own framing is not in these figures.
Prints a Markdown table: notes, snapshot size, frames, largest frame, first frame, time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time


def seed_room(notes: int, tag: str):
    """A workshop whose map holds `notes` notes (bulk-created, spread over every cell), and a
    member of it: (workshop, member user). Django must be set up."""
    from django.contrib.auth import get_user_model

    from maps.models import Sticky
    from workshops.services import guest_user_create, participant_join, workshop_create

    owner = get_user_model().objects.create_user(f"bench-{tag}-{time.time_ns()}")
    workshop = workshop_create(owner=owner, title=f"{notes} notes", kind="current")
    member = guest_user_create(display_name="Bench")
    participant_join(workshop=workshop, user=member, display_name="Bench")
    stages, lanes = list(workshop.journey_map.stages.all()), list(workshop.journey_map.lanes.all())
    Sticky.objects.bulk_create(
        Sticky(
            journey_map=workshop.journey_map,
            stage=stages[i % len(stages)],
            lane=lanes[(i // len(stages)) % len(lanes)],
            text=f"Note {i}: the customer does something worth writing down",
            author=member,
            position=i,
        )
        for i in range(notes)
    )
    return workshop, member


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notes", type=int, nargs="*", default=[500, 2000, 5000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from bench.servers import setup_django

    setup_django(ALLOWED_HOSTS="localhost")
    from asgiref.sync import async_to_sync
    from django.conf import settings

    from journeymap.asgi import application
    from tests.workshops.test_consumer import Communicator, cookie_for

    def seeded(notes: int):
        workshop, member = seed_room(notes, "big")
        return workshop, async_to_sync(cookie_for)(member)  # an async helper of the tests

    async def open_room(workshop, cookie) -> tuple[float, list[int]]:
        headers = [
            (b"origin", b"http://localhost"),
            (b"host", b"localhost"),
            (b"cookie", f"sessionid={cookie}".encode()),
        ]
        socket = Communicator(application, f"/ws/workshops/{workshop.slug}/", headers=headers)
        started = time.perf_counter()
        connected, code = await socket.connect()
        assert connected, code
        sizes = []
        while True:
            text = await socket.receive_from(timeout=300)
            sizes.append(len(text.encode()))
            if json.loads(text)["type"] != "part":
                break
        elapsed = time.perf_counter() - started
        await socket.disconnect()
        return elapsed, sizes

    print(f"Frames at most LIVE_MAX_SEND_BYTES = {settings.LIVE_MAX_SEND_BYTES:,} bytes.\n")
    print("| notes | snapshot | frames | largest frame | first frame | connect → snapshot (median) |")
    print("|---|---|---|---|---|---|")
    for notes in args.notes:
        workshop, cookie = seeded(notes)
        runs = [asyncio.run(open_room(workshop, cookie)) for _ in range(args.runs)]
        sizes = runs[-1][1]
        seconds = statistics.median(elapsed for elapsed, _ in runs)
        print(
            f"| {notes:,} | {sum(sizes) / 1e6:.2f} MB | {len(sizes)} | {max(sizes) / 1024:.0f} KiB "
            f"| {sizes[0] / 1024:.0f} KiB | {seconds * 1000:,.0f} ms |"
        )


if __name__ == "__main__":
    main()
