"""The people in a workshop: joining, roles, removing and letting back in, the join code, and
presence."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from maps import events
from workshops.models import Participant, Removal, Role, Workshop, new_join_code
from workshops.services.base import (
    Applied,
    Refused,
    lock,
    record,
    require_facilitator,
    switch,
)


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
            record(workshop, participant, "participant.rename", None, {})
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
    record(workshop, participant, "participant.join", None, {})
    return participant


def _other_participant(workshop: Workshop, by: Participant, participant: Participant) -> Participant:
    require_facilitator(by)
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
    workshop = lock(workshop)
    participant.role = role
    participant.save(update_fields=["role"])
    payload = {"participant": participant.pk, "role": role}
    return record(workshop, by, "participant.role", op_id, payload, role_changed=participant.user_id)


@transaction.atomic
def participant_remove(
    *, workshop: Workshop, by: Participant, participant: Participant, op_id: str | None = None
) -> Applied:
    """Take someone out of the workshop. What they wrote stays; their sockets are closed; and
    they cannot join again, from their account or their browser, until let back in."""
    participant = _other_participant(workshop, by, participant)
    workshop = lock(workshop)
    user_id = participant.user_id
    Removal.objects.create(
        workshop=workshop, user_id=user_id, browser=participant.browser, display_name=participant.display_name
    )
    participant.delete()
    return record(workshop, by, "participant.remove", op_id, {"user": user_id}, removed=user_id)


@transaction.atomic
def participant_readmit(
    *, workshop: Workshop, by: Participant, removal: Removal, op_id: str | None = None
) -> Applied:
    """Let someone removed join again (with the code, as anyone does). Their notes never left."""
    require_facilitator(by)
    if removal.workshop_id != workshop.pk:
        raise Refused(_("That person is not in this workshop."), code="invalid")
    workshop = lock(workshop)
    user_id = removal.user_id
    removal.delete()
    return record(workshop, by, "participant.readmit", op_id, {"user": user_id})


def joining_set(*, workshop: Workshop, by: Participant, open: bool, op_id: str | None = None) -> Applied:
    return switch(workshop, by, "joining_open", open, "joining.set", op_id)


@transaction.atomic
def join_code_rotate(*, workshop: Workshop, by: Participant, op_id: str | None = None) -> Applied:
    """A fresh code; the old one stops working at once. People already in stay in."""
    require_facilitator(by)
    workshop = lock(workshop)
    while True:
        code = new_join_code()
        if not Workshop.objects.filter(join_code=code).exists():
            break
    workshop.join_code = code
    workshop.save(update_fields=["join_code"])
    return record(workshop, by, "joining.rotate", op_id, {})


def join_guard_tell() -> None:
    """Show the rooms that are live with joining open that someone guessing codes was stopped
    (workshops.guards): their "Invite the team" panel is drawn again, saying so."""
    live_rooms = Workshop.objects.filter(joining_open=True, participants__sockets__gt=0).distinct()
    for workshop in live_rooms:
        with transaction.atomic():
            record(workshop, None, "joining.guard", None, {})


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
        record(participant.workshop, participant, "presence.online", None, {})


@transaction.atomic
def presence_disconnect(*, participant: Participant) -> None:
    updated = Participant.objects.filter(pk=participant.pk, sockets__gt=0).update(sockets=F("sockets") - 1)
    if not updated:
        return  # removed meanwhile, or already counted out
    participant.refresh_from_db(fields=["sockets"])
    if participant.sockets == 0:
        record(participant.workshop, participant, "presence.offline", None, {})


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
                record(workshop, person, "presence.offline", None, {})
