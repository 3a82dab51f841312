"""A frame's envelope (op, id, data), read and checked in one place (docs/protocol.md, "Errors").

Whatever a client sends, reading it either gives a `Frame` or raises `BadFrame`, answered with an
error frame (`invalid`, or `too_large`); the values in `data` are then for the ops' forms to check.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

MAX_OP_ID = 64
# An op is {"op", "id", "data": {field: value}}: three levels. Deeper is not an op, and bounding
# it keeps a hostile frame from costing deep recursion anywhere later (forms, error messages).
MAX_DEPTH = 4
MAX_SEQ = 2**63 - 1
SURROGATE = re.compile("[\ud800-\udfff]")


class BadFrame(Exception):
    """A frame that is not an op we can read: answered `invalid`, and the socket goes on."""

    code = "invalid"

    def __init__(self, message: str, *, name: str | None = None, op_id: str | None = None) -> None:
        super().__init__(message)
        self.message, self.name, self.op_id = message, name, op_id


class TooLarge(BadFrame):
    code = "too_large"


@dataclass(frozen=True)
class Frame:
    name: str
    op_id: str | None
    data: dict[str, Any]
    message: dict[str, Any]  # the whole frame: a ping's `t`, a sync's `since`


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def usable_op_id(value: Any) -> bool:
    """An op id as the protocol allows one, whichever way it came (docs/protocol.md)."""
    return _usable(value)


def _usable(value: Any) -> bool:
    """Text fit to name an op or an id: a short string, no NUL, control character or surrogate."""
    return isinstance(value, str) and 0 < len(value) <= MAX_OP_ID and value.isprintable()


def _fault(message: Any) -> str | None:
    """Why a parsed frame's values cannot be taken, or None.

    A lone surrogate (from a JSON escape such as "\\ud800") is not text: it fails when encoded
    to UTF-8 for the database or the page, so no string anywhere in a frame may hold one. A NUL is
    text to JSON but not to PostgreSQL: the op id is checked here, values by the ops' forms.
    """
    stack = [(message, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if SURROGATE.search(value):
                return _("That message holds text that is not valid Unicode.")
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return _("That message is nested too deeply to be an op.")
            if isinstance(value, dict):
                stack.extend((key, depth) for key in value)
                value = value.values()
            stack.extend((item, depth + 1) for item in value)
    return None


def parse_frame(text_data: str | None) -> Frame:
    """The frame's envelope (op, id, data), checked in one place; raises BadFrame or TooLarge."""
    if text_data is None:
        raise BadFrame(_("Send ops as JSON text frames."))
    try:
        size = len(text_data.encode())
    except UnicodeEncodeError:  # a surrogate in the text itself (the wire cannot carry one)
        raise BadFrame(_("That message holds text that is not valid Unicode.")) from None
    if size > settings.LIVE_MAX_MESSAGE_BYTES:
        raise TooLarge(_("That message is too large."))
    try:
        # RecursionError: nesting deep enough to exhaust the parser (the size cap allows ~8,000).
        message = json.loads(text_data, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise BadFrame(_("That message is not valid JSON.")) from None
    # Named in an error, so that the client knows which op was refused: only if usable.
    name, op_id = (message.get("op"), message.get("id")) if isinstance(message, dict) else (None, None)
    shown, usable_id = (name if _usable(name) else None), (op_id if _usable(op_id) else None)
    fault = _fault(message)
    if fault:
        raise BadFrame(fault, name=shown, op_id=usable_id)
    if not isinstance(name, str):
        raise BadFrame(_('An op is a JSON object with an "op" name.'))
    if op_id is not None and not usable_id:
        raise BadFrame(_("An op id is a string of up to 64 characters."), name=shown)
    data = message.get("data", {})
    if not isinstance(data, dict):
        raise BadFrame(_('An op\'s "data" must be an object.'), name=shown, op_id=op_id)
    return Frame(name=name, op_id=op_id, data=data, message=message)


def as_seq(value: Any) -> int | None:
    """A client's `since`: an event number in ASCII digits, or None for anything else."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SEQ:
        return value
    return None


def as_client_time(value: Any) -> int | float | None:
    # Echoed in the pong: only a finite number, which every JSON parser reads back.
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return value
    return None


def pieces(text: str, limit: int | None = None) -> list[str]:
    """`text` as frames of at most `limit` bytes: itself when it fits, else "part" frames whose
    texts joined in order are `text` (docs/protocol.md, "Big messages")."""
    limit = limit or settings.LIVE_MAX_SEND_BYTES
    if len(text) * 4 <= limit or len(text.encode()) <= limit:
        return [text]
    return list(_split(text, limit))


@functools.lru_cache(maxsize=4)
def _split(text: str, limit: int) -> tuple[str, ...]:
    # Cached: an event goes to every socket of the room, and each would split it again.
    # Room for the envelope and for JSON's escapes: most of what we send is ASCII already.
    size = max(1, limit // 2)
    while True:
        chunks = [text[i : i + size] for i in range(0, len(text), size)]
        message = next(_message_ids)
        frames = [
            json.dumps({"type": "part", "id": message, "n": n, "of": len(chunks), "text": chunk})
            for n, chunk in enumerate(chunks)
        ]
        if all(len(frame.encode()) <= limit for frame in frames) or size == 1:
            return tuple(frames)
        size //= 2


_message_ids = itertools.count(1)


class TokenBucket:
    """Ops allowed per socket: a steady rate with room for short bursts."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
