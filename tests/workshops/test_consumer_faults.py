"""A socket is working or closed, never in between: hostile frames get `invalid`.

Every frame here once killed the socket's op task while the socket stayed open; now each is
answered with an error frame, changes nothing, and the same socket still answers a ping.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django import forms
from django.apps import apps
from django.conf import settings

from maps.models import Insight, JourneyMap, MapEvent, Sticky
from maps.services import sticky_create
from tests.workshops.test_consumer import join, next_message, send
from workshops import ops
from workshops.models import Workshop
from workshops.ops import OPS
from workshops.services import workshop_create

pytestmark = pytest.mark.django_db(transaction=True)
NESTED = "[" * 999 + "]" * 999


@pytest.fixture
def grid(workshop: Workshop) -> dict[str, Any]:
    journey_map = workshop.journey_map
    stage, lane = journey_map.stages.first(), journey_map.lanes.get(key="actions")
    return {
        "stage": stage.pk,
        "lane": lane.pk,
        "step": workshop.current_step_id,
        "sticky": sticky_create(
            journey_map=journey_map, author=workshop.owner, stage=stage, lane=lane, text="Kept"
        ).sticky.pk,
    }


@database_sync_to_async
def fingerprint() -> tuple[Any, ...]:
    """What a write would change: each table's row count, every note's text, the backstory."""
    counts = tuple(
        (model._meta.label, model.objects.count())
        for name in ("maps", "workshops")
        for model in apps.get_app_config(name).get_models()
    )
    notes = tuple(Sticky.objects.order_by("pk").values_list("text", "owner", "reach_source"))
    backstory = tuple(
        JourneyMap.objects.order_by("pk").values_list("trigger", "needs", "outcome", "narrative")
    )
    return counts, notes, backstory


async def still_answers(ws: Any, t: int) -> None:
    await ws.send_json_to({"op": "ping", "t": t})
    pong = await next_message(ws, "pong")
    assert pong["t"] == t


async def refused_as_invalid(ws: Any, frame: str, *, op_id: str | None = None) -> dict[str, Any]:
    """Send a frame; it must be answered `invalid`, change nothing, and leave the socket working."""
    before = await fingerprint()
    await ws.send_to(text_data=frame)
    error = await next_message(ws, "error")
    assert error["code"] == "invalid", error
    assert error["message"]
    if op_id is not None:
        assert error["id"] == op_id
    await still_answers(ws, 7)
    assert await fingerprint() == before
    return error


def op(name: str, data: Any, op_id: Any = "op-1") -> str:
    # ensure_ascii (the default) writes a lone surrogate as the escape "\ud800", as an attacker would.
    return json.dumps({"op": name, "id": op_id, "data": data})


# -- the tester's frames, from a member ----------------------------------------------------------

TESTERS_FRAMES = {
    "NUL op id": lambda g: op("sticky.create", {"stage": g["stage"], "lane": g["lane"], "text": "a"}, "\x00"),
    "surrogate op id": lambda g: op(
        "sticky.create", {"stage": g["stage"], "lane": g["lane"], "text": "a"}, "\ud800"
    ),
    "surrogate in a new note": lambda g: op(
        "sticky.create", {"stage": g["stage"], "lane": g["lane"], "text": "Calls \ud800"}
    ),
    "surrogate in an edit": lambda g: op("sticky.edit", {"sticky": g["sticky"], "text": "\ud800"}),
    "surrogate in the backstory": lambda g: op("backstory.edit", {"part": "needs", "text": "x\udfff"}),
    "surrogate in an insight": lambda g: op("insight.add", {"question": "needs", "text": "\ud800y"}),
    "surrogate in a key": lambda g: op("backstory.edit", {"part": "needs", "text": "x", "\ud800": 1}),
    "surrogate in the op name": lambda g: json.dumps({"op": "sticky\ud800", "data": {}}),
    "superscript step": lambda g: '{"op":"step.go","data":{"to":"\u00b2"}}',
    "Arabic-Indic step": lambda g: op("step.done", {"step": "\u0663", "done": True}),
    "nested 999 deep": lambda g: NESTED,
    "nested 999 deep in data": lambda g: '{"op":"sticky.edit","data":{"text":' + NESTED + "}}",
    "nested 999 deep in an id": lambda g: '{"op":"sticky.edit","id":' + NESTED + "}",
    "nested as deep as the size cap allows": lambda g: "[" * 8000 + "]" * 8000,
    "a list for the frame": lambda g: "[1, 2]",
    "a number for the op": lambda g: '{"op": 7}',
    "null for the op": lambda g: '{"op": null, "data": {}}',
    "a list for the data": lambda g: op("sticky.edit", [g["sticky"], "text"]),
    "a string for the data": lambda g: op("sticky.edit", "text"),
    "a number for the id": lambda g: op("sticky.edit", {"sticky": g["sticky"], "text": "a"}, 12),
    "an object for the id": lambda g: op("sticky.edit", {"sticky": g["sticky"], "text": "a"}, {"a": 1}),
    "an id too long": lambda g: op("sticky.edit", {"sticky": g["sticky"], "text": "a"}, "x" * 65),
    "an id with a newline": lambda g: op("sticky.edit", {"sticky": g["sticky"], "text": "a"}, "a\nb"),
    "not JSON": lambda g: "{not json",
    "NaN": lambda g: '{"op": "emotion.rate", "data": {"stage": 1, "value": NaN}}',
    "a huge int": lambda g: op("emotion.rate", {"stage": g["stage"], "value": 10**400}),
    "a huge id": lambda g: op("sticky.edit", {"sticky": 10**300, "text": "a"}),
    "a huge float": lambda g: op("emotion.rate", {"stage": g["stage"], "value": 1e400}).replace(
        "Infinity", "1e400"
    ),
    "too many digits": lambda g: '{"op": "emotion.rate", "data": {"value": ' + "9" * 5000 + "}}",
    "a bool for an id": lambda g: op("sticky.edit", {"sticky": True, "text": "a"}),
    "a list for a number": lambda g: op("emotion.rate", {"stage": g["stage"], "value": [1]}),
    "an object for a note": lambda g: op("sticky.delete", {"sticky": {"pk": g["sticky"]}}),
    "NUL in a choice": lambda g: op("backstory.edit", {"part": "needs\x00", "text": "x"}),
    "NUL in a number": lambda g: op("emotion.rate", {"stage": g["stage"], "value": "1\x00"}),
    "Arabic-Indic number": lambda g: op("emotion.rate", {"stage": g["stage"], "value": "\u0662"}),
    "full-width number": lambda g: op("sticky.move", {**g, "position": "\uff11"}),
    "a surrogate as raw text": lambda g: '{"op": "ping", "t": 1, "x": "\ud800"}',
}


async def test_hostile_frames_are_answered_invalid_and_the_socket_goes_on(workshop, grid, member):
    ws = await join(member.user, workshop)
    for name, frame in TESTERS_FRAMES.items():
        try:
            await refused_as_invalid(ws, frame(grid))
        except Exception as failure:
            raise AssertionError(f"frame: {name}") from failure
    await ws.disconnect()


async def test_the_error_names_the_op_and_its_id_when_they_are_usable(workshop, grid, member):
    ws = await join(member.user, workshop)
    error = await refused_as_invalid(ws, op("insight.add", {"question": "needs", "text": "\ud800"}, "i-1"))
    assert (error["op"], error["id"]) == ("insight.add", "i-1")
    error = await refused_as_invalid(ws, op("insight.add", {"text": "a"}, "\x00"))
    assert (error["op"], error["id"]) == ("insight.add", None)
    await ws.disconnect()


async def test_errors_come_in_the_sockets_language(workshop, grid, member):
    ws = await join(member.user, workshop, language="zh-hans")
    error = await refused_as_invalid(ws, "{not json")
    assert not error["message"].isascii()
    await ws.disconnect()


# -- NUL and lone surrogates in every text field of every op, from a facilitator --------------

# A valid payload for every op that carries text: only the field under test is made bad.
TEXT_OPS: dict[str, dict[str, Any]] = {
    "agenda.update": {"step": "step", "minutes": 5, "note": "ok"},
    "step.go": {"to": "ok", "force": True},
    "sticky.create": {"stage": "stage", "lane": "lane", "text": "ok"},
    "sticky.edit": {"sticky": "sticky", "text": "ok"},
    "sticky.style": {"sticky": "sticky", "reach_source": "ok", "owner": "ok"},
    "sticky.settle": {"sticky": "sticky", "evidence": "research", "source": "ok", "note": "ok"},
    "backstory.edit": {"part": "needs", "text": "ok"},
    "stage.create": {"name": "ok"},
    "stage.rename": {"stage": "stage", "name": "ok"},
    "stage.annotate": {"stage": "stage", "text": "ok"},
    "metric.add": {
        "stage": "stage",
        "kind": "custom",
        "label": "ok",
        "value": "1",
        "unit": "ok",
        "source": "ok",
    },
    "insight.add": {"question": "needs", "text": "ok"},
    "spotlight.set": {"target": "ok"},
    "emotion.why": {"stage": "stage", "text": "ok"},  # in a round the test opens first
}
TEXT_FIELDS = [
    (name, field) for name, data in TEXT_OPS.items() for field, value in data.items() if value == "ok"
]


def good_text(grid: dict[str, Any], name: str) -> str:
    """Text the op takes: most take any; a step.go a direction, a spotlight a stage's id."""
    return {"step.go": "next", "spotlight.set": f"stage-{grid['stage']}"}.get(name, "good")


