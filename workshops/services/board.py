"""The board's ops: a participant's write of the map (maps.services) run with the room's
checks and broadcast, and the facilitator's board switches (lock, private writing, ratings)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maps import services as maps_services
from workshops import live, regions
from workshops.models import Participant, Workshop
from workshops.services.base import (
    Applied,
    Invalid,
    Refused,
    lock,
    publish,
    record,
    require_facilitator,
    require_writer,
    switch,
)


def map_change(
    *,
    workshop: Workshop,
    by: Participant,
    change: Callable[..., maps_services.Change],
    op_id: str | None = None,
    facilitator_only: bool = False,
    even_when_locked: bool = False,
    **kwargs: Any,
) -> Applied:
    """Run a write of `maps.services` for a participant, and broadcast what it changed.

    `workshop` is as read for this op (its switches decide): `ops.perform`'s callers read it
    with the sender's place, so it is not read again here.

    Not atomic itself: it only checks, then runs one write that is (`change`), so on the live
    path that write is the transaction, with no savepoint (two round trips) around it. Called
    inside a caller's transaction, the broadcast still waits for that transaction's commit.
    """
    if facilitator_only:
        require_facilitator(by)
    elif even_when_locked:
        if not by.can_write:
            raise Refused(_("Observers can watch but not take part."), code="forbidden")
    else:
        require_writer(workshop, by)
    try:
        result = change(journey_map=workshop.journey_map, author=by.user, op_id=op_id, **kwargs)
    except maps_services.MapRefused as refused:
        if refused.field:  # checked by the write itself (a move's note and cell), as a form would
            raise Invalid(str(refused.message), {refused.field: [str(refused.message)]}) from refused
        raise Refused(refused.message, code=refused.code) from refused
    # One note says it all (maps.services.NoteSwap): it is drawn alone, and its cells not read.
    one_note = result.swap is not None and not regions.regions_of(result.event.kind)
    return publish(
        workshop,
        result.event,
        op_id,
        cells=[] if one_note else sorted(result.cells),
        swaps=(result.swap,) if one_note else (),
        journey_map=workshop.journey_map,
    )


def sticky_create(*, workshop: Workshop, by: Participant, op_id: str | None = None, **fields: Any) -> Applied:
    # During private writing a new note stays hidden from everyone but its author.
    hidden = workshop.private_writing
    fields["colour"] = fields.get("colour") or "yellow"
    return map_change(
        workshop=workshop, by=by, change=maps_services.sticky_create, op_id=op_id, hidden=hidden, **fields
    )


def sticky_editing(
    *, workshop: Workshop, by: Participant, sticky: Any, editing: bool, op_id: str | None = None
) -> Applied:
    """Tell the others who is typing in which note. Passing news: not logged, not numbered."""
    require_writer(workshop, by)
    live.publish_volatile(
        workshop_id=workshop.pk,
        message={
            "type": "editing",
            "sticky": sticky.pk,
            "participant": by.pk,
            "name": by.display_name,
            "editing": editing,
        },
    )
    return Applied(seq=0)


WHY_MINUTES = 3  # a "why do we see this differently?" round, unless the facilitator says otherwise


@transaction.atomic
def why_start(
    *, workshop: Workshop, by: Participant, stage: Any, minutes: int | None = None, op_id: str | None = None
) -> Applied:
    """Open a short round on one stage the team disagrees about: each person writes why they
    rated it so (`emotion.why`), against a countdown of its own (the step's timer is left be)."""
    require_facilitator(by)
    workshop = lock(workshop)
    workshop.why_stage = stage
    workshop.why_until = timezone.now() + timedelta(minutes=minutes or WHY_MINUTES)
    workshop.save(update_fields=["why_stage", "why_until"])
    return record(workshop, by, "why.start", op_id, {"stage": stage.pk, "minutes": minutes or WHY_MINUTES})


@transaction.atomic
def why_end(*, workshop: Workshop, by: Participant, op_id: str | None = None) -> Applied:
    require_facilitator(by)
    workshop = lock(workshop)
    if workshop.why_stage_id is None:
        raise Refused(_("No round is open."), code="noop")
    workshop.why_stage, workshop.why_until = None, None
    workshop.save(update_fields=["why_stage", "why_until"])
    return record(workshop, by, "why.end", op_id, {})


def emotion_reason_add(
    *, workshop: Workshop, by: Participant, op_id: str | None = None, **fields: Any
) -> Applied:
    """A reason for the round's stage only, while the round is open (the board's lock aside:
    the facilitator asked for it)."""

    def change(**kwargs: Any) -> maps_services.Change:  # after map_change's check of the role
        if workshop.why_stage_id is None or kwargs["stage"].pk != workshop.why_stage_id:
            raise maps_services.MapRefused(_("That round is over."), code="closed")
        return maps_services.emotion_reason_add(**kwargs)

    return map_change(workshop=workshop, by=by, change=change, op_id=op_id, even_when_locked=True, **fields)


@transaction.atomic
def spotlight_set(
    *, workshop: Workshop, by: Participant, target: str, label: str, op_id: str | None = None
) -> Applied:
    """Bring everyone to one stage, cell or note (`target`, checked by its form), or end it
    (""). Every page scrolls there once and marks it; each person can look away and come back."""
    require_facilitator(by)
    workshop = lock(workshop)
    workshop.spotlight, workshop.spotlight_label = target, label  # the form names "" as ""
    workshop.save(update_fields=["spotlight", "spotlight_label"])
    return record(workshop, by, "spotlight.set", op_id, {"target": target})


def board_lock_set(*, workshop: Workshop, by: Participant, on: bool, op_id: str | None = None) -> Applied:
    return switch(workshop, by, "board_locked", on, "board.lock", op_id)


@transaction.atomic
def private_writing_set(
    *, workshop: Workshop, by: Participant, on: bool, op_id: str | None = None
) -> Applied:
    """Start private writing, or end it by revealing every hidden note at once."""
    require_facilitator(by)
    workshop = lock(workshop)
    if workshop.private_writing == on:
        raise Refused(
            _("Private writing is already on.") if on else _("Private writing is already off."), code="noop"
        )
    workshop.private_writing = on
    workshop.save(update_fields=["private_writing"])
    if on:
        return record(workshop, by, "writing.private", op_id, {"on": True})
    revealed = maps_services.stickies_reveal(journey_map=workshop.journey_map, author=by.user, op_id=op_id)
    return publish(workshop, revealed.event, op_id)


def emotion_rate(*, workshop: Workshop, by: Participant, op_id: str | None = None, **fields: Any) -> Applied:
    # While ratings are private a new rating is counted but not shown until the reveal.
    hidden = workshop.private_ratings
    return map_change(
        workshop=workshop, by=by, change=maps_services.emotion_rate, op_id=op_id, hidden=hidden, **fields
    )


@transaction.atomic
def private_ratings_set(
    *, workshop: Workshop, by: Participant, on: bool, op_id: str | None = None
) -> Applied:
    """Keep emotion ratings private, or end that by revealing them all at once."""
    require_facilitator(by)
    workshop = lock(workshop)
    if workshop.private_ratings == on:
        raise Refused(_("That is already so."), code="noop")
    workshop.private_ratings = on
    workshop.save(update_fields=["private_ratings"])
    if on:
        return record(workshop, by, "emotion.private", op_id, {"on": True})
    revealed = maps_services.emotion_reveal(journey_map=workshop.journey_map, author=by.user, op_id=op_id)
    return publish(workshop, revealed.event, op_id)
