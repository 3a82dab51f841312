"""What every write of a map returns or raises, and the log entry each one makes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.forms import ModelChoiceField

from maps import events
from maps.models import JourneyMap, MapEvent, Sticky

Cell = tuple[int, int]  # (stage id, lane id)


class MapRefused(Exception):
    """A change that cannot be made; `field`, when the reason is one of its arguments."""

    def __init__(self, message: str, *, code: str = "refused", field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


def not_here(field_name: str) -> MapRefused:
    """A note, stage or lane that is not on this map (or is someone else's hidden note)."""
    return MapRefused(
        ModelChoiceField.default_error_messages["invalid_choice"], code="invalid", field=field_name
    )


@dataclass(frozen=True)
class NoteSwap:
    """A change to one note that everyone may see, drawn without redrawing its cell.

    The room applies it as it stands (docs/protocol.md, "One note"): "replace" the note where it
    is, "append" it to the end of its cell, "move" it: out of where it was, and in before
    the note `before` (None: at the end of its new cell), or "remove" it (deleted). Only for
    a note nobody has hidden from anyone, beside notes nobody has hidden: otherwise what each
    viewer has differs, and the cells are drawn again as each may see them.
    """

    kind: str
    sticky: Sticky
    before: int | None = None


@dataclass
class Change:
    """What a write did: its logged event (whose kind says what it redraws, to the caller:
    workshops.regions), and for a note's write the cells it touched and the note."""

    event: MapEvent
    cells: set[Cell] = field(default_factory=set)
    sticky: Sticky | None = None
    swap: NoteSwap | None = None  # the change, when one note says it all (NoteSwap)


def log(
    journey_map: JourneyMap,
    author: AbstractBaseUser | None,
    kind: str,
    op_id: str | None,
    payload: dict[str, Any],
) -> MapEvent:
    """Log a change in the map's event log, inside the transaction that made it."""
    return events.append(
        journey_map_id=journey_map.pk, author=author, kind=kind, op_id=op_id, payload=payload
    )
