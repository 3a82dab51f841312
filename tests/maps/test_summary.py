"""The summary's reads: teams from owners, evidence shares, names fit to share, changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from maps import events
from maps.changes import changes_since
from maps.models import Evidence, Sticky
from maps.plan import evidence_shares
from maps.summary import RankedNote, public_name, teams_to_tell
from workshops.summary_views import QUIET_KINDS, ROOM_CHANGE_WORDS


def opportunity(text: str, owner: str) -> RankedNote:
    return RankedNote(Sticky(text=text, owner=owner))


def test_teams_are_the_owners_of_opportunities_however_they_are_typed():
    teams = teams_to_tell(
        [
            opportunity("Fire starters", "Shop"),
            opportunity("Drinks", "  shop "),
            opportunity("Signs", "Roads  team"),
            opportunity("A map", ""),
        ]
    )
    assert [(t.name, [o.note.text for o in t.opportunities]) for t in teams] == [
        ("Shop", ["Fire starters", "Drinks"]),
        ("Roads team", ["Signs"]),
    ]


def test_evidence_shares_add_up_and_start_where_the_last_ended():
    notes = [
        Sticky(evidence=e)
        for e in [Evidence.RESEARCH] * 1 + [Evidence.ANECDOTE] * 1 + [Evidence.ASSUMPTION] * 2
    ]
    shares = evidence_shares(notes)
    assert [(s.level, s.count, s.percent, s.offset) for s in shares] == [
        ("research", 1, 25, 0),
        ("anecdote", 1, 25, 25),
        ("assumption", 2, 50, 50),
    ]
    assert [s.percent for s in evidence_shares([])] == [0, 0, 0]


@pytest.mark.parametrize(
    ("name", "username", "shown"),
    [("Mia", "guest-1a2b", "Mia"), ("olivia", "olivia", ""), ("o@example.com", "o", ""), ("  ", "x", "")],
)
def test_a_shared_page_never_names_anyone_by_login_or_address(name, username, shown):
    assert public_name(name, username) == shown


@pytest.mark.django_db
def test_changes_since_counts_kinds_and_leaves_out_the_clock(workshop, member):
    journey_map = workshop.journey_map
    for kind in ("sticky.create", "sticky.create", "timer.start", "presence.online", "something.new"):
        events.append(journey_map_id=journey_map.pk, author=member.user, kind=kind)
    hour_ago = timezone.now() - timedelta(hours=1)
    room = {"words": ROOM_CHANGE_WORDS, "quiet": QUIET_KINDS}
    changes = changes_since(journey_map=journey_map, since=hour_ago, **room)
    # The member joining (the fixture) is in the log too.
    assert changes["change_lines"] == ["2 notes added", "1 person joined", "1 other change"]
    assert changes["changed_by"] == 1
    # maps knows its own kinds only: the room's, without their words, are "other".
    bare = changes_since(journey_map=journey_map, since=hour_ago)
    assert bare["change_lines"] == ["2 notes added", "4 other changes"]
    later = changes_since(journey_map=journey_map, since=timezone.now() + timedelta(hours=1), **room)
    assert later["change_lines"] == [] and later["changed_by"] == 0
