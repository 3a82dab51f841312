"""The room's clock and agenda: the timer, moving between steps, editing a step, marking a
step done."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from workshops.models import AgendaStep, Participant, Role, Workshop
from workshops.services.base import (
    Applied,
    Refused,
    lock,
    record,
    require_facilitator,
)


@transaction.atomic
def timer_start(
    *, workshop: Workshop, by: Participant, op_id: str | None = None, now: datetime | None = None
) -> Applied:
    require_facilitator(by)
    now = now or timezone.now()
    workshop = lock(workshop)
    if workshop.timer_running and not workshop.time_is_up(now):
        raise Refused(_("The timer is already running."), code="noop")
    left = workshop.time_left(now)
    if left <= timedelta():
        left = workshop.current_step.time_box
    workshop.timer_deadline = now + left
    workshop.save(update_fields=["timer_deadline"])
    return record(workshop, by, "timer.start", op_id, {})


@transaction.atomic
def timer_pause(
    *, workshop: Workshop, by: Participant, op_id: str | None = None, now: datetime | None = None
) -> Applied:
    require_facilitator(by)
    now = now or timezone.now()
    workshop = lock(workshop)
    if not workshop.timer_running:
        raise Refused(_("The timer is not running."), code="noop")
    workshop.timer_remaining = workshop.time_left(now)
    workshop.timer_deadline = None
    workshop.save(update_fields=["timer_deadline", "timer_remaining"])
    return record(workshop, by, "timer.pause", op_id, {})


@transaction.atomic
def timer_add(
    *,
    workshop: Workshop,
    by: Participant,
    minutes: int,
    op_id: str | None = None,
    now: datetime | None = None,
) -> Applied:
    require_facilitator(by)
    now = now or timezone.now()
    workshop = lock(workshop)
    extra = timedelta(minutes=minutes)
    if workshop.timer_running:
        # Adding time after it ran out counts from now, not from the old deadline.
        workshop.timer_deadline = max(workshop.timer_deadline, now) + extra
    else:
        workshop.timer_remaining += extra
    workshop.save(update_fields=["timer_deadline", "timer_remaining"])
    return record(workshop, by, "timer.add", op_id, {"minutes": minutes})


@transaction.atomic
def timer_reset(*, workshop: Workshop, by: Participant, op_id: str | None = None) -> Applied:
    require_facilitator(by)
    workshop = lock(workshop)
    workshop.timer_deadline = None
    workshop.timer_remaining = workshop.current_step.time_box
    workshop.save(update_fields=["timer_deadline", "timer_remaining"])
    return record(workshop, by, "timer.reset", op_id, {})


def still_working(workshop: Workshop, step: AgendaStep, now: datetime) -> list[Participant]:
    """Members who are online and have not said they are done with the step."""
    done = set(step.done_by.values_list("pk", flat=True))
    return [
        p for p in workshop.participants.filter(role=Role.MEMBER) if p.is_online(now) and p.pk not in done
    ]


@transaction.atomic
def step_go(
    *,
    workshop: Workshop,
    by: Participant,
    to: AgendaStep | str,
    force: bool = False,
    op_id: str | None = None,
    now: datetime | None = None,
) -> Applied:
    """Move the room to a step: `to` is a step of this workshop, or "next" / "previous".

    Moving forward while members are still working is refused with code "confirm" unless
    `force` is set; the client asks the facilitator and sends the op again with force.
    """
    require_facilitator(by)
    now = now or timezone.now()
    workshop = lock(workshop)
    current = workshop.current_step
    steps = list(workshop.steps.all())
    if to == "next":
        target = next((s for s in steps if s.position > current.position and not s.skipped), None)
        if target is None:
            raise Refused(_("This is the last step of the agenda."), code="noop")
    elif to == "previous":
        earlier = [s for s in steps if s.position < current.position and not s.skipped]
        if not earlier:
            raise Refused(_("This is the first step of the agenda."), code="noop")
        target = earlier[-1]
    else:
        target = next((s for s in steps if s.pk == getattr(to, "pk", None)), None)
        if target is None:
            raise Refused(_("That step is not on this workshop's agenda."), code="invalid")
    if target.pk == current.pk:
        raise Refused(_("The room is already on that step."), code="noop")
    if target.position > current.position and not force:
        working = len(still_working(workshop, current, now))
        if working:
            message = ngettext(
                "%(count)d person is still working on this step. Move on anyway?",
                "%(count)d people are still working on this step. Move on anyway?",
                working,
            ) % {"count": working}
            raise Refused(message, code="confirm")
    current.left_with = workshop.time_left(now)
    current.save(update_fields=["left_with"])
    workshop.current_step = target
    workshop.timer_deadline = None
    workshop.timer_remaining = target.left_with if target.left_with is not None else target.time_box
    workshop.save(update_fields=["current_step", "timer_deadline", "timer_remaining"])
    payload = {"from": current.key, "to": target.key}
    return record(workshop, by, "step.go", op_id, payload)


@transaction.atomic
def agenda_step_update(
    *,
    workshop: Workshop,
    by: Participant,
    step: AgendaStep,
    minutes: int,
    skipped: bool,
    note: str,
    op_id: str | None = None,
) -> Applied:
    require_facilitator(by)
    workshop = lock(workshop)
    step = workshop.steps.get(pk=step.pk)
    new_box = timedelta(minutes=minutes)
    if step.pk == workshop.current_step_id:
        if skipped:
            raise Refused(_("The room is on this step; move on before skipping it."), code="invalid")
        # A timer that has not started yet follows the new time box.
        if not workshop.timer_running and workshop.timer_remaining == step.time_box:
            workshop.timer_remaining = new_box
            workshop.save(update_fields=["timer_remaining"])
    step.time_box, step.skipped, step.note = new_box, skipped, note
    step.save(update_fields=["time_box", "skipped", "note"])
    payload = {"step": step.key, "minutes": minutes, "skipped": skipped}
    return record(workshop, by, "agenda.update", op_id, payload)


@transaction.atomic
def step_done_set(
    *, workshop: Workshop, by: Participant, step: AgendaStep, done: bool, op_id: str | None = None
) -> Applied:
    if not by.can_write:
        raise Refused(_("Observers can watch but not take part."), code="forbidden")
    workshop = lock(workshop)
    if step.pk != workshop.current_step_id:
        raise Refused(_("The room has moved on to another step."), code="stale")
    if done:
        by.done_steps.add(step)
    else:
        by.done_steps.remove(step)
    return record(workshop, by, "step.done", op_id, {"step": step.key, "done": done})
