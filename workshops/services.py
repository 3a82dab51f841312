"""Every write of the live session goes through here (DESIGN.md, "One service layer").

Each op locks the workshop row, checks the actor's role, changes state, appends an event to
the map's log under the next sequence number, and - only after commit - broadcasts the
re-rendered parts of the room once to the workshop's group.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from maps import events
from maps import services as maps_services
from maps.models import EmotionRating, Insight, JourneyMap, MapKind, Sticky, VoteDot
from maps.services import map_copy, map_create, map_import
from workshops import live, play
from workshops.models import AgendaStep, Participant, Removal, Role, Workshop, new_join_code

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


# -- creating and joining -------------------------------------------------------------------


@transaction.atomic
def workshop_create(
    *,
    owner: AbstractBaseUser,
    title: str,
    kind: str = MapKind.CURRENT_STATE,
    display_name: str = "",
    journey_map: JourneyMap | None = None,
) -> Workshop:
    """A workshop with the play's agenda, on a new map of `kind` or on an existing `journey_map`."""
    if journey_map is None:
        journey_map = map_create(owner=owner, title=title, kind=kind)
    for _attempt in range(10):
        try:
            with transaction.atomic():
                workshop = Workshop.objects.create(
                    owner=owner, title=title, journey_map=journey_map, join_code=new_join_code()
                )
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - a billion codes make ten collisions in a row unthinkable
        raise RuntimeError("Could not find a free join code.")
    steps = AgendaStep.objects.bulk_create(
        AgendaStep(
            workshop=workshop,
            key=step.key,
            position=index,
            time_box=step.time_box,
            skipped=step.prep,
        )
        for index, step in enumerate(play.STEPS)
    )
    first = next(step for step in steps if not step.skipped)
    workshop.current_step = first
    workshop.timer_remaining = first.time_box
    workshop.save(update_fields=["current_step", "timer_remaining"])
    Participant.objects.create(
        workshop=workshop,
        user=owner,
        display_name=display_name or owner.get_username(),
        role=Role.FACILITATOR,
    )
    return workshop


def guest_user_create(*, display_name: str) -> AbstractBaseUser:
    """A user with no password for someone who joins with a code; their session is the key."""
    user_model = get_user_model()
    user = user_model(username=f"guest-{secrets.token_hex(8)}", first_name=display_name[:150])
    user.set_unusable_password()
    user.save()
    return user


def is_removed(*, workshop: Workshop, user: AbstractBaseUser | None, browser: str = "") -> bool:
    """Whether a facilitator took this account, or someone joined from this browser, out of
    the workshop and has not let them back in."""
    who = Q(user_id=user.pk) if user is not None and user.is_authenticated else Q(pk__in=[])
    if browser:
        who |= Q(browser=browser)
    return Removal.objects.filter(who, workshop=workshop).exists()


@transaction.atomic
def participant_join(
    *, workshop: Workshop, user: AbstractBaseUser, display_name: str, browser: str = ""
) -> Participant:
    """Join (or rejoin) a workshop. Rejoining keeps the role and updates the name.

    `browser` marks the browser they join from (workshops.guards.browser_mark): someone removed
    cannot come back from it, even as a new guest.
    """
    participant = Participant.objects.filter(workshop=workshop, user=user).first()
    if participant is not None:
        if display_name and display_name != participant.display_name:
            participant.display_name = display_name
            participant.save(update_fields=["display_name"])
            _record(workshop, participant, "participant.rename", None, {}, live.PEOPLE)
        return participant
    if is_removed(workshop=workshop, user=user, browser=browser):
        raise Refused(
            _("A facilitator took you out of this workshop. Ask them to let you back in."), code="removed"
        )
    if not workshop.joining_open:
        raise Refused(_("Joining is closed for this workshop."), code="closed")
    participant = Participant.objects.create(
        workshop=workshop, user=user, display_name=display_name, role=Role.MEMBER, browser=browser
    )
    _record(workshop, participant, "participant.join", None, {}, live.PEOPLE)
    return participant


# -- ops of the live session ----------------------------------------------------------------


def _lock(workshop: Workshop) -> Workshop:
    return Workshop.objects.select_for_update(of=("self",)).select_related("current_step").get(pk=workshop.pk)


