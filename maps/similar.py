"""Notes that say the same thing: groups proposed from their sentence embeddings.

Pure: `group` takes the notes with one vector each (as `maps.embedder.vectors` gives them,
unit length, so a dot product is the cosine) and returns the groups, never touching the
database. The facilitator confirms every group before anything is folded
(docs/protocol.md, "Similar notes and folding").

How: within each cell by default, or within each lane across its stages ("lane" scope),
average-linkage clustering: the two groups whose notes are on average the most alike merge,
again and again, while that average is at least `threshold`. Average linkage, not "any pair
alike" (single linkage): A like B and B like C does not make A like C, and a chain of
near-misses must not sweep a cell into one group. Notes the facilitator already said are
different (a dismissed suggestion) are never put together again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

# The cosine at or above which two notes are offered as one. Measured on the bilingual set in
# tests/maps/data/similar_notes.json with the multilingual Universal Sentence Encoder: known
# duplicates score 0.49–0.72 (English with Chinese included), unrelated notes 0.05–0.22, and
# near misses (the same topic, another point: "shipping is slow" / "shipping is free over
# 50 €") 0.47–0.64. A little below the middle: a suggestion costs a click to dismiss, a missed
# one costs the facilitator finding it by eye.
THRESHOLD = 0.48
SCOPES = ("cell", "lane")


@dataclass(frozen=True)
class Note:
    id: int
    stage: int
    lane: int


def group(
    notes: Sequence[Note],
    vectors: np.ndarray,
    *,
    scope: str = "cell",
    threshold: float = THRESHOLD,
    apart: Iterable[Iterable[int]] = (),
) -> list[tuple[int, ...]]:
    """Groups of two or more notes that say the same thing, largest first, each in the order
    the notes were given. A note is in one group at most; a group never spans two lanes, and
    in the "cell" scope never two cells. `apart`: sets of note ids never to be grouped together
    (any two of one set stay apart)."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}")
    if len(notes) != len(vectors):
        raise ValueError("one vector per note")
    never = defaultdict(set)
    for ids in apart:
        ids = set(ids)
        for one in ids:
            never[one] |= ids - {one}
    parts: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for index, note in enumerate(notes):
        parts[(note.lane, note.stage) if scope == "cell" else (note.lane,)].append(index)
    groups: list[tuple[int, ...]] = []
    for indexes in parts.values():
        if len(indexes) < 2:
            continue
        members = [notes[i] for i in indexes]
        for cluster in _clusters(vectors[indexes], members, never, threshold):
            if len(cluster) > 1:
                groups.append(tuple(members[i].id for i in sorted(cluster)))
    order = {note.id: n for n, note in enumerate(notes)}
    return sorted(groups, key=lambda ids: (-len(ids), order[ids[0]]))


def _clusters(vectors: np.ndarray, notes: list[Note], never: dict[int, set[int]], threshold: float):
    """Average linkage on one part: the Lance–Williams update keeps the matrix of average
    similarities between groups, so each merge costs one row, not a recount."""
    similarity = np.asarray(vectors, dtype=np.float64) @ np.asarray(vectors, dtype=np.float64).T
    index = {note.id: i for i, note in enumerate(notes)}
    for i, note in enumerate(notes):
        for other in never.get(note.id, ()):
            if other in index:
                similarity[i, index[other]] = -np.inf
    np.fill_diagonal(similarity, -np.inf)
    clusters: dict[int, list[int]] = {i: [i] for i in range(len(notes))}
    while len(clusters) > 1:
        flat = int(np.argmax(similarity))
        a, b = divmod(flat, similarity.shape[1])
        if not similarity[a, b] >= threshold:
            break
        size_a, size_b = len(clusters[a]), len(clusters[b])
        merged = (size_a * similarity[a] + size_b * similarity[b]) / (size_a + size_b)
        # -inf (notes kept apart) stays -inf through the average: the merged group keeps it.
        similarity[a], similarity[:, a] = merged, merged
        similarity[a, a] = -np.inf
        similarity[b], similarity[:, b] = -np.inf, -np.inf
        clusters[a] += clusters.pop(b)
    return list(clusters.values())
