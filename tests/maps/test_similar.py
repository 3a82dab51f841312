"""Similar notes: the grouping (pure, property-tested) and the model it is meant for, on a
bilingual set with known duplicates and known non-duplicates (tests/maps/data)."""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maps import embedder
from maps.similar import THRESHOLD, Note, group

DATA = json.loads((Path(__file__).parent / "data" / "similar_notes.json").read_text())


def unit(*components: float) -> list[float]:
    vector = np.array(components, dtype=float)
    return list(vector / np.linalg.norm(vector))


def test_alike_notes_in_one_cell_are_one_group_and_the_rest_stand_alone() -> None:
    notes = [Note(1, 10, 1), Note(2, 10, 1), Note(3, 10, 1), Note(4, 10, 1)]
    vectors = np.array([unit(1, 0, 0), unit(0.95, 0.05, 0), unit(0, 1, 0), unit(0, 0, 1)])
    assert group(notes, vectors) == [(1, 2)]


def test_the_cell_scope_keeps_stages_apart_and_the_lane_scope_joins_them() -> None:
    notes = [Note(1, 10, 1), Note(2, 11, 1), Note(3, 10, 2)]
    vectors = np.array([unit(1, 0), unit(1, 0.01), unit(1, 0.02)])
    assert group(notes, vectors) == []
    assert group(notes, vectors, scope="lane") == [(1, 2)]  # never across lanes (3 is in lane 2)


def test_a_chain_of_near_misses_is_not_one_group() -> None:
    # A is like B, B is like C, A is not like C: average linkage stops the chain.
    notes = [Note(1, 10, 1), Note(2, 10, 1), Note(3, 10, 1)]
    angle = np.radians(55)  # neighbours at cos 55° ≈ 0.57, the ends at cos 110° < 0
    vectors = np.array([[np.cos(a), np.sin(a)] for a in (0, angle, 2 * angle)])
    groups = group(notes, vectors, threshold=0.5)
    assert len(groups) == 1 and len(groups[0]) == 2


def test_notes_kept_apart_are_never_grouped_again() -> None:
    notes = [Note(1, 10, 1), Note(2, 10, 1), Note(3, 10, 1)]
    vectors = np.array([unit(1, 0), unit(1, 0.01), unit(1, 0.02)])
    assert group(notes, vectors) == [(1, 2, 3)]
    assert group(notes, vectors, apart=[{1, 2}]) in ([(1, 3)], [(2, 3)])
    assert group(notes, vectors, apart=[{1, 2, 3}]) == []


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        group([Note(1, 1, 1)], np.zeros((2, 2)))
    with pytest.raises(ValueError):
        group([], np.zeros((0, 2)), scope="board")


notes_and_vectors = st.integers(min_value=0, max_value=30).flatmap(
    lambda n: st.tuples(
        st.lists(st.tuples(st.integers(1, 3), st.integers(1, 2)), min_size=n, max_size=n),
        st.lists(
            st.lists(st.floats(-1, 1, allow_nan=False), min_size=3, max_size=3).filter(
                lambda v: np.linalg.norm(v) > 0.1
            ),
            min_size=n,
            max_size=n,
        ),
        st.sampled_from(["cell", "lane"]),
        st.floats(0.0, 0.99),
    )
)


@settings(max_examples=200, deadline=None)
@given(notes_and_vectors)
def test_groups_are_disjoint_within_their_scope_and_alike_on_average(case) -> None:
    places, raw, scope, threshold = case
    notes = [Note(i + 1, stage, lane) for i, (stage, lane) in enumerate(places)]
    vectors = np.array([unit(*v) for v in raw]).reshape(len(notes), 3)
    groups = group(notes, vectors, scope=scope, threshold=threshold)
    seen = [note for ids in groups for note in ids]
    assert len(seen) == len(set(seen)), "no note in two groups"
    by_id = {note.id: note for note in notes}
    for ids in groups:
        assert len(ids) >= 2
        assert len({by_id[i].lane for i in ids}) == 1, "a group never spans two lanes"
        if scope == "cell":
            assert len({(by_id[i].stage, by_id[i].lane) for i in ids}) == 1
        # Average linkage: the last merge was at or above the threshold, and each merge's
        # average is at least the next one's, so some pair inside is at least that alike.
        rows = vectors[[i - 1 for i in ids]]
        assert (rows @ rows.T)[np.triu_indices(len(ids), 1)].max() >= threshold - 1e-9


# -- the model ------------------------------------------------------------------------------


def similarity(a: str, b: str) -> float:
    va, vb = embedder.vectors([a, b])
    return float(va @ vb)


def test_the_model_puts_the_same_point_together_across_english_and_chinese() -> None:
    for texts in DATA["same"]:
        for a, b in combinations(texts, 2):
            assert similarity(a, b) >= THRESHOLD, (a, b)
    for a, b in DATA["different"]:
        assert similarity(a, b) < THRESHOLD, (a, b)


def test_a_mixed_wall_groups_into_its_known_duplicates() -> None:
    texts = [text for same in DATA["same"] for text in same]
    texts += ["I love the product photos", "Great onboarding video", "Payment failed twice"]
    notes = [Note(i, 1, 1) for i in range(len(texts))]
    groups = group(notes, embedder.vectors(texts))
    found = {frozenset(texts[i] for i in ids) for ids in groups}
    assert found == {frozenset(same) for same in DATA["same"]}