def _require_facilitator(by: Participant) -> None:
    if not by.is_facilitator:
        raise Refused(_("Only a facilitator can do that."), code="forbidden")


def _record(
    workshop: Workshop,
    by: Participant | None,
    kind: str,
    op_id: str | None,
    payload: dict[str, Any],
    parts: tuple[str, ...],
    **extra: Any,
) -> Applied:
    event = events.append(
        journey_map_id=workshop.journey_map_id,
        author=by.user if by else None,
        kind=kind,
        op_id=op_id,
        payload=payload,
    )
    workshop_id = workshop.pk
    transaction.on_commit(
        lambda: live.publish(
            workshop_id=workshop_id,
            seq=event.seq,
            op_id=op_id,
            parts=parts,
            languages=event.languages,
            **extra,
        )
    )
    return Applied(seq=event.seq)


@transaction.atomic
def timer_start(
    *, workshop: Workshop, by: Participant, op_id: str | None = None, now: datetime | None = None
) -> Applied:
    _require_facilitator(by)
    now = now or timezone.now()
    workshop = _lock(workshop)
    if workshop.timer_running and not workshop.time_is_up(now):
        raise Refused(_("The timer is already running."), code="noop")
    left = workshop.time_left(now)
    if left <= timedelta():
        left = workshop.current_step.time_box
    workshop.timer_deadline = now + left
    workshop.save(update_fields=["timer_deadline"])
    return _record(workshop, by, "timer.start", op_id, {}, live.TIMER)


@transaction.atomic
def timer_pause(
    *, workshop: Workshop, by: Participant, op_id: str | None = None, now: datetime | None = None
) -> Applied:
    _require_facilitator(by)
    now = now or timezone.now()
    workshop = _lock(workshop)
    if not workshop.timer_running:
        raise Refused(_("The timer is not running."), code="noop")
    workshop.timer_remaining = workshop.time_left(now)
    workshop.timer_deadline = None
    workshop.save(update_fields=["timer_deadline", "timer_remaining"])
    return _record(workshop, by, "timer.pause", op_id, {}, live.TIMER)


@transaction.atomic
def timer_add(
    *,
    workshop: Workshop,
    by: Participant,
    minutes: int,
    op_id: str | None = None,
    now: datetime | None = None,
) -> Applied:
    _require_facilitator(by)
    now = now or timezone.now()
    workshop = _lock(workshop)
    extra = timedelta(minutes=minutes)
    if workshop.timer_running:
        # Adding time after it ran out counts from now, not from the old deadline.
        workshop.timer_deadline = max(workshop.timer_deadline, now) + extra
    else:
        workshop.timer_remaining += extra
    workshop.save(update_fields=["timer_deadline", "timer_remaining"])
    return _record(workshop, by, "timer.add", op_id, {"minutes": minutes}, live.TIMER)


@transaction.atomic
def timer_reset(*, workshop: Workshop, by: Participant, op_id: str | None = None) -> Applied:
    _require_facilitator(by)
    workshop = _lock(workshop)
    workshop.timer_deadline = None
    workshop.timer_remaining = workshop.current_step.time_box
    workshop.save(update_fields=["timer_deadline", "timer_remaining"])
    return _record(workshop, by, "timer.reset", op_id, {}, live.TIMER)


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
    _require_facilitator(by)
    now = now or timezone.now()
    workshop = _lock(workshop)
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
    return _record(workshop, by, "step.go", op_id, payload, live.STEP)


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
    _require_facilitator(by)
    workshop = _lock(workshop)
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
    return _record(workshop, by, "agenda.update", op_id, payload, live.AGENDA)


@transaction.atomic
def step_done_set(
    *, workshop: Workshop, by: Participant, step: AgendaStep, done: bool, op_id: str | None = None
) -> Applied:
    if not by.can_write:
        raise Refused(_("Observers can watch but not take part."), code="forbidden")
    workshop = _lock(workshop)
    if step.pk != workshop.current_step_id:
        raise Refused(_("The room has moved on to another step."), code="stale")
    if done:
        by.done_steps.add(step)
    else:
        by.done_steps.remove(step)
    return _record(workshop, by, "step.done", op_id, {"step": step.key, "done": done}, live.PEOPLE)


