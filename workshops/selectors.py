from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Model, Q
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from maps import sql
from maps.models import Channel, Colour, Evidence, MapKind, MetricKind, OpportunityStatus, Severity, Sticky
from maps.selectors import lane_label
from maps.summary import Person, public_name
from maps.vocabulary import BACKSTORY_LABELS, VOTE_LANES
from workshops.models import Participant, Role, Workshop

# The downloads offered for a map: (format in the URL, what the link says).
EXPORT_FORMATS = [
    ("json", _("JSON (to import again)")),
    ("md", _("Markdown")),
    ("csv", _("CSV (the notes)")),
    ("svg", _("SVG (the emotion line)")),
    ("plan-md", _("The action plan (Markdown)")),
    ("plan-jira", _("The action plan for Jira (CSV)")),
    ("plan-linear", _("The action plan for Linear (CSV)")),
    ("plan-github", _("The action plan for GitHub (CSV)")),
]


def participant_for(*, user: AbstractBaseUser, slug: str) -> Participant:
    """The user's place in the workshop, or a 404: an outsider learns nothing."""
    if not user.is_authenticated:
        raise Http404
    participant = (
        Participant.objects.select_related("workshop", "workshop__journey_map")
        .filter(workshop__slug=slug, user=user)
        .first()
    )
    if participant is None:
        raise Http404
    return participant


def room_context(*, workshop_id: int, now: datetime) -> dict[str, Any]:
    """Everything the room's partials draw, in a fixed number of queries."""
    workshop = Workshop.objects.select_related("current_step", "journey_map", "journey_map__persona").get(
        pk=workshop_id
    )
    journey_map = workshop.journey_map
    lanes = list(journey_map.lanes.all())
    for lane in lanes:
        lane.label = lane_label(lane)
    steps = list(workshop.steps.all())
    current = workshop.current_step
    done_ids = set(current.done_by.values_list("pk", flat=True)) if current else set()
    people = list(workshop.participants.all())
    for person in people:
        person.online = person.is_online(now)
        person.done = person.pk in done_ids
        person.is_owner = person.user_id == workshop.owner_id
    members_online = [p for p in people if p.role == Role.MEMBER and p.online]
    live_steps = [s for s in steps if not s.skipped]
    return {
        "workshop": workshop,
        "journey_map": workshop.journey_map,
        "steps": steps,
        "current_step": current,
        "current_number": live_steps.index(current) + 1 if current in live_steps else None,
        "live_step_count": len(live_steps),
        "people": people,
        "online_count": sum(1 for p in people if p.online),
        "done_count": sum(1 for p in members_online if p.done),
        "working_count": sum(1 for p in members_online if not p.done),
        "time_left": workshop.time_left(now),
        "time_is_up": workshop.time_is_up(now),
        "server_now": now,
        "roles": Role.choices,
        "lanes": lanes,
        "vote_lanes": [lane for lane in lanes if lane.key in VOTE_LANES],
        "hidden_total": Sticky.objects.filter(journey_map=journey_map, hidden=True, deleted_at=None).count()
        if workshop.private_writing
        else 0,
        "backstory_parts": [
            (part, label, getattr(journey_map, part)) for part, label in BACKSTORY_LABELS.items()
        ],
        "colours": Colour.choices,
        "evidence_levels": Evidence.choices,
        "channels": Channel.choices,
        "severities": Severity.choices,
        "statuses": OpportunityStatus.choices,
        "metric_kinds": MetricKind.choices,
        "op_url": reverse("room_op", args=[workshop.slug]),
    }


def follow_up_baseline(*, journey_map_id: int) -> dict[str, Any] | None:
    """The map as the latest follow-up session on it found it (maps.moves.snapshot), or None
    if it has had none: what the summary compares with now (one query)."""
    return (
        Workshop.objects.filter(journey_map_id=journey_map_id, baseline__isnull=False)
        .order_by("-created_at", "-pk")
        .values_list("baseline", flat=True)
        .first()
    )


def summary_people(*, journey_map_id: int) -> list[Person]:
    """Everyone in a workshop on this map, named as a shared page may name them (one query).

    A name that is someone's login (a facilitator who gave no other) is left out: the summary
    then says their role instead.
    """
    people: dict[int, Person] = {}
    participants = (
        Participant.objects.filter(workshop__journey_map_id=journey_map_id)
        .select_related("user")
        .order_by("joined_at", "pk")
    )
    for participant in participants:
        if participant.user_id not in people:
            people[participant.user_id] = Person(
                user_id=participant.user_id,
                name=public_name(participant.display_name, participant.user.get_username()),
                role=str(participant.get_role_display()),
                joined_at=participant.joined_at,
            )
    return list(people.values())


