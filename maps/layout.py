"""The default stages and lanes of each kind of map (../shared/PLAY.md, "What a map is made of")."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from maps.models import MapKind, Zone


@dataclass(frozen=True)
class LaneSpec:
    key: str
    name: Promise
    zone: str = Zone.CUSTOMER
    # Touchpoint notes carry a channel; the board offers it only in this lane.
    has_channel: bool = False


ACTIONS = LaneSpec("actions", _("Does"))
TOUCHPOINTS = LaneSpec("touchpoints", _("Touchpoints and channels"), has_channel=True)
THOUGHTS = LaneSpec("thoughts", _("Thinks and asks"))
PAINS = LaneSpec("pains", _("Pain points"))
OPPORTUNITIES = LaneSpec("opportunities", _("Opportunities"))
FRONTSTAGE = LaneSpec("frontstage", _("Frontstage: what the customer sees"), Zone.FRONTSTAGE)
BACKSTAGE = LaneSpec("backstage", _("Backstage: people and systems behind it"), Zone.BACKSTAGE)
SUPPORT = LaneSpec("support", _("Support processes"), Zone.SUPPORT)

LANES_BY_KEY = {
    lane.key: lane
    for lane in (ACTIONS, TOUCHPOINTS, THOUGHTS, PAINS, OPPORTUNITIES, FRONTSTAGE, BACKSTAGE, SUPPORT)
}

JOURNEY_STAGES = (_("Awareness"), _("Consideration"), _("Decision"), _("Experience"), _("Advocacy"))
DAY_STAGES = (_("Morning"), _("Midday"), _("Afternoon"), _("Evening"))

STAGES: dict[str, tuple[Promise, ...]] = {
    MapKind.CURRENT_STATE: JOURNEY_STAGES,
    MapKind.FUTURE_STATE: JOURNEY_STAGES,
    MapKind.DAY_IN_THE_LIFE: DAY_STAGES,
    MapKind.SERVICE_BLUEPRINT: JOURNEY_STAGES,
}

LANES: dict[str, tuple[LaneSpec, ...]] = {
    MapKind.CURRENT_STATE: (ACTIONS, TOUCHPOINTS, THOUGHTS, PAINS, OPPORTUNITIES),
    MapKind.FUTURE_STATE: (ACTIONS, TOUCHPOINTS, THOUGHTS, PAINS, OPPORTUNITIES),
    MapKind.DAY_IN_THE_LIFE: (ACTIONS, TOUCHPOINTS, THOUGHTS, PAINS, OPPORTUNITIES),
    # A blueprint puts the organisation under the customer's journey; the line of visibility
    # runs between the frontstage and the backstage.
    MapKind.SERVICE_BLUEPRINT: (
        ACTIONS,
        TOUCHPOINTS,
        FRONTSTAGE,
        BACKSTAGE,
        SUPPORT,
        THOUGHTS,
        PAINS,
        OPPORTUNITIES,
    ),
}
