"""The emotion line: the team's ratings per stage, summed up, and read the way the play reads it.

Pure functions on plain numbers, so they are easy to test (tests/maps/test_emotion.py has
property-based tests on made-up curves). The scale runs from -3 (miserable) to +3 (delighted).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

LOW, HIGH = -3, 3
# A fall of this much between neighbouring stages is a rapid drop.
DROP = 3
# A band (the middle half of the team's ratings) this wide means the team disagrees.
DISAGREE = 3
# This many changes of direction in a row make a stretch fluctuate.
SWINGS = 2


@dataclass(frozen=True)
class Point:
    label: str
    median: float | None  # None: nobody has rated this stage yet
    low: float | None  # the band: the middle half of the ratings
    high: float | None
    count: int


@dataclass(frozen=True)
class Reading:
    kind: str  # drop, valley, peak, fluctuating, disagreement
    start: int  # index of the first point it covers
    end: int  # index of the last point it covers (== start for a single point)
    message: str


def summarize(labels: Sequence[str], ratings: Sequence[Sequence[int]]) -> list[Point]:
    """One point per stage: the median rating and the band of the middle half of the team."""
    points = []
    for label, values in zip(labels, ratings, strict=True):
        if not values:
            points.append(Point(label, None, None, None, 0))
            continue
        ordered = sorted(values)
        if len(ordered) == 1:
            low = high = float(ordered[0])
        else:
            q1, _q2, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
            low, high = q1, q3
        points.append(Point(label, float(statistics.median(ordered)), low, high, len(ordered)))
    return points


def read(points: Sequence[Point]) -> list[Reading]:
    """Mark the shapes the play teaches to look for, each with what it means and where it is."""
    rated = [(i, p.median) for i, p in enumerate(points) if p.median is not None]
    readings: list[Reading] = []
    readings += _drops(points, rated)
    readings += _valleys_and_peaks(points, rated)
    readings += _fluctuations(points, rated)
    readings += [
        Reading(
            "disagreement",
            i,
            i,
            _("The team disagrees about %(stage)s: ask why before drawing conclusions.") % {"stage": p.label},
        )
        for i, p in enumerate(points)
        if p.count >= 2 and p.high - p.low >= DISAGREE
    ]
    return sorted(readings, key=lambda r: (r.start, r.end, r.kind))


def _drops(points: Sequence[Point], rated: list[tuple[int, float]]) -> list[Reading]:
    readings = []
    for (i, a), (j, b) in zip(rated, rated[1:], strict=False):
        if a - b >= DROP:
            message = _(
                "Rapid drop from %(from)s to %(to)s: a big gap between what the customer expected "
                "and what happened."
            ) % {"from": points[i].label, "to": points[j].label}
            readings.append(Reading("drop", i, j, message))
    return readings


def _runs(rated: list[tuple[int, float]]) -> list[tuple[int, int, float]]:
    """Stretches of equal value: (first index, last index, value)."""
    runs: list[tuple[int, int, float]] = []
    for index, value in rated:
        if runs and runs[-1][2] == value:
            runs[-1] = (runs[-1][0], index, value)
        else:
            runs.append((index, index, value))
    return runs


def _valleys_and_peaks(points: Sequence[Point], rated: list[tuple[int, float]]) -> list[Reading]:
    readings = []
    runs = _runs(rated)
    for k, (start, end, value) in enumerate(runs):
        # Only a stretch with a stage on each side is a valley or a peak: a journey that starts
        # low and climbs has no valley, it just starts low.
        if k == 0 or k == len(runs) - 1:
            continue
        neighbours = (runs[k - 1][2], runs[k + 1][2])
        where = _span(points, start, end)
        if value < 0 and all(other > value for other in neighbours):
            message = _("Valley at %(where)s: lifting this low point would lift the whole journey.") % {
                "where": where
            }
            readings.append(Reading("valley", start, end, message))
        if value > 0 and all(other < value for other in neighbours):
            message = _(
                "Peak at %(where)s: can it go higher, delight the customer, earn a recommendation?"
            ) % {"where": where}
            readings.append(Reading("peak", start, end, message))
    return readings


def _fluctuations(points: Sequence[Point], rated: list[tuple[int, float]]) -> list[Reading]:
    """Stretches where the mood keeps turning: up, down, up again. Ups and downs still tire."""
    moves = [(rated[k][0], rated[k + 1][0], rated[k + 1][1] - rated[k][1]) for k in range(len(rated) - 1)]
    moves = [m for m in moves if m[2] != 0]
    readings = []
    k = 0
    while k < len(moves):
        end = k
        while end + 1 < len(moves) and (moves[end + 1][2] > 0) != (moves[end][2] > 0):
            end += 1
        if end - k >= SWINGS:
            start_index, end_index = moves[k][0], moves[end][1]
            message = _(
                "The mood swings up and down from %(from)s to %(to)s: even with highs, the ups and downs "
                "wear the customer out."
            ) % {"from": points[start_index].label, "to": points[end_index].label}
            readings.append(Reading("fluctuating", start_index, end_index, message))
        k = end + 1
    return readings


def _span(points: Sequence[Point], start: int, end: int) -> str:
    if start == end:
        return points[start].label
    return _("%(from)s to %(to)s") % {"from": points[start].label, "to": points[end].label}
