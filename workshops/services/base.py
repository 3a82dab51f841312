"""What every op of the live session shares: its answers (Applied, Refused, Invalid), the
workshop row's lock, the role checks, and how its event is logged and broadcast after commit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from maps import events
from workshops import live, regions
from workshops.models import Participant, Workshop

MAX_TIME_BOX_MINUTES = 180


class Refused(Exception):
    """An op that may not or cannot happen; the message is shown to the person who sent it."""

    def __init__(self, message: str, *, code: str = "refused") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class Invalid(Refused):
    """An op whose data does not hold: what is wrong, by field (as a form's errors)."""

    def __init__(self, message: str, errors: dict[str, list[str]]) -> None:
        super().__init__(message, code="invalid")
        self.errors = errors


@dataclass(frozen=True)
class Applied:
    seq: int


def lock(workshop: Workshop) -> Workshop:
    return Workshop.objects.select_for_update(of=("self",)).select_related("current_step").get(pk=workshop.pk)


def require_facilitator(by: Participant) -> None:
    if not by.is_facilitator:
        raise Refused(_("Only a facilitator can do that."), code="forbidden")


def record(
    workshop: Workshop,
    by: Participant | None,
    kind: str,
    op_id: str | None,
    payload: dict[str, Any],
    **extra: Any,
) -> Applied:
    """Log a change of the room's own state, and broadcast what its kind redraws after commit."""
    event = events.append(
        journey_map_id=workshop.journey_map_id,
        author=by.user if by else None,
        kind=kind,
        op_id=op_id,
        payload=payload,
    )
    return publish(workshop, event, op_id, **extra)


def publish(workshop: Workshop, event: Any, op_id: str | None, **draw: Any) -> Applied:
    """Broadcast an event after commit: the regions its kind redraws (workshops.regions), and
    whatever else `draw` names (cells, one note, extra message keys)."""
    workshop_id, seq, kind, languages = workshop.pk, event.seq, event.kind, event.languages
    transaction.on_commit(
        lambda: live.publish(
            workshop_id=workshop_id,
            seq=seq,
            op_id=op_id,
            parts=regions.regions_of(kind),
            languages=languages,
            **draw,
        )
    )
    return Applied(seq=seq)


@transaction.atomic
def switch(
    workshop: Workshop,
    by: Participant,
    field: str,
    on: bool,
    kind: str,
    op_id: str | None,
) -> Applied:
    """Turn one of the workshop's facilitator switches on or off."""
    require_facilitator(by)
    workshop = lock(workshop)
    setattr(workshop, field, on)
    workshop.save(update_fields=[field])
    return record(workshop, by, kind, op_id, {"on": on})


def require_writer(workshop: Workshop, by: Participant) -> None:
    if not by.can_write:
        raise Refused(_("Observers can watch but not take part."), code="forbidden")
    if workshop.board_locked and not by.is_facilitator:
        raise Refused(_("The facilitator has locked the board for now."), code="locked")
