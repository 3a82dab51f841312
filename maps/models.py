from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from maps.choices import (
    OFFLINE_CHANNELS,
    STICKY_MAX_LENGTH,
    BigQuestion,
    Channel,
    Colour,
    Evidence,
    MapKind,
    MetricKind,
    OpportunityStatus,
    Severity,
    Zone,
)


class JourneyMap(models.Model):
    """The artefact a workshop works on; it outlives any one session."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind of map"), max_length=20, choices=MapKind.choices, default=MapKind.CURRENT_STATE
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journey_maps")
    # The number of the newest event in this map's log (DESIGN.md, "Total order").
    seq = models.PositiveBigIntegerField(default=0)
    # The languages of the pages that have opened this map's room, space-separated: its events
    # are drawn in these only (none yet: in every language). maps.events.add_language.
    languages = models.CharField(max_length=100, blank=True, default="", editable=False)
    persona = models.ForeignKey(
        "Persona", on_delete=models.SET_NULL, null=True, blank=True, related_name="journey_maps"
    )
    # The others this journey concerns (who buys and who uses, say): notes and ratings may name
    # one of them; the board, the line and the summary can show one at a time (maps.personas).
    more_personas = models.ManyToManyField(
        "Persona", blank=True, related_name="also_on_maps", verbose_name=_("other personas on this map")
    )
    # The scope (the play's step 0).
    scenario = models.TextField(_("scenario"), max_length=1000, blank=True)
    goal = models.TextField(_("the persona's goal"), max_length=1000, blank=True)
    journey_start = models.CharField(_("where the journey starts"), max_length=300, blank=True)
    journey_end = models.CharField(_("where the journey ends"), max_length=300, blank=True)
    # The backstory (the play's step 2).
    trigger = models.TextField(_("the pain that started it"), max_length=1000, blank=True)
    needs = models.TextField(_("the list of needs"), max_length=2000, blank=True)
    outcome = models.TextField(_("the outcome wanted"), max_length=1000, blank=True)
    narrative = models.TextField(_("the story in short"), max_length=3000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The map's life after the workshop: maps go stale, so they are reviewed now and then
    # (settings.JOURNEYMAP_REVIEW_EVERY_DAYS); an archived map leaves the main list.
    last_reviewed_at = models.DateTimeField(_("last reviewed"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    # The map this one was copied from (a future state from the current state), to compare them.
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies"
    )

    class Meta:
        verbose_name = _("journey map")
        verbose_name_plural = _("journey maps")

    def __str__(self) -> str:
        return self.title

    def review_due_at(self) -> datetime:
        """When the map is next due for review: a period after its last review, or its creation."""
        since = self.last_reviewed_at or self.created_at
        return since + timedelta(days=settings.JOURNEYMAP_REVIEW_EVERY_DAYS)

    def review_due(self, now: datetime) -> bool:
        return self.review_due_at() <= now


class MapEvent(models.Model):
    """One entry of a map's event log: every change, in the order everyone sees it."""

    journey_map = models.ForeignKey(JourneyMap, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Made by the client, so that a retry after a dropped connection is recognised.
    # NULL, not "", so that server-made events (no op id) never clash on the unique constraint.
    op_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    kind = models.CharField(max_length=40)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Not stored: the map's languages when this event took its number (maps.events), the
    # languages it is drawn in for the room; () for every language.
    languages: tuple[str, ...] = ()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["journey_map", "seq"], name="map_event_seq_unique"),
            # A client's op id names its op on one map: reused in another workshop, it is a new op.
            models.UniqueConstraint(fields=["journey_map", "author", "op_id"], name="map_event_op_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.journey_map_id}#{self.seq} {self.kind}"


class Persona(models.Model):
    """A fictional customer built from research; lives in its owner's library, shared by maps."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personas")
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=120, blank=True)
    description = models.TextField(_("short description"), max_length=1000, blank=True)
    goals = models.TextField(_("goals"), max_length=1000, blank=True)
    needs = models.TextField(_("needs"), max_length=1000, blank=True)
    motivations = models.TextField(_("motivations"), max_length=1000, blank=True)
    pains = models.TextField(_("pains"), max_length=1000, blank=True)
    quote = models.CharField(_("a quote in their words"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    journey_map = models.ForeignKey(JourneyMap, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=60)
    position = models.PositiveIntegerField()
    # The facilitator's note on the emotion line at this stage ("why it drops here").
    emotion_note = models.CharField(_("note on the emotion line"), max_length=300, blank=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class Lane(models.Model):
    journey_map = models.ForeignKey(JourneyMap, on_delete=models.CASCADE, related_name="lanes")
    key = models.CharField(max_length=20)
    name = models.CharField(_("name"), max_length=60)
    position = models.PositiveIntegerField()
    zone = models.CharField(max_length=20, choices=Zone.choices, default=Zone.CUSTOMER)
    visible = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["journey_map", "key"], name="lane_key_unique")]

    def __str__(self) -> str:
        return self.name


class Sticky(models.Model):
    """A sticky note in one cell of the grid (a stage × a lane)."""

    journey_map = models.ForeignKey(JourneyMap, on_delete=models.CASCADE, related_name="stickies")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="stickies")
    lane = models.ForeignKey(Lane, on_delete=models.CASCADE, related_name="stickies")
    position = models.PositiveIntegerField(default=0)
    text = models.TextField(_("text"), max_length=STICKY_MAX_LENGTH)
    colour = models.CharField(max_length=10, choices=Colour.choices, default=Colour.YELLOW)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="stickies"
    )
    is_question = models.BooleanField(_("question"), default=False)
    is_decision = models.BooleanField(_("decision"), default=False)
    is_aha = models.BooleanField(_("“aha” moment"), default=False)
    is_micro_moment = models.BooleanField(_("micro-moment"), default=False)
    evidence = models.CharField(max_length=12, choices=Evidence.choices, default=Evidence.ASSUMPTION)
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    links = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="linked_from")
    # Pain points: how bad, and how many customers it hits (a count or a share) by whose numbers.
    severity = models.PositiveSmallIntegerField(choices=Severity.choices, null=True, blank=True)
    reach_count = models.PositiveIntegerField(null=True, blank=True)
    reach_share = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)  # percent
    reach_source = models.CharField(max_length=200, blank=True)
    # The action plan (maps/plan.py): who follows it up, how far it has come, and by when: an
    # opportunity, or an assumption someone checks. Statuses are the opportunities' for both.
    owner = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=12, choices=OpportunityStatus.choices, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    # What settled an assumption once checked (`sticky.settle`): where it comes from, in short.
    # The persona the note concerns, on a map of several (None: every persona).
    persona = models.ForeignKey("Persona", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    evidence_source = models.CharField(max_length=200, blank=True)
    evidence_note = models.CharField(max_length=STICKY_MAX_LENGTH, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    # Written during private writing and not yet revealed: only its author may see the text.
    hidden = models.BooleanField(default=False)
    # Deleted notes linger a little so that "undo" can bring them back.
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Folded into another note that says the same (maps/services/folding.py): off the board as
    # a deleted note is (deleted_at is set too), kept, shown under that note, and unfoldable.
    folded_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="folded"
    )
    # On the note others are folded into: how many are, and how many people wrote it in all
    # (itself included), so that every drawing of the note says so without reading them.
    folded_notes = models.PositiveSmallIntegerField(default=0)
    folded_people = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "pk"]
        indexes = [models.Index(fields=["journey_map", "stage", "lane", "position"])]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def is_online_channel(self) -> bool | None:
        if not self.channel:
            return None
        return self.channel not in OFFLINE_CHANNELS


class EmotionRating(models.Model):
    """How one participant thinks the persona feels at one stage, from -3 to +3."""

    journey_map = models.ForeignKey(JourneyMap, on_delete=models.CASCADE, related_name="emotion_ratings")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="emotion_ratings")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Whose feeling (maps.personas): None only on a map without a persona. A persona's ratings go with it.
    persona = models.ForeignKey("Persona", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    value = models.SmallIntegerField()
    # Given while ratings are private: counted, never shown, until the facilitator reveals them.
    hidden = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "author", "persona"], name="emotion_rating_unique", nulls_distinct=False
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=-3, value__lte=3), name="emotion_rating_scale"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stage_id}: {self.value:+d}"


class Vote(models.Model):
    """Dot voting on the notes of one lane (pain points or opportunities).

    Dots are secret while the vote is open; closing it shows everyone the ranking.
    """

    journey_map = models.ForeignKey(JourneyMap, on_delete=models.CASCADE, related_name="votes")
    lane = models.ForeignKey(Lane, on_delete=models.CASCADE, related_name="votes")
    budget = models.PositiveSmallIntegerField(_("dots per person"), default=3)
    stacking = models.BooleanField(_("several dots on one note"), default=False)
    ends_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"vote on {self.lane_id}"

    def accepts_dots(self, now: Any) -> bool:
        return self.closed_at is None and (self.ends_at is None or now < self.ends_at)


class VoteDot(models.Model):
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="dots")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sticky = models.ForeignKey(Sticky, on_delete=models.CASCADE, related_name="dots")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["vote", "voter"])]

    def __str__(self) -> str:
        return f"dot on {self.sticky_id}"


class StageMetric(models.Model):
    """A measured figure for a stage, so that impact can be weighed with data."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="metrics")
    kind = models.CharField(max_length=10, choices=MetricKind.choices)
    label = models.CharField(max_length=60, blank=True)  # the name of a custom metric
    value = models.DecimalField(max_digits=12, decimal_places=2)
    unit = models.CharField(max_length=20, blank=True)
    source = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.name}: {self.value}{self.unit}"

    @property
    def name(self) -> str:
        return self.label if self.kind == MetricKind.CUSTOM and self.label else str(self.get_kind_display())


