"""Dot voting on pain points or opportunities: start, cast (and take back), close."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maps.models import JourneyMap, Lane, Sticky, Vote, VoteDot
from maps.services.change import Change, MapRefused, log
from maps.vocabulary import VOTE_LANES


def open_vote(journey_map: JourneyMap) -> Vote | None:
    return Vote.objects.filter(journey_map=journey_map, closed_at=None).first()


@transaction.atomic
def vote_start(
    *,
    journey_map: JourneyMap,
    author: AbstractBaseUser,
    lane: Lane,
    budget: int = 3,
    stacking: bool = False,
    minutes: int | None = None,
    op_id: str | None = None,
) -> Change:
    if lane.key not in VOTE_LANES:
        raise MapRefused(_("Votes are on pain points or opportunities."), code="invalid")
    if open_vote(journey_map) is not None:
        raise MapRefused(_("A vote is already open: close it first."), code="invalid")
    ends_at = timezone.now() + timedelta(minutes=minutes) if minutes else None
    vote = Vote.objects.create(
        journey_map=journey_map, lane=lane, budget=budget, stacking=stacking, ends_at=ends_at
    )
    event = log(
        journey_map, author, "vote.start", op_id, {"vote": vote.pk, "lane": lane.key, "budget": budget}
    )
    return Change(event)


@transaction.atomic
def vote_cast(
    *, journey_map: JourneyMap, author: AbstractBaseUser, sticky: Sticky, add: bool, op_id: str | None = None
) -> Change:
    """Put a dot on a note, or take one back. The rules hold whatever a client sends."""
    vote = Vote.objects.select_for_update().filter(journey_map=journey_map, closed_at=None).first()
    if vote is None or not vote.accepts_dots(timezone.now()):
        raise MapRefused(_("Voting is closed."), code="closed")
    if sticky.lane_id != vote.lane_id or sticky.deleted_at is not None:
        raise MapRefused(_("This vote is on another lane's notes."), code="invalid")
    mine = VoteDot.objects.filter(vote=vote, voter=author)
    if add:
        used = mine.count()
        if used >= vote.budget:
            raise MapRefused(
                _("You have used all %(budget)d of your dots.") % {"budget": vote.budget}, code="budget"
            )
        if not vote.stacking and mine.filter(sticky=sticky).exists():
            raise MapRefused(_("In this vote a note takes one dot from each person."), code="once")
        VoteDot.objects.create(vote=vote, voter=author, sticky=sticky)
    else:
        dot = mine.filter(sticky=sticky).first()
        if dot is None:
            raise MapRefused(_("You have no dot on this note."), code="noop")
        dot.delete()
    # Which note got a dot is not logged: while the vote is open, it must not leave the server.
    event = log(journey_map, author, "vote.cast", op_id, {"vote": vote.pk})
    return Change(event)


@transaction.atomic
def vote_close(*, journey_map: JourneyMap, author: AbstractBaseUser, op_id: str | None = None) -> Change:
    vote = Vote.objects.select_for_update().filter(journey_map=journey_map, closed_at=None).first()
    if vote is None:
        raise MapRefused(_("There is no open vote."), code="noop")
    vote.closed_at = timezone.now()
    vote.save(update_fields=["closed_at"])
    event = log(journey_map, author, "vote.close", op_id, {"vote": vote.pk})
    return Change(event)