def _other_participant(workshop: Workshop, by: Participant, participant: Participant) -> Participant:
    _require_facilitator(by)
    if participant.workshop_id != workshop.pk:
        raise Refused(_("That person is not in this workshop."), code="invalid")
    if participant.user_id == workshop.owner_id:
        raise Refused(_("The workshop's owner always stays its facilitator."), code="forbidden")
    return participant


@transaction.atomic
def participant_role_set(
    *, workshop: Workshop, by: Participant, participant: Participant, role: str, op_id: str | None = None
) -> Applied:
    participant = _other_participant(workshop, by, participant)
    workshop = _lock(workshop)
    participant.role = role
    participant.save(update_fields=["role"])
    payload = {"participant": participant.pk, "role": role}
    return _record(
        workshop, by, "participant.role", op_id, payload, live.PEOPLE, role_changed=participant.user_id
    )


@transaction.atomic
def participant_remove(
    *, workshop: Workshop, by: Participant, participant: Participant, op_id: str | None = None
) -> Applied:
    """Take someone out of the workshop. What they wrote stays; their sockets are closed; and
    they cannot join again, from their account or their browser, until let back in."""
    participant = _other_participant(workshop, by, participant)
    workshop = _lock(workshop)
    user_id = participant.user_id
    Removal.objects.create(
        workshop=workshop, user_id=user_id, browser=participant.browser, display_name=participant.display_name
    )
    participant.delete()
    return _record(
        workshop,
        by,
        "participant.remove",
        op_id,
        {"user": user_id},
        live.PEOPLE + live.JOINING,
        removed=user_id,
    )


@transaction.atomic
def participant_readmit(
    *, workshop: Workshop, by: Participant, removal: Removal, op_id: str | None = None
) -> Applied:
    """Let someone removed join again (with the code, as anyone does). Their notes never left."""
    _require_facilitator(by)
    if removal.workshop_id != workshop.pk:
        raise Refused(_("That person is not in this workshop."), code="invalid")
    workshop = _lock(workshop)
    user_id = removal.user_id
    removal.delete()
    return _record(workshop, by, "participant.readmit", op_id, {"user": user_id}, live.JOINING)


@transaction.atomic
def _switch(
    workshop: Workshop,
    by: Participant,
    field: str,
    on: bool,
    kind: str,
    op_id: str | None,
    parts: tuple[str, ...],
) -> Applied:
    """Turn one of the workshop's facilitator switches on or off."""
    _require_facilitator(by)
    workshop = _lock(workshop)
    setattr(workshop, field, on)
    workshop.save(update_fields=[field])
    return _record(workshop, by, kind, op_id, {"on": on}, parts)


def joining_set(*, workshop: Workshop, by: Participant, open: bool, op_id: str | None = None) -> Applied:
    return _switch(workshop, by, "joining_open", open, "joining.set", op_id, live.JOINING)


@transaction.atomic
def join_code_rotate(*, workshop: Workshop, by: Participant, op_id: str | None = None) -> Applied:
    """A fresh code; the old one stops working at once. People already in stay in."""
    _require_facilitator(by)
    workshop = _lock(workshop)
    while True:
        code = new_join_code()
        if not Workshop.objects.filter(join_code=code).exists():
            break
    workshop.join_code = code
    workshop.save(update_fields=["join_code"])
    return _record(workshop, by, "joining.rotate", op_id, {}, live.JOINING)


def join_guard_tell() -> None:
    """Show the rooms that are live with joining open that someone guessing codes was stopped
    (workshops.guards): their "Invite the team" panel is drawn again, saying so."""
    live_rooms = Workshop.objects.filter(joining_open=True, participants__sockets__gt=0).distinct()
    for workshop in live_rooms:
        with transaction.atomic():
            _record(workshop, None, "joining.guard", None, {}, live.JOINING)


# -- presence -------------------------------------------------------------------------------


@transaction.atomic
def presence_connect(
    *, participant: Participant, language: str | None = None, now: datetime | None = None
) -> None:
    """A socket of the participant opened, its page in `language`: from now on the room's events
    are drawn in it too (`maps.events.add_language`; call before the socket reads the room)."""
    now = now or timezone.now()
    Participant.objects.filter(pk=participant.pk).update(sockets=F("sockets") + 1, last_seen=now)
    participant.refresh_from_db(fields=["sockets", "last_seen"])
    # The map's row after the participant's, as every write that logs takes them (no deadlock
    # with a disconnect), and before the presence event takes its number (drawn in it too).
    if language:
        events.add_language(journey_map_id=participant.workshop.journey_map_id, language=language)
    if participant.sockets == 1:
        _record(participant.workshop, participant, "presence.online", None, {}, live.PEOPLE)