class Insight(models.Model):
    """The team's answer to one of the big-picture questions (the play's step 6)."""

    journey_map = models.ForeignKey(JourneyMap, on_delete=models.CASCADE, related_name="insights")
    question = models.CharField(max_length=20, choices=BigQuestion.choices)
    text = models.TextField(max_length=STICKY_MAX_LENGTH)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class EmotionReason(models.Model):
    """Why one person rated a stage as they did, written in a "why do we see this differently?"
    round (the team disagreed about the stage); shown on the summary beside the line."""

    journey_map = models.ForeignKey(JourneyMap, on_delete=models.CASCADE, related_name="emotion_reasons")
    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="emotion_reasons")
    text = models.TextField(max_length=STICKY_MAX_LENGTH)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


def new_share_token() -> str:
    return secrets.token_urlsafe(32)


class ShareLink(models.Model):
    """A read-only link to a map's summary for people outside the workshop (docs/sharing.md).

    The token is the only key: whoever has the link reads the summary until it is revoked or
    expires. Revoking keeps the row, so the facilitator sees which links existed.
    """

    journey_map = models.ForeignKey(JourneyMap, on_delete=models.CASCADE, related_name="share_links")
    token = models.CharField(max_length=64, unique=True, default=new_share_token, editable=False)
    # Whom it is for, so the facilitator knows which link to revoke ("for the leadership team").
    label = models.CharField(_("who it is for"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"share link for {self.journey_map_id}"

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)
