from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from maps.emotion import DROP, HIGH, LOW, Point, read, summarize

scores = st.integers(min_value=LOW, max_value=HIGH)
curves = st.lists(st.one_of(st.none(), scores), min_size=1, max_size=12)


def line(*values: float | None) -> list[Point]:
    return [Point(f"S{i}", v, v, v, 0 if v is None else 1) for i, v in enumerate(values)]


def kinds(points: list[Point]) -> list[tuple[str, int, int]]:
    return [(r.kind, r.start, r.end) for r in read(points)]


def test_the_middle_value_and_the_band():
    [point] = summarize(["Booking"], [[-3, -1, 0, 2, 3]])
    assert (point.median, point.low, point.high, point.count) == (0, -1, 2, 5)
    [alone] = summarize(["Booking"], [[2]])
    assert (alone.median, alone.low, alone.high) == (2, 2, 2)
    [empty] = summarize(["Booking"], [[]])
    assert empty.median is None and empty.count == 0


def test_the_camping_trip_reads_as_the_play_would():
    # research, booking, campsite, leaving, sharing
    points = line(1, -1, 2, -2, 1)
    found = kinds(points)
    assert ("drop", 2, 3) in found  # +2 to -2
    assert ("valley", 1, 1) in found and ("valley", 3, 3) in found
    assert ("peak", 2, 2) in found
    assert ("fluctuating", 0, 4) in found
    messages = {r.kind: r.message for r in read(points)}
    assert "S2" in messages["drop"] and "S3" in messages["drop"]


def test_a_flat_valley_is_one_reading_and_unrated_stages_are_skipped():
    assert kinds(line(0, -2, None, -2, 1)) == [("valley", 1, 3)]


def test_disagreement_is_marked_where_the_band_is_wide():
    points = summarize(["A", "B"], [[-3, -3, 3, 3], [1, 1, 2]])
    assert [(r.kind, r.start) for r in read(points)] == [("disagreement", 0)]


@given(st.lists(st.lists(scores, max_size=8), min_size=1, max_size=8))
def test_the_median_sits_inside_the_band_and_the_ratings(ratings):
    for values, point in zip(ratings, summarize([str(i) for i in range(len(ratings))], ratings), strict=True):
        if not values:
            assert point.median is None
            continue
        assert min(values) <= point.low <= point.median <= point.high <= max(values)


@given(curves)
def test_readings_point_only_at_rated_stages(values):
    points = line(*values)
    for reading in read(points):
        assert 0 <= reading.start <= reading.end < len(points)
        assert points[reading.start].median is not None and points[reading.end].median is not None
        assert reading.message


@given(curves)
def test_drops_are_exactly_the_big_falls_between_rated_neighbours(values):
    rated = [(i, v) for i, v in enumerate(values) if v is not None]
    expected = [(i, j) for (i, a), (j, b) in zip(rated, rated[1:], strict=False) if a - b >= DROP]
    assert [(r.start, r.end) for r in read(line(*values)) if r.kind == "drop"] == expected


@given(curves)
def test_a_peak_is_a_valley_upside_down(values):
    upside_down = [None if v is None else -v for v in values]
    peaks = [(r.start, r.end) for r in read(line(*values)) if r.kind == "peak"]
    valleys = [(r.start, r.end) for r in read(line(*upside_down)) if r.kind == "valley"]
    assert peaks == valleys


@given(st.lists(scores, min_size=1, max_size=12))
def test_a_curve_that_never_falls_has_no_drop_valley_or_swings(values):
    rising = sorted(values)
    assert not [r for r in read(line(*rising)) if r.kind in {"drop", "valley", "fluctuating"}]


@given(curves, st.integers(min_value=-2, max_value=2))
def test_drops_and_swings_do_not_depend_on_the_level(values, shift):
    moved = [None if v is None else v + shift for v in values]

    def shape(points):
        return [(r.kind, r.start, r.end) for r in read(points) if r.kind in {"drop", "fluctuating"}]

    assert shape(line(*values)) == shape(line(*moved))
