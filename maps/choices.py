"""The map's fixed choices: the kinds of map, lane zones, note colours, evidence levels, channels,
severities, statuses, kinds of figure and the big-picture questions. The models store their
values (maps.models imports them from here, and so may anyone else)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

STICKY_MAX_LENGTH = 280


class MapKind(models.TextChoices):
    CURRENT_STATE = "current", _("Current state")
    FUTURE_STATE = "future", _("Future state")
    DAY_IN_THE_LIFE = "day", _("Day in the life")
    SERVICE_BLUEPRINT = "blueprint", _("Service blueprint")


class Zone(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    FRONTSTAGE = "frontstage", _("Frontstage")
    BACKSTAGE = "backstage", _("Backstage")
    SUPPORT = "support", _("Support processes")


class Colour(models.TextChoices):
    YELLOW = "yellow", _("Yellow")
    PINK = "pink", _("Pink")
    BLUE = "blue", _("Blue")
    GREEN = "green", _("Green")
    ORANGE = "orange", _("Orange")
    PURPLE = "purple", _("Purple")


class Evidence(models.TextChoices):
    ASSUMPTION = "assumption", _("Assumption")
    ANECDOTE = "anecdote", _("Anecdote")
    RESEARCH = "research", _("Research")


class Channel(models.TextChoices):
    WEBSITE = "website", _("Website")
    APP = "app", _("App")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    POST = "post", _("Post")
    FACE_TO_FACE = "face", _("Face to face")
    SOCIAL = "social", _("Social media")
    STORE = "store", _("Store")
    OTHER = "other", _("Other")


class Severity(models.IntegerChoices):
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")


class OpportunityStatus(models.TextChoices):
    IDEA = "idea", _("Idea")
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class MetricKind(models.TextChoices):
    NPS = "nps", _("NPS")
    CSAT = "csat", _("CSAT")
    CES = "ces", _("CES")
    DROP_OFF = "dropoff", _("Drop-off rate")
    CUSTOM = "custom", _("Other")


class BigQuestion(models.TextChoices):
    FRUSTRATING = "frustrating", _("What is most confusing or frustrating?")
    EXPECTATIONS = "expectations", _("Where does the journey fall short of expectations?")
    NEEDS = "needs", _("What new, unmet needs did we find?")
    COMPLEX = "complex", _("Where is it needlessly complex or repetitive?")


OFFLINE_CHANNELS = {Channel.PHONE, Channel.POST, Channel.FACE_TO_FACE, Channel.STORE}
