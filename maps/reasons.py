"""The reasons a team gave in "why do we see this differently?" rounds: the open round's, for the
room, and every stage's, for the summary beside the emotion line."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from maps.models import EmotionReason, JourneyMap, Stage


def why_panel(*, stage: Stage | None, until: datetime | None) -> dict[str, Any]:
    """The open round (none: nothing is read) and the reasons written in it so far."""
    if stage is None:
        return {"why_stage": None, "why_reasons": [], "why_until": None}
    reasons = list(EmotionReason.objects.filter(stage=stage).select_related("author"))
    return {"why_stage": stage, "why_reasons": reasons, "why_until": until}


def reasons_by_stage(journey_map: JourneyMap) -> dict[int, list[EmotionReason]]:
    """Stage id → the reasons given for it, oldest first (one query)."""
    out: dict[int, list[EmotionReason]] = {}
    for reason in EmotionReason.objects.filter(journey_map=journey_map).select_related("author"):
        out.setdefault(reason.stage_id, []).append(reason)
    return out