def text_op(grid: dict[str, Any], name: str, field: str, text: str) -> str:
    data = {key: grid.get(value, value) for key, value in TEXT_OPS[name].items()}
    data |= {key: good_text(grid, name) for key, value in data.items() if value == "ok"}
    data[field] = text
    return op(name, data, f"{name}-{field}")


def test_every_text_field_of_every_op_is_tried():
    text_fields = {
        (name, field)
        for name, spec in OPS.items()
        for field, form_field in spec.form.base_fields.items()
        if type(form_field) is not forms.BooleanField and isinstance(form_field, forms.CharField)
    }
    assert text_fields == {*TEXT_FIELDS}


@pytest.mark.parametrize("name,field", TEXT_FIELDS)
async def test_nul_and_lone_surrogates_are_refused_in_every_text_field(
    workshop, grid, facilitator, name, field
):
    if name == "emotion.why":
        await database_sync_to_async(ops.run)(
            participant_id=facilitator.pk, name="why.start", data={"stage": grid["stage"]}
        )
    ws = await join(facilitator.user, workshop)
    for bad in ("a\x00b", "\x00", "a\ud800", "\udc00b"):
        error = await refused_as_invalid(ws, text_op(grid, name, field, bad), op_id=f"{name}-{field}")
        if "\x00" in bad:  # the form names the field; a surrogate is refused before any form
            assert field in error["errors"], bad
    # The same op with good text is saved: it was the text that was refused.
    await ws.send_to(text_data=text_op(grid, name, field, good_text(grid, name)))
    await next_message(ws, "ack", id=f"{name}-{field}")
    await ws.disconnect()


