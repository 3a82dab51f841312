"""Reading the journey: the emotion line (and the reasons behind a disagreement), and the big
picture (figures per stage, answers to the four questions)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from maps.models import EmotionRating, EmotionReason, Insight, JourneyMap, Persona, Stage, StageMetric
from maps.personas import rating_key
from maps.services.change import Change, log


@transaction.atomic
def emotion_rate(
    *,
    journey_map: JourneyMap,
    author: AbstractBaseUser,
    stage: Stage,
    value: int,
    hidden: bool = False,
    persona: Persona | None = None,
    op_id: str | None = None,
) -> Change:
    """Say how the persona (the main one, or `persona`: maps.personas) feels at a stage; rating
    again replaces one's own rating of that persona there."""
    persona_id = rating_key(journey_map, persona)
    EmotionRating.objects.update_or_create(
        stage=stage,
        author=author,
        persona_id=persona_id,
        defaults={"journey_map": journey_map, "value": value, "hidden": hidden},
    )
    # The value is not logged: while ratings are private it must not leave the server.
    payload = {"stage": stage.pk} if persona_id is None else {"stage": stage.pk, "persona": persona_id}
    event = log(journey_map, author, "emotion.rate", op_id, payload)
    return Change(event)


@transaction.atomic
def emotion_reveal(*, journey_map: JourneyMap, author: AbstractBaseUser, op_id: str | None = None) -> Change:
    count = EmotionRating.objects.filter(journey_map=journey_map, hidden=True).update(hidden=False)
    event = log(journey_map, author, "emotion.reveal", op_id, {"count": count})
    return Change(event)


@transaction.atomic
def stage_annotate(
    *, journey_map: JourneyMap, author: AbstractBaseUser, stage: Stage, text: str, op_id: str | None = None
) -> Change:
    stage.emotion_note = text
    stage.save(update_fields=["emotion_note"])
    event = log(journey_map, author, "stage.annotate", op_id, {"stage": stage.pk})
    return Change(event)


@transaction.atomic
def metric_add(
    *,
    journey_map: JourneyMap,
    author: AbstractBaseUser,
    stage: Stage,
    op_id: str | None = None,
    **fields: Any,
) -> Change:
    metric = StageMetric.objects.create(stage=stage, **fields)
    event = log(journey_map, author, "metric.add", op_id, {"stage": stage.pk, "metric": metric.pk})
    return Change(event)


@transaction.atomic
def metric_remove(
    *, journey_map: JourneyMap, author: AbstractBaseUser, metric: StageMetric, op_id: str | None = None
) -> Change:
    metric_id = metric.pk
    metric.delete()
    event = log(journey_map, author, "metric.remove", op_id, {"metric": metric_id})
    return Change(event)


@transaction.atomic
def insight_add(
    *, journey_map: JourneyMap, author: AbstractBaseUser, question: str, text: str, op_id: str | None = None
) -> Change:
    insight = Insight.objects.create(journey_map=journey_map, question=question, text=text, author=author)
    event = log(journey_map, author, "insight.add", op_id, {"insight": insight.pk, "question": question})
    return Change(event)


@transaction.atomic
def insight_remove(
    *, journey_map: JourneyMap, author: AbstractBaseUser, insight: Insight, op_id: str | None = None
) -> Change:
    insight_id = insight.pk
    insight.delete()
    event = log(journey_map, author, "insight.remove", op_id, {"insight": insight_id})
    return Change(event)


@transaction.atomic
def emotion_reason_add(
    *, journey_map: JourneyMap, author: AbstractBaseUser, stage: Stage, text: str, op_id: str | None = None
) -> Change:
    """One person's reason for how they rated a stage the team disagrees about."""
    reason = EmotionReason.objects.create(journey_map=journey_map, stage=stage, text=text, author=author)
    return Change(log(journey_map, author, "emotion.why", op_id, {"stage": stage.pk, "reason": reason.pk}))
