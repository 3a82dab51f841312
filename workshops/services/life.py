"""A workshop's life outside the room: made (with the play's agenda), imported, duplicated, and
its map deleted."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from maps.models import EmotionRating, Insight, JourneyMap, MapKind, Sticky, VoteDot
from maps.moves import snapshot
from maps.services import map_copy, map_create, map_import, map_mark_reviewed
from maps.summary import map_summary
from workshops import play
from workshops.models import AgendaStep, Participant, Role, Workshop, new_join_code
from workshops.services.base import (
    Refused,
)


@transaction.atomic
def workshop_create(
    *,
    owner: AbstractBaseUser,
    title: str,
    kind: str = MapKind.CURRENT_STATE,
    display_name: str = "",
    journey_map: JourneyMap | None = None,
    steps: tuple[play.PlayStep, ...] = play.STEPS,
    **fields: Any,
) -> Workshop:
    """A workshop with the play's agenda (or `steps`), on a new map of `kind` or on an existing
    `journey_map`; `fields` are the workshop's own (a follow-up's `follows` and `baseline`)."""
    if journey_map is None:
        journey_map = map_create(owner=owner, title=title, kind=kind)
    for _attempt in range(10):
        try:
            with transaction.atomic():
                workshop = Workshop.objects.create(
                    owner=owner, title=title, journey_map=journey_map, join_code=new_join_code(), **fields
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
        for index, step in enumerate(steps)
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


@transaction.atomic
def follow_up_create(*, workshop: Workshop, by: AbstractBaseUser) -> Workshop:
    """A short follow-up session on `workshop`'s map (play.FOLLOW_UP_STEPS), for its owner.

    The board is the map itself, so it starts where the team left it; the session keeps a
    snapshot of the map as it found it (`maps.moves.snapshot`), so that the summary says what
    moved since. Its agenda notes say where the last session left things. Starting one counts as
    reviewing the map (it is no longer due for review).
    """
    journey_map = workshop.journey_map
    plan = map_summary(journey_map=journey_map)
    title = _("Follow-up: %(title)s") % {"title": workshop.title}
    me = Participant.objects.filter(workshop=workshop, user=by).first()
    follow_up = workshop_create(
        owner=by,
        title=title[: Workshop._meta.get_field("title").max_length],
        journey_map=journey_map,
        display_name=me.display_name if me else "",
        steps=play.FOLLOW_UP_STEPS,
        follows=workshop,
        baseline=snapshot(journey_map=journey_map),
    )
    notes = {
        "changes": _("The last session: “%(title)s”, started %(date)s.")
        % {
            "title": workshop.title,
            "date": date_format(timezone.localtime(workshop.created_at), "DATE_FORMAT"),
        },
        "plan": _("Open in the action plan: %(open)d; past their due date: %(overdue)d.")
        % {"open": plan["plan_open"], "overdue": plan["plan_overdue"]},
    }
    for step in follow_up.steps.filter(key__in=notes):
        step.note = notes[step.key]
        step.save(update_fields=["note"])
    map_mark_reviewed(journey_map=journey_map)
    return follow_up


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
