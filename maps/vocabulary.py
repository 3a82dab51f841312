"""The map's own vocabulary, defined once: what a persona, a scope and a backstory hold and
what the room calls the backstory's parts, which lanes a dot vote runs on, and how many stages
a map may have. The services, the exports and the room's pages all read it from here."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

PERSONA_FIELDS = ("name", "role", "description", "goals", "needs", "motivations", "pains", "quote")
SCOPE_FIELDS = ("scenario", "goal", "journey_start", "journey_end")
BACKSTORY_FIELDS = ("trigger", "needs", "outcome", "narrative")
BACKSTORY_LABELS = {
    "trigger": _("The pain that started it"),
    "needs": _("What they need (their shopping list)"),
    "outcome": _("The outcome they want"),
    "narrative": _("The story in a few sentences"),
}
# The lanes whose notes a dot vote ranks: the worst pains, the best opportunities.
VOTE_LANES = ("pains", "opportunities")
MAX_STAGES = 20
