"""Rooms of any size open live: no frame the server sends is over its limit; a long message
goes in parts the page joins (docs/protocol.md, "Big messages")."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.conf import settings

from maps.models import Sticky
from tests.workshops.test_consumer import open_socket, send
from workshops.frames import pieces

NOTES = 5000


def joined(frames: list[str]) -> list[dict]:
    """The messages the frames carry, parts put together as live.js does."""
    messages, parts = [], {}
    for text in frames:
        frame = json.loads(text)
        if frame["type"] != "part":
            messages.append(frame)
            continue
        got = parts.setdefault(frame["id"], [])
        got.append(frame["text"])
        assert frame["n"] == len(got) - 1  # in order
        if len(got) == frame["of"]:
            messages.append(json.loads("".join(parts.pop(frame["id"]))))
    assert parts == {}
    return messages


@pytest.mark.parametrize("alphabet", ["a", "配送太慢了", '"\\<>', "😀"])
def test_a_long_text_goes_in_parts_each_under_the_limit_and_joins_back(alphabet):
    text = json.dumps({"type": "snapshot", "html": alphabet * 40_000})
    frames = pieces(text, 16 * 1024)
    assert len(frames) > 1
    assert all(len(frame.encode()) <= 16 * 1024 for frame in frames)
    assert joined(frames) == [json.loads(text)]


def test_a_short_text_goes_as_it_is():
    assert pieces('{"type": "ack"}', 1024) == ['{"type": "ack"}']


def big_room(workshop, author) -> None:
    journey_map = workshop.journey_map
    stages, lanes = list(journey_map.stages.all()), list(journey_map.lanes.all())
    Sticky.objects.bulk_create(
        Sticky(
            journey_map=journey_map,
            stage=stages[i % len(stages)],
            lane=lanes[i % len(lanes)],
            text=f"Note {i}: the campsite's booking page asks for the dates twice, then again",
            author=author,
            position=i,
        )
        for i in range(NOTES)
    )


@pytest.mark.django_db(transaction=True)
async def test_a_room_of_five_thousand_notes_opens_live(workshop, member):
    await database_sync_to_async(big_room)(workshop, member.user)
    connected, socket = await open_socket(member.user, workshop)  # no ?since: a full snapshot
    assert connected
    frames = []
    while not frames or json.loads(frames[-1])["type"] == "part":
        frames.append(await socket.receive_from(timeout=120))
    assert len(frames) > 1 and all(len(f.encode()) <= settings.LIVE_MAX_SEND_BYTES for f in frames)
    snapshot = joined(frames)[0]
    assert snapshot["type"] == "snapshot"
    assert snapshot["html"].count('class="sticky colour-') == NOTES
    # The socket works after it.
    await send(socket, "ping")
    types = []
    while "pong" not in types:
        types.append(json.loads(await socket.receive_from(timeout=30))["type"])
    await socket.disconnect()
