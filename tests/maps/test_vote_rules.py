"""The vote rules as properties: whatever sequence of clicks people send, no one goes over."""

from __future__ import annotations

from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maps import services
from maps.models import MapKind, VoteDot
from maps.services import MapRefused

pytestmark = pytest.mark.django_db

clicks = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3), st.booleans()), max_size=30)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(clicks=clicks, budget=st.integers(1, 4), stacking=st.booleans())
def test_no_one_exceeds_their_budget_or_stacks_when_not_allowed(owner, clicks, budget, stacking):
    with transaction.atomic():
        journey_map = services.map_create(owner=owner, title="Vote", kind=MapKind.CURRENT_STATE)
        lane = journey_map.lanes.get(key="pains")
        stage = journey_map.stages.first()
        notes = [
            services.sticky_create(
                journey_map=journey_map, author=owner, stage=stage, lane=lane, text=f"p{i}"
            ).sticky
            for i in range(4)
        ]
        voters = [get_user_model().objects.create(username=f"voter-{i}-{journey_map.pk}") for i in range(3)]
        services.vote_start(
            journey_map=journey_map, author=owner, lane=lane, budget=budget, stacking=stacking
        )
        expected: Counter[tuple[int, int]] = Counter()
        for voter, note, add in clicks:
            mine = sum(n for (v, _), n in expected.items() if v == voter)
            allowed = (
                mine < budget and (stacking or expected[(voter, note)] == 0)
                if add
                else expected[(voter, note)] > 0
            )
            try:
                services.vote_cast(journey_map=journey_map, author=voters[voter], sticky=notes[note], add=add)
            except MapRefused:
                assert not allowed
            else:
                assert allowed
                expected[(voter, note)] += 1 if add else -1
        saved = Counter(
            (
                voters.index(next(u for u in voters if u.pk == voter_id)),
                notes.index(next(n for n in notes if n.pk == s)),
            )
            for voter_id, s in VoteDot.objects.filter(vote__journey_map=journey_map).values_list(
                "voter_id", "sticky_id"
            )
        )
        assert saved == +expected
        for voter in range(3):
            assert sum(n for (v, _), n in saved.items() if v == voter) <= budget
        if not stacking:
            assert all(n <= 1 for n in saved.values())
        transaction.set_rollback(True)
