"""The world tests/test_every_page.py walks: one workshop with every kind of person in it, a
copy of its map to compare with, share links, a persona, and a workshop nobody walking is in
(whose ids are the "other workshop's ids" the walk puts everywhere an id goes).

conftest's `other_workshop` belongs to the outsider, who may rightly read it; the walk needs a
workshop none of its roles may read, so it builds its own ("elsewhere").
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from maps import exports
from maps import services as maps_services
from maps.models import BigQuestion, MapEvent, Persona, ShareLink, Sticky
from tests import walk
from workshops import ops
from workshops.models import Participant, Workshop
from workshops.services import workshop_create, workshop_duplicate

# Junk for an argument of an address; an int argument gets a number beyond any id instead.
JUNK_ARGUMENTS = ["nope", "²", "\x00", "9" * 40]
HUGE = 10**30
# Addresses that a form reaches with a query: the query it sends.
QUERIES = {"map_compare_pick": lambda world: {"with": world.second.slug}}


@dataclass
class World:
    workshop: Workshop
    second: Workshop  # the owner's copy of the map, to compare with
    elsewhere: Workshop
    users: dict[str, Any]  # role → user; the anonymous and the share-link reader have none
    persona: Persona
    link: ShareLink
    revoked: ShareLink
    elsewhere_link: ShareLink
    elsewhere_persona: Persona

    def client(self, role: str) -> Client:
        client = Client()
        if self.users.get(role) is not None:
            client.force_login(self.users[role])
        if role == "share":
            client.get(reverse("shared_summary", args=[self.link.token]))  # how the reader arrives
        return client

    def arguments(self, name: str, arg: str) -> tuple[list[Any], list[Any]]:
        """An argument's real values, then its junk: other workshops' ids, and garbage.
        A KeyError here is an argument the walk does not know how to fill in."""
        w = self.workshop
        w.refresh_from_db()  # the join code rotates during the walk
        table = {
            "slug": ([w.slug], [self.elsewhere.slug, *JUNK_ARGUMENTS]),
            # Another workshop's code opens its join page and another map's link reads its
            # summary: both are meant to be passed around, so neither is junk.
            "code": ([w.join_code], JUNK_ARGUMENTS),
            "token": ([self.link.token], [self.revoked.token, *JUNK_ARGUMENTS]),
            "other": ([self.second.slug], [self.elsewhere.slug, *JUNK_ARGUMENTS]),
            "fmt": (list(exports.EXPORTERS), ["pdf", *JUNK_ARGUMENTS]),
            ("shared_map_export", "fmt"): (["md", "svg"], ["json", "csv", *JUNK_ARGUMENTS]),
            ("persona_edit", "pk"): ([self.persona.pk], [self.elsewhere_persona.pk, HUGE]),
            ("share_link_revoke", "pk"): ([self.link.pk], [self.elsewhere_link.pk, HUGE]),
        }
        return table.get((name, arg)) or table[arg]

    def addresses(self, pattern: walk.Pattern) -> tuple[list[str], list[str]]:
        """The pattern filled with real arguments, then with each argument in turn junk."""
        args = list(pattern.converters)
        values = [self.arguments(pattern.name, arg) for arg in args]
        query = QUERIES[pattern.name](self) if pattern.name in QUERIES else {}
        suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
        real = [
            walk.fill(pattern.route, dict(zip(args, combo, strict=True))) + suffix
            for combo in itertools.product(*(real for real, _junk in values))
        ]
        first = {arg: real[0] for arg, (real, _junk) in zip(args, values, strict=True)}
        junk = [
            walk.fill(pattern.route, {**first, arg: bad}) + suffix
            for arg, (_real, bads) in zip(args, values, strict=True)
            for bad in bads
        ]
        return real, junk

    def foreign_ids(self) -> dict[str, str]:
        """Ids of the other workshop's rows, by the name a form gives such a field."""
        elsewhere, journey_map = self.elsewhere, self.elsewhere.journey_map
        rows = {
            "step": elsewhere.steps.first(),
            "to": elsewhere.steps.last(),
            "participant": elsewhere.participants.first(),
            "stage": journey_map.stages.first(),
            "lane": journey_map.lanes.first(),
            "sticky": journey_map.stickies.first(),
            "metric": journey_map.stages.first().metrics.first(),
            "insight": journey_map.insights.first(),
            "persona": self.elsewhere_persona,
        }
        return {**{name: str(row.pk) for name, row in rows.items()}, "with": elsewhere.slug}

    def counts(self) -> tuple[int, int]:
        """What someone who may not write must never grow: the map's notes and its log."""
        journey_map_id = self.workshop.journey_map_id
        return (
            Sticky.objects.filter(journey_map_id=journey_map_id).count(),
            MapEvent.objects.filter(journey_map_id=journey_map_id).count(),
        )


def build(*, workshop: Workshop, people: dict[str, Participant], outsider: Any) -> World:
    """The world around conftest's workshop and people (role → participant)."""
    owner = workshop.owner
    by = people["owner"]
    journey_map = workshop.journey_map
    stage, pains = journey_map.stages.first(), journey_map.lanes.get(key="pains")
    ops.perform(
        workshop=workshop,
        by=by,
        name="sticky.create",
        data={"stage": stage.pk, "lane": pains.pk, "text": "Too far"},
    )
    # The scope is defined live in this workshop, so the room has a step before its own: the
    # walk's "Move the room to this step" goes there, "Next step" back, then "Previous" works.
    scope = workshop.steps.first()
    ops.perform(workshop=workshop, by=by, name="agenda.update", data={"step": scope.pk, "minutes": 10})
    revoked = maps_services.share_link_create(journey_map=journey_map, created_by=owner, label="old")
    maps_services.share_link_revoke(share_link=revoked)
    elsewhere, elsewhere_persona, elsewhere_link = _elsewhere()
    return World(
        workshop=workshop,
        second=workshop_duplicate(workshop=workshop, by=owner, kind="future", display_name="Olivia"),
        elsewhere=elsewhere,
        users={"outsider": outsider, **{role: p.user for role, p in people.items()}},
        persona=Persona.objects.create(owner=owner, name="Mei"),
        link=maps_services.share_link_create(journey_map=journey_map, created_by=owner, label="board"),
        revoked=revoked,
        elsewhere_link=elsewhere_link,
        elsewhere_persona=elsewhere_persona,
    )


def _elsewhere() -> tuple[Workshop, Persona, ShareLink]:
    """A workshop with a row of every kind an op names, that nobody walking is in."""
    zed = get_user_model().objects.create_user("zed", password="a-long-password-3")
    elsewhere = workshop_create(owner=zed, title="Nobody here walks", kind="current", display_name="Zed")
    by = elsewhere.participants.get()
    stage, lane = elsewhere.journey_map.stages.first(), elsewhere.journey_map.lanes.first()
    for name, data in [
        ("sticky.create", {"stage": stage.pk, "lane": lane.pk, "text": "Theirs"}),
        ("metric.add", {"stage": stage.pk, "kind": "nps", "value": "10"}),
        ("insight.add", {"question": BigQuestion.choices[0][0], "text": "Theirs"}),
    ]:
        ops.perform(workshop=elsewhere, by=by, name=name, data=data)
    persona = Persona.objects.create(owner=zed, name="Zed's persona")
    link = maps_services.share_link_create(journey_map=elsewhere.journey_map, created_by=zed)
    return elsewhere, persona, link
