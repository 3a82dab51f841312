"""Faults the page must tell the truth about and heal from, with no reload.

The socket is run through Playwright's websocket routing, which lets a test stop the traffic
(a socket the browser thinks open, that nothing answers) or answer for the server.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from maps.models import Sticky
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.pages import facilitator_opens_room, member_joins, wait_online
from tests.e2e.test_board import cell, note, write

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class Wire:
    """Every socket of one page, through a switch: passing, or silent both ways."""

    def __init__(self, page: Page) -> None:
        self.silent = False
        self.sockets = 0
        self.answer_for_server: Callable[[dict], dict | None] | None = None
        page.route_web_socket("**/ws/workshops/**", self.route)

    def route(self, ws: WebSocketRoute) -> None:
        self.sockets += 1
        server = ws.connect_to_server()

        def up(message: str | bytes) -> None:
            if self.silent:
                return
            if self.answer_for_server and isinstance(message, str):
                answer = self.answer_for_server(json.loads(message))
                if answer is not None:
                    ws.send(json.dumps(answer))
                    return
            server.send(message)

        def down(message: str | bytes) -> None:
            if not self.silent:
                ws.send(message)

        ws.on_message(up)
        server.on_message(down)


def test_a_socket_that_stops_answering_is_dropped_and_what_was_written_is_saved_once(
    new_page: Callable[..., Page],
) -> None:
    room = facilitator_opens_room(new_page())
    page = new_page()
    wire = Wire(page)
    mia = member_joins(page, room, "Mia")
    assert wire.sockets == 1

    # The network goes quiet with the socket still open, as on a dropped Wi-Fi.
    wire.silent = True
    write(mia, "thoughts", 1, "Is the lake warm enough?")
    status = mia.locator("#live-status")
    expect(status).to_have_attribute("data-unsaved", "1")
    expect(status).to_contain_text("1 change not saved yet, retrying")
    # The heartbeat gets no answer: the page says so instead of "Live", and reconnects. The next
    # ping may be up to a heartbeat away, then its deadline runs (static/js/live.js: 15 s + 8 s).
    expect(status).not_to_have_attribute("data-state", "online", timeout=(15 + 8) * 1000 + TIMEOUT_MS)
    wire.silent = False
    wait_online(mia)
    for viewer in (room.facilitator, mia):
        expect(note(viewer, "lake warm enough")).to_have_count(1)
    expect(cell(mia, "thoughts", 1).locator(".sticky.pending")).to_have_count(0)
    expect(status).to_have_attribute("data-unsaved", "0")
    expect(status).to_have_text("Live")
    assert wire.sockets >= 2
    assert Sticky.objects.filter(text="Is the lake warm enough?").count() == 1


def test_an_op_the_server_cannot_save_yet_is_sent_again_with_its_id(new_page: Callable[..., Page]) -> None:
    room = facilitator_opens_room(new_page())
    page = new_page()
    wire = Wire(page)
    mia = member_joins(page, room, "Mia")
    refused: list[str] = []

    def database_away_once(frame: dict) -> dict | None:
        if frame.get("op") != "sticky.create" or refused:
            return None
        refused.append(frame["id"])
        return {"type": "error", "id": frame["id"], "op": frame["op"], "code": "unavailable",
                "message": "The server cannot save changes right now."}  # fmt: skip

    wire.answer_for_server = database_away_once
    write(mia, "pains", 0, "No signal at the campsite")
    for viewer in (room.facilitator, mia):
        expect(note(viewer, "No signal")).to_have_count(1)
    expect(mia.locator(".toast")).to_have_count(0)  # not refused: only delayed
    sticky = Sticky.objects.get(text="No signal at the campsite")
    assert refused and sticky.pk