@transaction.atomic
def presence_disconnect(*, participant: Participant) -> None:
    updated = Participant.objects.filter(pk=participant.pk, sockets__gt=0).update(sockets=F("sockets") - 1)
    if not updated:
        return  # removed meanwhile, or already counted out
    participant.refresh_from_db(fields=["sockets"])
    if participant.sockets == 0:
        _record(participant.workshop, participant, "presence.offline", None, {}, live.PEOPLE)


def presence_heartbeat(*, participant: Participant, now: datetime | None = None) -> None:
    """A socket of the participant is alive; and anyone in its workshop silent for longer than
    the timeout is counted out (`presence_sweep`)."""
    now = now or timezone.now()
    Participant.objects.filter(pk=participant.pk).update(last_seen=now)
    presence_sweep(workshop=participant.workshop, now=now)


def presence_sweep(*, workshop: Workshop, now: datetime) -> None:
    """Count out people whose sockets all went silent without a disconnect: a server process
    that died (`kill -9`, a crash, a lost machine) never counted its sockets out, so they kept
    showing as online on open pages, and their later comings and goings were never told. A
    live socket's heartbeat (every 15 s) keeps its person well inside the timeout."""
    cutoff = now - timedelta(seconds=settings.LIVE_PRESENCE_TIMEOUT)
    stale = Participant.objects.filter(workshop=workshop, sockets__gt=0, last_seen__lt=cutoff)
    for person in stale.select_related("user"):
        with transaction.atomic():
            counted_out = Participant.objects.filter(pk=person.pk, sockets__gt=0, last_seen__lt=cutoff)
            if counted_out.update(sockets=0):
                _record(workshop, person, "presence.offline", None, {}, live.PEOPLE)


# -- the board ------------------------------------------------------------------------------


def _require_writer(workshop: Workshop, by: Participant) -> None:
    if not by.can_write:
        raise Refused(_("Observers can watch but not take part."), code="forbidden")
    if workshop.board_locked and not by.is_facilitator:
        raise Refused(_("The facilitator has locked the board for now."), code="locked")


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
        _require_facilitator(by)
    elif even_when_locked:
        if not by.can_write:
            raise Refused(_("Observers can watch but not take part."), code="forbidden")
    else:
        _require_writer(workshop, by)
    try:
        result = change(journey_map=workshop.journey_map, author=by.user, op_id=op_id, **kwargs)
    except maps_services.MapRefused as refused:
        if refused.field:  # checked by the write itself (a move's note and cell), as a form would
            raise Invalid(str(refused.message), {refused.field: [str(refused.message)]}) from refused
        raise Refused(refused.message, code=refused.code) from refused
    workshop_id, seq, languages = workshop.pk, result.event.seq, result.event.languages
    parts = live.BOARD if result.board else ()
    if result.backstory:
        parts += live.BACKSTORY
    if result.emotion and not result.board:
        parts += live.EMOTION
    if result.vote:
        parts += live.VOTE
    if result.insights:
        parts += live.INSIGHTS
    cells = sorted(result.cells)
    journey_map = workshop.journey_map
    # One note says it all (maps.services.NoteSwap): it is drawn alone, and its cells not read.
    swaps = (result.swap,) if result.swap is not None and not parts else ()
    if swaps:
        cells = []
    transaction.on_commit(
        lambda: live.publish(
            workshop_id=workshop_id,
            seq=seq,
            op_id=op_id,
            parts=parts,
            cells=cells,
            swaps=swaps,
            journey_map=journey_map,
            languages=languages,
        )
    )
    return Applied(seq=seq)


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
    _require_writer(workshop, by)
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


def board_lock_set(*, workshop: Workshop, by: Participant, on: bool, op_id: str | None = None) -> Applied:
    return _switch(workshop, by, "board_locked", on, "board.lock", op_id, live.BOARD_BAR)