def workshop_list_context(*, user: AbstractBaseUser, now: datetime) -> dict[str, Any]:
    """The facilitator's workshops: the current ones, which maps are due for review, the archived."""
    workshops = list(
        Workshop.objects.filter(
            Q(owner=user) | Q(participants__user=user, participants__role=Role.FACILITATOR)
        )
        .distinct()
        .select_related("journey_map", "current_step")
    )
    by_map: dict[int, Workshop] = {}
    for workshop in reversed(workshops):  # the oldest workshop on a map stands for it
        by_map[workshop.journey_map_id] = workshop
    for workshop in workshops:
        journey_map = workshop.journey_map
        workshop.is_owner = workshop.owner_id == user.pk and journey_map.owner_id == user.pk
        workshop.review_due = journey_map.review_due(now)
        workshop.original = by_map.get(journey_map.copied_from_id)
    active = [w for w in workshops if w.journey_map.archived_at is None]
    return {
        "workshops": active,
        "archived": [w for w in workshops if w.journey_map.archived_at is not None],
        "due_count": sum(1 for w in active if w.review_due and w.is_owner),
        "review_every_days": settings.JOURNEYMAP_REVIEW_EVERY_DAYS,
        "map_kinds": MapKind.choices,
        "export_formats": EXPORT_FORMATS,
    }


Part = tuple[type[Model], str, str]  # a model, its alias, how it joins ("" for the first)


@functools.cache
def _joined_statement(vendor: str, parts: tuple[Part, ...], where: str) -> str:
    """One SELECT of whole rows of several joined models, built once per process: the live
    path's hottest reads, which the ORM would compile again for every op."""
    tables = {alias: connection.ops.quote_name(model._meta.db_table) for model, alias, _join in parts}
    selected = [column for model, alias, _join in parts for column in sql.columns(model, alias)]
    _model, first, _join = parts[0]
    joins = " ".join(join.format(**tables) for _model, _alias, join in parts[1:])
    return f"SELECT {', '.join(selected)} FROM {tables[first]} {first} {joins} WHERE {where}"


def _joined(parts: tuple[Part, ...], where: str, params: list[Any]) -> list[Model] | None:
    """The first row of `_joined_statement`, as one model instance per part; None if none."""
    with connection.cursor() as cursor:
        cursor.execute(_joined_statement(connection.vendor, parts, where), params)
        row = cursor.fetchone()
    if row is None:
        return None
    objects, start = [], 0
    for model, _alias, _join in parts:
        width = len(model._meta.concrete_fields)
        objects.append(sql.instance(model, row[start : start + width]))
        start += width
    return objects


def place(*, participant_id: int) -> Participant | None:
    """A participant as they are now, with their workshop, its map and their user: one query.

    The live path reads this before every op (roles and switches change while a socket is
    open). It is what `select_related("workshop__journey_map", "user")` reads, but the
    statement is built once per process instead of compiled by the ORM for every op, which
    cost about a third of an op's time in the server (docs/decisions.md, "Hand-written SQL on
    the live path").
    """
    from django.contrib.auth import get_user_model

    from maps.models import JourneyMap

    parts = (
        (Participant, "p", ""),
        (Workshop, "w", "JOIN {w} w ON w.id = p.workshop_id"),
        (JourneyMap, "m", "JOIN {m} m ON m.id = w.journey_map_id"),
        (get_user_model(), "u", "JOIN {u} u ON u.id = p.user_id"),
    )
    objects = _joined(parts, "p.id = %s", [participant_id])
    if objects is None:
        return None
    participant, workshop, journey_map, user = objects
    workshop.journey_map = journey_map
    participant.workshop, participant.user = workshop, user
    return participant


def stage_and_lane(*, journey_map_id: int, stage_id: int, lane_id: int) -> tuple[Any, Any] | None:
    """A stage and a lane of this map, read together (a note op's cell); None unless both are."""
    from maps.models import Lane, Stage

    parts = ((Stage, "s", ""), (Lane, "l", "JOIN {l} l ON l.journey_map_id = s.journey_map_id"))
    objects = _joined(
        parts, "s.id = %s AND l.id = %s AND s.journey_map_id = %s", [stage_id, lane_id, journey_map_id]
    )
    return None if objects is None else (objects[0], objects[1])


def note(*, journey_map_id: int, pk: int, viewer_id: int | None, deleted: bool = False) -> Sticky | None:
    """A note of this map as `viewer_id` may name it in an op (someone else's note hidden by
    private writing is not there for them; a deleted one only if `deleted`): one statement,
    built once per process. The board's ops name a note far more often than anything else."""
    where = "n.id = %s AND n.journey_map_id = %s AND (NOT n.hidden OR n.author_id = %s)"
    if not deleted:
        where += " AND n.deleted_at IS NULL"
    objects = _joined(((Sticky, "n", ""),), where, [pk, journey_map_id, viewer_id])
    return None if objects is None else objects[0]
