"""The board's frame: stages, lanes, and the map's scope and backstory."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from maps.models import EmotionRating, JourneyMap, Lane, Stage, Sticky
from maps.services.change import Change, MapRefused, log
from maps.vocabulary import BACKSTORY_FIELDS, MAX_STAGES


@transaction.atomic
def stage_create(
    *,
    journey_map: JourneyMap,
    author: AbstractBaseUser,
    name: str,
    position: int | None = None,
    op_id: str | None = None,
) -> Change:
    stages = list(journey_map.stages.all())
    if len(stages) >= MAX_STAGES:
        raise MapRefused(_("A map has at most %(max)d stages.") % {"max": MAX_STAGES}, code="invalid")
    stage = Stage(journey_map=journey_map, name=name, position=0)
    stage.save()
    at = len(stages) if position is None else max(0, min(position, len(stages)))
    stages.insert(at, stage)
    _restage(stages)
    event = log(journey_map, author, "stage.create", op_id, {"stage": stage.pk, "name": name})
    return Change(event)


def _restage(stages: list[Stage]) -> None:
    for position, stage in enumerate(stages):
        stage.position = position
    Stage.objects.bulk_update(stages, ["position"])


@transaction.atomic
def stage_rename(
    *, journey_map: JourneyMap, author: AbstractBaseUser, stage: Stage, name: str, op_id: str | None = None
) -> Change:
    stage.name = name
    stage.save(update_fields=["name"])
    event = log(journey_map, author, "stage.rename", op_id, {"stage": stage.pk, "name": name})
    return Change(event)


@transaction.atomic
def stage_move(
    *,
    journey_map: JourneyMap,
    author: AbstractBaseUser,
    stage: Stage,
    position: int,
    op_id: str | None = None,
) -> Change:
    stages = [s for s in journey_map.stages.all() if s.pk != stage.pk]
    stages.insert(max(0, min(position, len(stages))), stage)
    _restage(stages)
    event = log(journey_map, author, "stage.move", op_id, {"stage": stage.pk, "position": position})
    return Change(event)


@transaction.atomic
def stage_delete(
    *,
    journey_map: JourneyMap,
    author: AbstractBaseUser,
    stage: Stage,
    confirm: bool = False,
    op_id: str | None = None,
) -> Change:
    """Remove a stage. One that holds notes is removed only with `confirm` (the client asks first)."""
    held = Sticky.objects.filter(stage=stage, deleted_at=None).count()
    if held and not confirm:
        raise MapRefused(
            _("This stage holds %(count)d notes. Remove it and its notes?") % {"count": held}, code="confirm"
        )
    if journey_map.stages.count() <= 1:
        raise MapRefused(_("A map needs at least one stage."), code="invalid")
    stage.delete()
    _restage(list(journey_map.stages.all()))
    event = log(journey_map, author, "stage.delete", op_id, {"stage": stage.pk, "notes": held})
    return Change(event)


@transaction.atomic
def lane_set_visible(
    *, journey_map: JourneyMap, author: AbstractBaseUser, lane: Lane, visible: bool, op_id: str | None = None
) -> Change:
    lane.visible = visible
    lane.save(update_fields=["visible"])
    event = log(journey_map, author, "lane.visible", op_id, {"lane": lane.key, "visible": visible})
    return Change(event)


@transaction.atomic
def backstory_edit(
    *, journey_map: JourneyMap, author: AbstractBaseUser, part: str, text: str, op_id: str | None = None
) -> Change:
    if part not in BACKSTORY_FIELDS:
        raise MapRefused(_("Unknown part of the backstory."), code="invalid")
    JourneyMap.objects.filter(pk=journey_map.pk).update(**{part: text})
    setattr(journey_map, part, text)
    event = log(journey_map, author, "backstory.edit", op_id, {"part": part})
    return Change(event)


@transaction.atomic
def scope_update(
    *, journey_map: JourneyMap, author: AbstractBaseUser, data: dict[str, Any], op_id: str | None = None
) -> Change:
    """The facilitator's preparation form: persona, scope and backstory in one save.

    A persona taken off the map leaves its notes concerning everyone (maps.personas)."""
    data = dict(data)
    more = data.pop("more_personas", None)
    for key, value in data.items():
        setattr(journey_map, key, value)
    if data:
        journey_map.save(update_fields=list(data))
    if more is not None:
        journey_map.more_personas.set(more)
    if data.get("persona") is not None:
        # Ratings given before the map had a persona were of the one it now has (maps.personas).
        theirs = EmotionRating.objects.filter(
            stage=OuterRef("stage"), author=OuterRef("author"), persona=data["persona"]
        )
        EmotionRating.objects.filter(journey_map=journey_map, persona=None).exclude(Exists(theirs)).update(
            persona=data["persona"]
        )
    if more is not None or "persona" in data:
        kept = [journey_map.persona_id, *journey_map.more_personas.values_list("pk", flat=True)]
        notes = Sticky.objects.filter(journey_map=journey_map, persona__isnull=False)
        notes.exclude(persona__in=[pk for pk in kept if pk]).update(persona=None)
    if more is not None:
        data["more_personas"] = more
    event = log(journey_map, author, "scope.update", op_id, {"fields": sorted(data)})
    return Change(event)