# -- op ids name an op on one map ---------------------------------------------------------------


async def test_the_same_op_id_in_two_workshops_saves_in_both(workshop, grid, facilitator, owner):
    second = await database_sync_to_async(workshop_create)(owner=owner, title="Second", kind="current")
    cell = await database_sync_to_async(
        lambda: {"stage": second.journey_map.stages.first().pk, "lane": second.journey_map.lanes.first().pk}
    )()
    first_ws, second_ws = await join(facilitator.user, workshop), await join(owner, second)
    await send(first_ws, "sticky.create", {**grid, "text": "In the first"}, op_id="same-id")
    first = await next_message(first_ws, "ack", id="same-id")
    await send(second_ws, "sticky.create", {**cell, "text": "In the second"}, op_id="same-id")
    second_ack = await next_message(second_ws, "ack", id="same-id")
    # A retry in the second workshop is still the same op there: acked with its first seq.
    await send(second_ws, "sticky.create", {**cell, "text": "In the second"}, op_id="same-id")
    again = await next_message(second_ws, "ack", id="same-id")
    texts = await database_sync_to_async(
        lambda: sorted(Sticky.objects.filter(text__startswith="In the").values_list("journey_map_id", "text"))
    )()
    assert texts == [(workshop.journey_map_id, "In the first"), (second.journey_map_id, "In the second")]
    logged = await database_sync_to_async(
        lambda: sorted(MapEvent.objects.filter(op_id="same-id").values_list("journey_map_id", "seq"))
    )()
    assert logged == [(workshop.journey_map_id, first["seq"]), (second.journey_map_id, second_ack["seq"])]
    assert again["seq"] == second_ack["seq"]
    await first_ws.disconnect()
    await second_ws.disconnect()


