"""How long the facilitator waits for "find similar notes": the sentence model and the
grouping (maps.embedder, maps.similar) on walls of 100, 300 and 1,000 notes.

    python -m bench.similar [--notes 100 300 1000] [--repeat 3]

The notes are made from a bilingual set of pain points (tests/maps/data/similar_notes.json,
each point written a few ways, English and Chinese) with a number added so no two are equal,
spread over 5 stages × 5 lanes as a wall is. Prints a Markdown table: the model's first load,
then per size the median of `--repeat` runs of embedding, of grouping in each cell and of
grouping across each lane. No database: the view adds one query that reads the notes.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "tests" / "maps" / "data" / "similar_notes.json"


def wall(size: int, rnd: random.Random) -> list[str]:
    data = json.loads(DATA.read_text())
    phrases = [text for same in data["same"] for text in same] + [
        a for pair in data["different"] for a in pair
    ]
    return [f"{rnd.choice(phrases)} ({n})" for n in range(size)]


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notes", type=int, nargs="*", default=[100, 300, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from maps import embedder
    from maps.similar import Note, group

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    load = timed(embedder.model)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"Model loaded in {load:.0f} ms; peak memory grew by {(after - before) / 1024:.0f} MB.\n")
    print("| notes | embedding ms | grouping, each cell ms | grouping, each lane ms | groups (cell) |")
    print("|---|---|---|---|---|")
    rnd = random.Random(15)
    for size in args.notes:
        texts = wall(size, rnd)
        notes = [Note(n, n % 5, (n // 5) % 5) for n in range(size)]
        embed, cell, lane = [], [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            vectors = embedder.vectors(texts)
            embed.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            groups = group(notes, vectors)
            cell.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            group(notes, vectors, scope="lane")
            lane.append((time.perf_counter() - started) * 1000)
        print(
            f"| {size:,} | {statistics.median(embed):.0f} | {statistics.median(cell):.1f} "
            f"| {statistics.median(lane):.1f} | {len(groups)} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
