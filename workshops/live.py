"""Broadcasting to the room: render the changed parts once, send one message to the group.

What reaches the browsers is HTML from the same partials that draw the room page, marked
for htmx out-of-band swaps (DESIGN.md, "Render once per event"). It is rendered once per
language, and once more only for people whose private notes are in it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

NOW = "now"
GUIDANCE = "guidance"
AGENDA_LIST = "agenda"
PEOPLE_LIST = "people"
JOINING_INFO = "joining"
BOARD_BAR_PART = "boardbar"
BOARD_GRID = "board"
BACKSTORY_PART = "backstory"
EMOTION_PART = "emotion"
VOTE_PART = "vote"
INSIGHTS_PART = "insights"

TIMER: tuple[str, ...] = (NOW,)
STEP: tuple[str, ...] = (NOW, GUIDANCE, AGENDA_LIST, PEOPLE_LIST)
AGENDA: tuple[str, ...] = (NOW, GUIDANCE, AGENDA_LIST)
PEOPLE: tuple[str, ...] = (PEOPLE_LIST,)
JOINING: tuple[str, ...] = (JOINING_INFO,)
BOARD_BAR: tuple[str, ...] = (BOARD_BAR_PART,)
BOARD: tuple[str, ...] = (BOARD_BAR_PART, BOARD_GRID)
BACKSTORY: tuple[str, ...] = (BACKSTORY_PART,)
EMOTION: tuple[str, ...] = (EMOTION_PART,)
VOTE: tuple[str, ...] = (VOTE_PART,)
INSIGHTS: tuple[str, ...] = (INSIGHTS_PART,)
ALL: tuple[str, ...] = (
    INSIGHTS_PART,
    VOTE_PART,
    NOW,
    GUIDANCE,
    AGENDA_LIST,
    PEOPLE_LIST,
    JOINING_INFO,
    BOARD_BAR_PART,
    BOARD_GRID,
    BACKSTORY_PART,
)

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


def render(
    *, workshop_id: int, parts: Iterable[str] = (), cells: Iterable[Cell] = (), viewer_id: int | None = None
) -> str:
    """The parts and cells, as `viewer_id` may see them (None: what everyone may see)."""
    # Imported here: the selectors import models, and services import this module.
    from maps.models import JourneyMap
    from maps.selectors import board, emotion_line, insights, vote_panel
    from workshops.selectors import room_context

    parts, cells = list(parts), list(cells)
    context: dict[str, Any] = {"oob": True, "viewer_id": viewer_id}
    if parts:
        context.update(room_context(workshop_id=workshop_id, now=timezone.now()))
    else:
        context["journey_map"] = JourneyMap.objects.get(workshops__pk=workshop_id)
    html = []
    for part in parts:
        if part == INSIGHTS_PART:
            context.update(insights(journey_map=context["journey_map"]))
            html.append(render_to_string(f"workshops/room.html#{part}", context))
        elif part == VOTE_PART:
            voters = sum(1 for person in context["people"] if person.can_write)
            context.update(vote_panel(journey_map=context["journey_map"], viewer_id=viewer_id, voters=voters))
            html.append(render_to_string(f"workshops/room.html#{part}", context))
        elif part == EMOTION_PART:
            stages = list(context["journey_map"].stages.all())
            context.update(
                emotion_line(journey_map=context["journey_map"], stages=stages, viewer_id=viewer_id)
            )
            html.append(render_to_string("maps/board.html#emotion", context))
        elif part == BOARD_GRID:
            context.update(
                board(journey_map=context["journey_map"], viewer_id=viewer_id, lanes=context["lanes"])
            )
            html.append(render_to_string("maps/board.html#board", context))
        else:
            html.append(render_to_string(f"workshops/room.html#{part}", context))
    if cells:
        grid = board(journey_map=context["journey_map"], viewer_id=viewer_id, cells=cells)
        html.extend(
            render_to_string("maps/board.html#cell", {**context, "cell": cell}) for cell in grid["cells"]
        )
    return "".join(html)


def _send(group: str, message: dict[str, Any]) -> None:
    async_to_sync(get_channel_layer().group_send)(group, message)


def publish(
    *,
    workshop_id: int,
    seq: int,
    op_id: str | None,
    parts: tuple[str, ...] = (),
    cells: Iterable[Cell] = (),
    **extra: Any,
) -> None:
    """Send one event to everyone in the workshop.

    Rendered and serialised once per language the product speaks (not once per recipient);
    each socket is in the group of its page's language and forwards the text as is. Notes
    hidden by private writing never leave the server in the common render: their authors
    get a render of their own, and skip the common one.
    """
    from maps.selectors import hidden_authors
    from workshops.models import Workshop

    cells = list(cells)
    private: set[int] = set()
    if cells or BOARD_GRID in parts:
        journey_map_id = Workshop.objects.values_list("journey_map_id", flat=True).get(pk=workshop_id)
        private = hidden_authors(journey_map_id=journey_map_id, cells=None if BOARD_GRID in parts else cells)
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            html = render(workshop_id=workshop_id, parts=parts, cells=cells)
            text = json.dumps({"type": "event", "seq": seq, "op_id": op_id, "html": html})
            _send(
                group_name(workshop_id, language),
                {"type": "room.event", "text": text, "except": sorted(private), **extra},
            )
            for user_id in private:
                html = render(workshop_id=workshop_id, parts=parts, cells=cells, viewer_id=user_id)
                text = json.dumps({"type": "event", "seq": seq, "op_id": op_id, "html": html})
                _send(
                    user_group_name(workshop_id, user_id, language),
                    {"type": "room.event", "text": text, **extra},
                )


def publish_volatile(*, workshop_id: int, message: dict[str, Any]) -> None:
    """Passing news (who is typing where): not logged, not numbered, fine to lose."""
    text = json.dumps(message)
    for language, _name in settings.LANGUAGES:
        _send(group_name(workshop_id, language), {"type": "room.volatile", "text": text})


# What each kind of logged event changed on the page, for replaying a client's missed tail.
REPLAY_PARTS: dict[str, tuple[str, ...]] = {
    "timer.start": TIMER,
    "timer.pause": TIMER,
    "timer.add": TIMER,
    "timer.reset": TIMER,
    "step.go": STEP,
    "agenda.update": AGENDA,
    "step.done": PEOPLE,
    "participant.join": PEOPLE,
    "participant.rename": PEOPLE,
    "participant.role": PEOPLE,
    "participant.remove": PEOPLE,
    "presence.online": PEOPLE,
    "presence.offline": PEOPLE,
    "joining.set": JOINING,
    "joining.rotate": JOINING,
    "board.lock": BOARD_BAR,
    "writing.private": BOARD_BAR,
    "sticky.reveal": BOARD,
    "stage.create": BOARD,
    "stage.rename": BOARD,
    "stage.move": BOARD,
    "stage.delete": BOARD,
    "lane.visible": BOARD,
    "scope.update": BOARD + BACKSTORY,
    "backstory.edit": BACKSTORY,
    "emotion.rate": EMOTION,
    "emotion.reveal": EMOTION,
    "stage.annotate": EMOTION,
    "emotion.private": BOARD_BAR,
    "metric.add": BOARD,
    "metric.remove": BOARD,
    "insight.add": INSIGHTS,
    "insight.remove": INSIGHTS,
    "vote.start": VOTE,
    "vote.cast": VOTE,
    "vote.close": VOTE,
}
# Past this many missed events a fresh snapshot is cheaper than working out what changed.
REPLAY_LIMIT = 200


def replay(*, workshop_id: int, journey_map_id: int, since: int, viewer_id: int) -> tuple[int, str] | None:
    """The newest seq and the parts changed after `since`, drawn as they are now; None if too many.

    Resync from the log (DESIGN.md, "No lost edits"): only what the missed events touched is
    rendered again, so a client that missed a few events catches up cheaply.
    """
    from maps.models import MapEvent, Sticky

    missed = list(
        MapEvent.objects.filter(journey_map_id=journey_map_id, seq__gt=since)
        .order_by("seq")
        .values_list("seq", "kind", "payload")[: REPLAY_LIMIT + 1]
    )
    if len(missed) > REPLAY_LIMIT:
        return None
    from maps import events

    seq = missed[-1][0] if missed else events.current_seq(journey_map_id=journey_map_id)
    parts: list[str] = []
    cells: set[Cell] = set()
    notes: set[int] = set()
    for _seq, kind, payload in missed:
        for part in REPLAY_PARTS.get(kind, ()):
            if part not in parts:
                parts.append(part)
        if kind.startswith("sticky.") and "sticky" in payload:
            notes.add(payload["sticky"])
            if "from" in payload:
                cells.add(tuple(payload["from"]))
    cells |= set(Sticky.objects.filter(pk__in=notes).values_list("stage_id", "lane_id"))
    if BOARD_GRID in parts:
        cells = set()
    html = render(workshop_id=workshop_id, parts=parts, cells=sorted(cells), viewer_id=viewer_id)
    return seq, html