# -- the database pool -------------------------------------------------------------------------


def test_pooled_connections_are_checked_before_use():
    # Built as settings build it for PostgreSQL (no connection is made: the pool opens lazily),
    # and read back from the pool Django makes, so that a setting Django ignored would fail here.
    script = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "from psycopg_pool import ConnectionPool\n"
        "print(connection.pool._check is ConnectionPool.check_connection)\n"
    )
    env = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "CONN_MAX_AGE": "0"}
    env["DJANGO_SETTINGS_MODULE"] = "journeymap.settings"
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "True"
    assert settings.DATABASES["default"].get("CONN_HEALTH_CHECKS") or "postgres" not in os.environ.get(
        "DATABASE_URL", ""
    )


# -- hostile input as a property --------------------------------------------------------------

# How many frames the property test throws (bench/fuzz_frames.py runs it with more), in
# examples of FRAMES_PER_EXAMPLE: one ping after each example's frames, not after each frame.
FUZZ_FRAMES = int(os.environ.get("JOURNEYMAP_FUZZ_FRAMES", "2000"))
FRAMES_PER_EXAMPLE = 16
FRESH = "a-new-id"
ANSWERS = {"ack", "error", "pong", "snapshot", "replay"}
SERVER_FRAMES = {"ack", "error", "pong", "snapshot", "replay", "event", "editing", "reload", "removed"}
# Codes that mean the server failed, not the frame: the property is that none ever comes.
FAULTS = {"internal", "unavailable"}
NASTY = [
    *("", " ", "\x00", "a\x00b", "\ud800", "x\udfff", "\udc00\ud800", "\u00b2", "\u0663", "\uff11"),
    *("1_0", " 5 ", "-1", "0", "9" * 25, "1e400", "NaN", "Infinity", "true", "null", "next", "previous"),
    *("<script>alert(1)</script>", "x" * 300, "needs", "custom", "pains", "3", "-3", "\u202e", "\ufeff"),
]