@transaction.atomic
def private_writing_set(
    *, workshop: Workshop, by: Participant, on: bool, op_id: str | None = None
) -> Applied:
    """Start private writing, or end it by revealing every hidden note at once."""
    _require_facilitator(by)
    workshop = _lock(workshop)
    if workshop.private_writing == on:
        raise Refused(
            _("Private writing is already on.") if on else _("Private writing is already off."), code="noop"
        )
    workshop.private_writing = on
    workshop.save(update_fields=["private_writing"])
    if on:
        return _record(workshop, by, "writing.private", op_id, {"on": True}, live.BOARD_BAR)
    revealed = maps_services.stickies_reveal(journey_map=workshop.journey_map, author=by.user, op_id=op_id)
    workshop_id, seq, languages = workshop.pk, revealed.event.seq, revealed.event.languages
    transaction.on_commit(
        lambda: live.publish(
            workshop_id=workshop_id, seq=seq, op_id=op_id, parts=live.BOARD, languages=languages
        )
    )
    return Applied(seq=seq)


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
    _require_facilitator(by)
    workshop = _lock(workshop)
    if workshop.private_ratings == on:
        raise Refused(_("That is already so."), code="noop")
    workshop.private_ratings = on
    workshop.save(update_fields=["private_ratings"])
    if on:
        return _record(workshop, by, "emotion.private", op_id, {"on": True}, live.BOARD_BAR)
    revealed = maps_services.emotion_reveal(journey_map=workshop.journey_map, author=by.user, op_id=op_id)
    workshop_id, seq, languages = workshop.pk, revealed.event.seq, revealed.event.languages
    transaction.on_commit(
        lambda: live.publish(
            workshop_id=workshop_id,
            seq=seq,
            op_id=op_id,
            parts=live.BOARD_BAR + live.EMOTION,
            languages=languages,
        )
    )
    return Applied(seq=seq)


# -- the map's life after the workshop -------------------------------------------------------


@transaction.atomic
def workshop_import(*, owner: AbstractBaseUser, data: dict[str, Any], display_name: str = "") -> Workshop:
    """A new map from an export file, and a workshop on it. Raises exports.InvalidExport."""
    journey_map = map_import(owner=owner, data=data)
    return workshop_create(
        owner=owner, title=journey_map.title, journey_map=journey_map, display_name=display_name
    )


@transaction.atomic
def workshop_duplicate(
    *, workshop: Workshop, by: AbstractBaseUser, kind: str, title: str | None = None, display_name: str = ""
) -> Workshop:
    """A copy of the workshop's map for `kind` (maps.services.map_copy), with a new workshop on it."""
    if workshop.owner_id != by.pk:
        raise Refused(_("Only the workshop's owner can do that."), code="forbidden")
    journey_map = map_copy(journey_map=workshop.journey_map, owner=by, kind=kind, title=title)
    return workshop_create(
        owner=by, title=journey_map.title, journey_map=journey_map, display_name=display_name
    )


@transaction.atomic
def journey_map_delete(*, journey_map: JourneyMap, by: AbstractBaseUser) -> None:
    """Delete the map and everything of it: its workshops, notes, log, ratings, votes, and the
    password-less accounts (guests who joined, names from an import) that exist only for it."""
    if journey_map.owner_id != by.pk:
        raise Refused(_("Only the map's owner can do that."), code="forbidden")
    touched = set(
        Participant.objects.filter(workshop__journey_map=journey_map).values_list("user_id", flat=True)
    )
    for model in (Sticky, Insight, EmotionRating):
        touched |= set(model.objects.filter(journey_map=journey_map).values_list("author_id", flat=True))
    touched |= set(VoteDot.objects.filter(vote__journey_map=journey_map).values_list("voter_id", flat=True))
    touched.discard(None)
    journey_map.delete()
    user_model = get_user_model()
    leftover = user_model.objects.filter(
        pk__in=touched, password__startswith=UNUSABLE_PASSWORD_PREFIX
    ).exclude(pk=by.pk)
    still_used = set(Participant.objects.filter(user__in=leftover).values_list("user_id", flat=True))
    for model in (Sticky, Insight, EmotionRating):
        still_used |= set(model.objects.filter(author__in=leftover).values_list("author_id", flat=True))
    still_used |= set(VoteDot.objects.filter(voter__in=leftover).values_list("voter_id", flat=True))
    still_used |= set(JourneyMap.objects.filter(owner__in=leftover).values_list("owner_id", flat=True))
    leftover.exclude(pk__in=still_used).delete()
