"""Broadcasting to the room: render the changed parts once, send one message to the group.

What reaches the browsers is HTML from the same partials that draw the room page, marked
for htmx out-of-band swaps (DESIGN.md, "Render once per event"). It is rendered once per
language, and once more only for people whose private notes are in it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from maps import events, personas
from maps.models import JourneyMap, MapEvent, Sticky
from maps.reasons import why_panel
from maps.selectors import board, emotion_line, insights, vote_panel
from workshops import regions
from workshops.regions import BOARD_GRID, EMOTION, INSIGHTS, VOTE, WHY
from workshops.selectors import room_context

logger = logging.getLogger(__name__)

Cell = tuple[int, int]


def group_name(workshop_id: int, language: str) -> str:
    # Group names come from primary keys and our own language codes, never from user text.
    return f"workshop-{workshop_id}-{language}"


def user_group_name(workshop_id: int, user_id: int, language: str) -> str:
    return f"workshop-{workshop_id}-user-{user_id}-{language}"


def language_of(scope: dict[str, Any]) -> str:
    """The language a socket's pages are in: the chosen one, else the browser's preference."""
    cookies = scope.get("cookies", {})
    chosen = cookies.get(settings.LANGUAGE_COOKIE_NAME)
    headers = dict(scope.get("headers", []))
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    candidates = [chosen] if chosen else []
    candidates += [lang for lang, _q in translation.trans_real.parse_accept_lang_header(accept)]
    for candidate in candidates:
        try:
            return translation.get_supported_language_variant(candidate)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def load(
    *,
    workshop_id: int,
    parts: Iterable[str] = (),
    cells: Iterable[Cell] = (),
    viewer_id: int | None = None,
    journey_map: Any = None,
) -> dict[str, Any]:
    """Everything the parts and cells draw, as `viewer_id` may see them (None: as anyone may).

    The database work of a render, done once whatever the number of languages: nothing in it
    is translated yet (labels are lazy), so `draw` can turn it into each language's HTML.
    `journey_map`, when the caller has it, saves reading it again for a change of cells.
    """

    parts, cells = list(parts), list(cells)
    context: dict[str, Any] = {"oob": True, "viewer_id": viewer_id}
    if parts:
        context.update(room_context(workshop_id=workshop_id, now=timezone.now()))
        if regions.WITH_PERSONAS.intersection(parts):
            context["map_personas"] = personas.of_map(context["journey_map"])
    else:
        context["journey_map"] = journey_map or JourneyMap.objects.get(workshops__pk=workshop_id)
    journey_map = context["journey_map"]
    hidden_authors: set[int] = set()
    if INSIGHTS in parts:
        context.update(insights(journey_map=journey_map))
    if WHY in parts:
        workshop = context["workshop"]
        context.update(why_panel(stage=workshop.why_stage, until=workshop.why_until))
    if VOTE in parts:
        voters = sum(1 for person in context["people"] if person.can_write)
        context.update(vote_panel(journey_map=journey_map, viewer_id=viewer_id, voters=voters))
    if BOARD_GRID in parts:
        grid = board(journey_map=journey_map, viewer_id=viewer_id, lanes=context["lanes"], line=False)
        context.update(grid)
        hidden_authors = context["hidden_authors"]
    elif EMOTION in parts:
        context["stages"] = list(journey_map.stages.all())
    if cells:
        grid = board(journey_map=journey_map, viewer_id=viewer_id, cells=cells)
        context["grid_cells"] = grid["cells"]
        hidden_authors |= grid["hidden_authors"]
    # Who has notes still hidden in what was drawn: they get a render of their own.
    context["hidden_authors"] = hidden_authors
    return context


def draw(context: dict[str, Any], parts: Iterable[str] = ()) -> str:
    """The HTML of what `load` read, in the active language (templates only, but for the
    emotion line, whose readings are sentences made in the language: one query)."""
    html = []
    for part in parts:
        if part in (EMOTION, BOARD_GRID):
            line = emotion_line(
                journey_map=context["journey_map"],
                stages=context["stages"],
                viewer_id=context["viewer_id"],
                personas=context["map_personas"],
            )
            context = {**context, **line}
        for fragment in regions.FRAGMENTS[part]:
            drawn = render_to_string(fragment, context)
            html.append(in_table(drawn) if fragment in regions.IN_TABLE else drawn)
    cells = "".join(
        render_to_string(regions.CELL_FRAGMENT, {**context, "cell": cell})
        for cell in context.get("grid_cells", ())
    )
    if cells:
        html.append(in_table(cells, row=True))
    return "".join(html)


def in_table(html: str, *, row: bool = False) -> str:
    """A <tfoot> or some <td>s, in a table of their own.

    htmx parses a message in a <template>, where a bare <tfoot> or <td> leaves the parser in
    table mode for the rest of the message: the next parts (a replay draws several) lose
    their <form>s, and a piece drawn after a part loses its own tags. The wrapper is never
    put on the page (live.js swaps the out-of-band elements only).
    """
    return f"<table><tr>{html}</tr></table>" if row else f"<table>{html}</table>"


def render(
    *, workshop_id: int, parts: Iterable[str] = (), cells: Iterable[Cell] = (), viewer_id: int | None = None
) -> str:
    """The parts and cells, as `viewer_id` may see them (None: what everyone may see)."""
    parts = list(parts)
    return draw(load(workshop_id=workshop_id, parts=parts, cells=cells, viewer_id=viewer_id), parts)


Message = tuple[str, dict[str, Any]]  # (group, channel layer message)


@dataclass(frozen=True)
class Event:
    """One logged change to broadcast: what it changed on the page, under its seq."""

    workshop_id: int
    seq: int
    op_id: str | None
    parts: tuple[str, ...] = ()
    cells: tuple[Cell, ...] = ()
    journey_map: Any = None  # the map, when the change had it already: not read again
    extra: dict[str, Any] = field(default_factory=dict)
    # One note changed (maps.services.NoteSwap), drawn from what the op has: nothing is read.
    swaps: tuple[Any, ...] = ()
    drawn: tuple[Message, ...] | None = None  # `messages(self)`, when drawn already (`predraw`)
    # The languages pages of the room read (the map's, when the event took its number:
    # maps.events.add_language); () for every language.
    languages: tuple[str, ...] = ()


def languages_of(event: Event) -> list[str]:
    """The languages to draw an event in: those of the pages that have opened its room."""
    return [code for code, _name in settings.LANGUAGES if not event.languages or code in event.languages]


def messages(event: Event) -> list[Message]:
    """The event rendered for every group that gets it: once per language its room reads (not
    per recipient).

    Each socket is in the group of its page's language and forwards the text as is. Notes
    hidden by private writing never leave the server in the common render: their authors get
    a render of their own, and skip the common one.
    """
    if is_swap(event):
        return [
            (group_name(event.workshop_id, language), {"type": "room.event", "text": text, **event.extra})
            for language, text in swap_texts(event)
        ]
    common = load(
        workshop_id=event.workshop_id, parts=event.parts, cells=event.cells, journey_map=event.journey_map
    )
    private = sorted(common["hidden_authors"])
    variants = [(group_name, None, common)]
    for user_id in private:
        own = load(
            workshop_id=event.workshop_id,
            parts=event.parts,
            cells=event.cells,
            viewer_id=user_id,
            journey_map=event.journey_map,
        )
        variants.append((partial(user_group_name, user_id=user_id), user_id, own))
    out: list[Message] = []
    for name, user_id, context in variants:
        for language in languages_of(event):
            with translation.override(language):
                html = draw(context, event.parts)
            text = json.dumps({"type": "event", "seq": event.seq, "op_id": event.op_id, "html": html})
            message = {"type": "room.event", "text": text, **event.extra}
            if user_id is None:
                message["except"] = private
            out.append((name(event.workshop_id, language=language), message))
    return out


def swap_texts(event: Event) -> list[tuple[str, str]]:
    """(language, frame) of an event that one note says all of: everyone sees the same note."""
    out = []
    for language in languages_of(event):
        with translation.override(language):
            html = "".join(
                render_to_string(regions.NOTE_FRAGMENT, {"swap": swap, "note": swap.sticky})
                for swap in event.swaps
            )
        out.append(
            (language, json.dumps({"type": "event", "seq": event.seq, "op_id": event.op_id, "html": html}))
        )
    return out


# While set (by `deferred`), events of this context are collected instead of sent at once.
_pending: ContextVar[list[Event] | None] = ContextVar("pending_events", default=None)


@contextmanager
def deferred() -> Iterator[list[Event]]:
    """Collect the events published (on commit) inside the block, for the caller to `send`.

    The websocket consumer writes on Channels' one database thread: rendering and sending
    there would hold up every other socket's op, so it takes the events and sends them
    itself (`send`, on the event loop, rendering in a worker thread).
    """
    pending: list[Event] = []
    token = _pending.set(pending)
    try:
        yield pending
    finally:
        _pending.reset(token)


def publish(
    *,
    workshop_id: int,
    seq: int,
    op_id: str | None,
    parts: tuple[str, ...] = (),
    cells: Iterable[Cell] = (),
    journey_map: Any = None,
    swaps: tuple[Any, ...] = (),
    languages: tuple[str, ...] = (),
    **extra: Any,
) -> None:
    """Send one event to everyone in the workshop (call after commit).

    Inside `deferred` the event is handed to the caller, which sends it (`send` on the event
    loop, `send_now` elsewhere); outside (a view's write, a command) it is sent now.
    """
    event = Event(
        workshop_id,
        seq,
        op_id,
        tuple(parts),
        tuple(cells),
        journey_map,
        extra,
        tuple(swaps),
        languages=tuple(languages),
    )
    pending = _pending.get()
    if pending is not None:
        pending.append(event)
        return
    send_now([event])


def predraw(events: Iterable[Event]) -> list[Event]:
    """Draw now the events whose drawing reads nothing (one note's change), so that the
    thread that made them draws them too, instead of handing them to another."""
    return [replace(event, drawn=tuple(messages(event))) if is_swap(event) else event for event in events]


def is_swap(event: Event) -> bool:
    return bool(event.swaps) and not event.parts and not event.cells


async def send(events: Iterable[Event]) -> None:
    """Render events off the database thread (unless drawn already), and send them from the
    event loop: an event's groups (one per language, and private variants) at once."""
    layer = get_channel_layer()
    render_all = database_sync_to_async(messages, thread_sensitive=False)
    for event in events:
        drawn = event.drawn if event.drawn is not None else await render_all(event)
        await asyncio.gather(*(layer.group_send(group, message) for group, message in drawn))


def send_now(events: Iterable[Event]) -> None:
    """`send`, from a view or a command after commit: drawn in this thread, which sees what
    it committed (`sent_or_logged`)."""
    for event in events:
        drawn = event.drawn if event.drawn is not None else messages(event)
        sent_or_logged(list(drawn), what=f"event {event.seq}")


def publish_volatile(*, workshop_id: int, message: dict[str, Any]) -> None:
    """Passing news (who is typing where): not logged, not numbered, fine to lose."""
    text = json.dumps(message)
    messages = [
        (group_name(workshop_id, language), {"type": "room.volatile", "text": text})
        for language, _name in settings.LANGUAGES
    ]
    sent_or_logged(messages, what="passing news")


def sent_or_logged(messages: list[tuple[str, dict[str, Any]]], *, what: str) -> None:
    """Send from a view or a command, after commit. If the layer fails (Redis away), the write
    stands all the same: it is logged, and pages find a numbered event by its seq."""
    group_send = async_to_sync(get_channel_layer().group_send)
    try:
        for group, message in messages:
            group_send(group, message)
    except Exception as error:
        logger.warning("Committed, but %s was not broadcast: %s", what, error)


# Past this many missed events a fresh snapshot is cheaper than working out what changed.
REPLAY_LIMIT = 200


def replay(*, workshop_id: int, journey_map_id: int, since: int, viewer_id: int) -> tuple[int, str] | None:
    """The newest seq and the parts changed after `since`, drawn as they are now; None if too many.

    Resync from the log (DESIGN.md, "No lost edits"): only what the missed events touched is
    rendered again, so a client that missed a few events catches up cheaply.
    """
    missed = list(
        MapEvent.objects.filter(journey_map_id=journey_map_id, seq__gt=since)
        .order_by("seq")
        .values_list("seq", "kind", "payload")[: REPLAY_LIMIT + 1]
    )
    if len(missed) > REPLAY_LIMIT:
        return None
    seq = missed[-1][0] if missed else events.current_seq(journey_map_id=journey_map_id)
    parts = regions.regions_of_all([kind for _seq, kind, _payload in missed])
    cells: set[Cell] = set()
    notes: set[int] = set()
    for _seq, kind, payload in missed:
        if kind.startswith("sticky.") and "sticky" in payload:
            notes.add(payload["sticky"])
            if "from" in payload:
                cells.add(tuple(payload["from"]))
    cells |= set(Sticky.objects.filter(pk__in=notes).values_list("stage_id", "lane_id"))
    if BOARD_GRID in parts:
        cells = set()
    html = render(workshop_id=workshop_id, parts=parts, cells=sorted(cells), viewer_id=viewer_id)
    return seq, html