def member_ops(grid: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """A valid op of each kind a member sends: the property test's near-valid frames are these,
    sent as they are or with one field dropped, added or replaced."""
    note, cell = grid["sticky"], {"stage": grid["stage"], "lane": grid["lane"]}
    return [
        ("sticky.create", {**cell, "text": "A note"}),
        ("sticky.edit", {"sticky": note, "text": "Edited"}),
        ("sticky.move", {"sticky": note, **cell, "position": 0}),
        ("sticky.style", {"sticky": note, "colour": "pink", "is_aha": True}),
        ("sticky.delete", {"sticky": note}),
        ("sticky.restore", {"sticky": note}),
        ("sticky.editing", {"sticky": note, "editing": True}),
        ("backstory.edit", {"part": "needs", "text": "Shade"}),
        ("step.done", {"step": grid["step"], "done": True}),
        ("insight.add", {"question": "needs", "text": "Certainty"}),
        ("emotion.rate", {"stage": grid["stage"], "value": -2}),
    ]


def fuzz_strategies(ids: list[int], grid: dict[str, Any]) -> Any:
    from hypothesis import strategies as st

    text = st.text(st.characters(codec=None) | st.characters(categories=["Cs"]), max_size=30)
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.integers(min_value=-(2**64), max_value=2**64)
        | st.floats(allow_nan=False, allow_infinity=False)
        | text
        | st.sampled_from(NASTY)
        | st.sampled_from(ids)
        | st.sampled_from(ids).map(str)
    )
    values = st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
        max_leaves=8,
    )
    names = st.sampled_from([*OPS, "ping", "sync"])

    @st.composite
    def near_valid(draw: Any) -> str:
        name = draw(names | text)
        fields = (list(OPS[name].form.base_fields) if name in OPS else []) or ["t", "since"]
        data = draw(st.dictionaries(st.sampled_from(fields) | text, values, max_size=len(fields) + 1))
        frame: dict[str, Any] = {"op": name, "data": data} if draw(st.booleans()) else {"op": name, **data}
        op_id = draw(st.none() | st.uuids().map(str) | st.sampled_from(["a", "x" * 64, "x" * 65]) | scalars)
        if op_id is not None:
            frame["id"] = op_id
        return json.dumps(frame)

    @st.composite
    def mutated(draw: Any) -> str:
        name, data = draw(st.sampled_from(member_ops(grid)))
        data, how = dict(data), draw(st.sampled_from(["as is", "as is", "drop", "add", "replace", "replace"]))
        if how == "drop":
            del data[draw(st.sampled_from(sorted(data)))]
        elif how == "add":
            data[draw(text)] = draw(values)
        elif how == "replace":
            data[draw(st.sampled_from(sorted(data)))] = draw(values)
        if "text" in data and how == "as is":
            data["text"] = draw(st.text(min_size=1, max_size=40))  # any text a person may type
        # Now and then an id sent before: a retry, acked with its first seq and not done twice.
        retry = draw(st.integers(0, 9)) == 0
        op_id = draw(st.sampled_from(["retried-1", "retried-2"])) if retry else FRESH
        return json.dumps({"op": name, "id": op_id, "data": data})

    def nested(depth: int) -> str:
        return '{"op":"sticky.edit","data":{"text":' + "[" * depth + "]" * depth + "}}"

    return st.one_of(
        mutated(),
        mutated(),
        mutated(),
        mutated(),
        near_valid(),
        near_valid(),
        values.map(json.dumps),
        text,
        st.integers(min_value=2, max_value=9000).map(nested),
    )


@database_sync_to_async
def fuzz_targets(workshop: Workshop) -> list[int]:
    journey_map = workshop.journey_map
    ids = [*journey_map.stages.values_list("pk", flat=True), *journey_map.lanes.values_list("pk", flat=True)]
    ids += [*workshop.steps.values_list("pk", flat=True), *workshop.participants.values_list("pk", flat=True)]
    return ids + list(Sticky.objects.filter(journey_map=journey_map).values_list("pk", flat=True))


@database_sync_to_async
def log_since(seq: int, workshop: Workshop) -> list[tuple[int, str, int | None]]:
    return list(
        MapEvent.objects.filter(journey_map_id=workshop.journey_map_id, seq__gt=seq)
        .order_by("seq")
        .values_list("seq", "kind", "author_id")
    )


@database_sync_to_async
def rows_made_since(seq: int, workshop: Workshop) -> dict[str, int]:
    events = MapEvent.objects.filter(journey_map_id=workshop.journey_map_id, seq__gt=seq)
    return {
        "notes": Sticky.objects.filter(journey_map=workshop.journey_map_id).count(),
        "created": events.filter(kind="sticky.create").count(),
        "insights": Insight.objects.filter(journey_map=workshop.journey_map_id).count(),
        "insights logged": events.filter(kind="insight.add").count()
        - events.filter(kind="insight.remove").count(),
    }


