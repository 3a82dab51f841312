from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from maps.models import JourneyMap
from workshops import play

# Easy to read aloud and to type: no 0/O, no 1/I/L.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_slug() -> str:
    return secrets.token_urlsafe(9)


def normalize_code(raw: str) -> str:
    """What a person typed, as we store codes: upper case, no spaces or dashes."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())


class Role(models.TextChoices):
    FACILITATOR = "facilitator", _("Facilitator")
    MEMBER = "member", _("Member")
    OBSERVER = "observer", _("Observer")


class Workshop(models.Model):
    """A live session on one journey map: agenda, timer, participants and join code.

    The timer is state, not a process (DESIGN.md): while it runs, `timer_deadline` is set;
    otherwise `timer_remaining` holds the time left. Anyone can compute the time left from
    these and the clock, so a reload, a late joiner or a restarted server agree.
    """

    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="owned_workshops"
    )
    journey_map = models.ForeignKey(JourneyMap, on_delete=models.CASCADE, related_name="workshops")
    # Stable and unguessable: the room's address. The join code is separate and rotates.
    slug = models.CharField(max_length=16, unique=True, default=new_slug, editable=False)
    join_code = models.CharField(max_length=CODE_LENGTH, unique=True, default=new_join_code)
    joining_open = models.BooleanField(default=True)
    current_step = models.ForeignKey(
        "AgendaStep", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Board controls: a locked board is read-only for members; during private writing each
    # member's new notes stay hidden from the others until the facilitator reveals them.
    board_locked = models.BooleanField(default=False)
    private_writing = models.BooleanField(default=False)
    # While on, emotion ratings stay hidden until the facilitator reveals them.
    private_ratings = models.BooleanField(default=False)
    # "Bring everyone here": what the facilitator put in the spotlight ("stage-ID", "cell-S-L",
    # "sticky-ID", the ids the page gives them; "" for nothing) and how the room names it.
    spotlight = models.CharField(max_length=60, blank=True)
    spotlight_label = models.CharField(max_length=200, blank=True)
    # A "why do we see this differently?" round on one stage: its countdown ends at `why_until`;
    # it takes reasons until the facilitator ends it (nothing advances by itself).
    why_stage = models.ForeignKey(
        "maps.Stage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    why_until = models.DateTimeField(null=True, blank=True)
    timer_deadline = models.DateTimeField(null=True, blank=True)
    timer_remaining = models.DurationField(default=timedelta)
    # A follow-up session (services.follow_up_create): the session it follows on the same map,
    # and the map as it stood when it began (maps.moves.snapshot), which the summary compares.
    follows = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    baseline = models.JSONField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def group_name(self) -> str:
        return f"workshop-{self.pk}"

    @property
    def join_code_display(self) -> str:
        return f"{self.join_code[:3]}-{self.join_code[3:]}"

    @property
    def timer_running(self) -> bool:
        return self.timer_deadline is not None

    def time_left(self, now: datetime) -> timedelta:
        if self.timer_deadline is None:
            return self.timer_remaining
        return max(self.timer_deadline - now, timedelta())

    def time_is_up(self, now: datetime) -> bool:
        return self.timer_deadline is not None and self.timer_deadline <= now


class AgendaStep(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="steps")
    key = models.CharField(max_length=20, choices=[(key, step.title) for key, step in play.BY_KEY.items()])
    position = models.PositiveSmallIntegerField()
    time_box = models.DurationField()
    skipped = models.BooleanField(default=False)
    note = models.TextField(_("note"), blank=True, max_length=500)
    # Time left when the room last moved away from this step, so that going back (to undo an
    # advance) restores the timer as it was.
    left_with = models.DurationField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "position"], name="agenda_position_unique")
        ]

    def __str__(self) -> str:
        return str(self.play.title)

    @property
    def play(self) -> play.PlayStep:
        return play.BY_KEY[self.key]

    @property
    def minutes(self) -> int:
        return int(self.time_box.total_seconds() // 60)


class Participant(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participations"
    )
    display_name = models.CharField(_("display name"), max_length=40)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)
    # Presence lives in the database so every server process sees it (DESIGN.md, scale):
    # the number of open sockets, and the newest heartbeat from any of them.
    sockets = models.PositiveIntegerField(default=0)
    last_seen = models.DateTimeField(null=True, blank=True)
    done_steps = models.ManyToManyField(AgendaStep, blank=True, related_name="done_by")
    # The mark of the browser they joined from (workshops.views.browser_mark): a removal
    # keeps it, so the same browser cannot come back in as a new guest.
    browser = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        ordering = ["joined_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["workshop", "user"], name="participant_unique")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_facilitator(self) -> bool:
        return self.role == Role.FACILITATOR

    @property
    def can_write(self) -> bool:
        return self.role != Role.OBSERVER

    def is_online(self, now: datetime) -> bool:
        timeout = timedelta(seconds=settings.LIVE_PRESENCE_TIMEOUT)
        return self.sockets > 0 and self.last_seen is not None and now - self.last_seen < timeout


class Removal(models.Model):
    """Someone a facilitator took out of a workshop: neither their account nor the browser they
    joined from can join it again until a facilitator lets them back in (deletes this row)."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="removals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    browser = models.CharField(max_length=32, blank=True)
    display_name = models.CharField(_("display name"), max_length=40)
    removed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["removed_at", "pk"]
        indexes = [models.Index(fields=["workshop", "browser"], name="removal_browser")]

    def __str__(self) -> str:
        return self.display_name