async def exchange(ws: Any, frames: list[str], t: int) -> list[dict[str, Any]]:
    """Send frames, then a ping: what the frames brought is what comes before the pong."""
    for frame in frames:
        await ws.send_input({"type": "websocket.receive", "text": frame})  # send_to refuses ""
    await ws.send_json_to({"op": "ping", "t": t})
    replies = []
    while True:
        reply = json.loads(await ws.receive_from())
        if reply.get("type") == "pong" and reply.get("t") == t:
            return replies
        replies.append(reply)


def well_formed(frame: Any) -> bool:
    return isinstance(frame, dict) and frame.get("type") in SERVER_FRAMES


async def test_random_and_near_valid_frames_never_break_a_socket(
    workshop, grid, facilitator, member, member2, settings, caplog
):
    """Hostile input as a property (docs/reliability.md): thousands of frames at a member's socket while
    another member listens. Every frame is answered, the server logs no error, the socket still
    answers at the end, the log holds exactly what was acked, and the listener gets only events."""
    from hypothesis import HealthCheck, given
    from hypothesis import settings as run
    from hypothesis import strategies as st

    settings.LIVE_OPS_PER_SECOND = settings.LIVE_OPS_BURST = 10**9  # the limiter is not tested here
    ids = await fuzz_targets(workshop)
    ws, listener = await join(member.user, workshop), await join(member2.user, workshop)
    await listener.send_json_to({"op": "ping", "t": 0})
    start = (await next_message(listener, "pong"))["seq"]
    loop = asyncio.get_running_loop()
    acked: set[int] = set()
    count = iter(range(1, 10**9))

    sent = []

    @run(
        max_examples=-(-FUZZ_FRAMES // FRAMES_PER_EXAMPLE),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(fuzz_strategies(ids, grid), min_size=FRAMES_PER_EXAMPLE, max_size=FRAMES_PER_EXAMPLE))
    def throw(frames: list[str]) -> None:
        # Hypothesis draws the same values again and again: a new op gets its id only now.
        frames = [frame.replace(f'"{FRESH}"', f'"new-{next(count)}"') for frame in frames]
        replies = asyncio.run_coroutine_threadsafe(exchange(ws, frames, -next(count)), loop).result(60)
        sent.extend(frames)
        assert all(well_formed(reply) for reply in replies), replies
        # Each frame is answered once: an ack or an error, a pong, a snapshot or a replay.
        assert len([reply for reply in replies if reply["type"] in ANSWERS]) == len(frames), (frames, replies)
        faults = [reply for reply in replies if reply["type"] == "error" and reply["code"] in FAULTS]
        assert not faults, (frames, faults)
        acked.update(reply["seq"] for reply in replies if reply["type"] == "ack" and reply["seq"])

    with caplog.at_level(logging.ERROR):
        await asyncio.to_thread(throw)
    assert [record for record in caplog.records if record.levelno >= logging.ERROR] == []
    assert len(sent) >= FUZZ_FRAMES
    await still_answers(ws, 1)
    # Exactly what was acked is in the log, by the sender, and no row was written without its event.
    logged = await log_since(start, workshop)
    assert {seq for seq, _kind, _author in logged} == acked
    assert {author for _seq, _kind, author in logged} <= {member.user_id}
    rows = await rows_made_since(start, workshop)
    assert rows["notes"] == 1 + rows["created"]  # the grid's note, and one per logged create
    assert rows["insights"] == rows["insights logged"]
    # The listener got events only, each well formed, of the log, and still answers.
    await listener.send_json_to({"op": "ping", "t": 2})
    heard = []
    while (frame := json.loads(await listener.receive_from()))["type"] != "pong":
        heard.append(frame)
    assert all(well_formed(frame) and frame["type"] in {"event", "editing"} for frame in heard), heard
    assert {frame["seq"] for frame in heard if frame["type"] == "event"} <= acked
    await ws.disconnect()
    await listener.disconnect()
