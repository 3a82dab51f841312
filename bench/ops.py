"""One op's server time, in process and one at a time: what an op costs before any
load makes it queue.

    DATABASE_URL=... python -m bench.ops [--ops 600] [--warmup 60]

Seeds a workshop of 10 members through the app's services, then runs the load generator's
mix (40 % create, 40 % edit, 20 % move, in cells of a few notes) the way the websocket
consumer does: `workshops.ops.run` (the sender's place, the form, the write and its log,
drawing a note's event) and, for events not drawn by then, `live.messages`. Counts the
statements each op sends (an execute wrapper) and the transactions it commits (each one is a
BEGIN and a COMMIT more). Prints a Markdown table: median and p90 ms per kind of op.
"""

from __future__ import annotations

import argparse
import cProfile
import random
import statistics
import time
from collections import defaultdict


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ops", type=int, default=600)
    parser.add_argument("--warmup", type=int, default=60)
    parser.add_argument("--gap", type=float, default=0.0, help="seconds idle between ops (as in a room)")
    parser.add_argument("--statements", action="store_true", help="also time each kind of statement")
    parser.add_argument("--profile", help="write a cProfile of the timed ops to this file")
    args = parser.parse_args()

    from bench.servers import setup_django

    setup_django()
    from django.db import connection

    from bench.load import seed
    from maps.models import Sticky
    from workshops import live, ops
    from workshops.models import Participant, Workshop

    [room] = seed(workshops=1, people=10)
    workshop = Workshop.objects.get(slug=room.slug)
    members = list(
        Participant.objects.filter(workshop=workshop)
        .exclude(user=workshop.owner)
        .values_list("pk", flat=True)
    )
    rnd = random.Random(4)
    notes: list[int] = []

    def frame(i: int) -> tuple[str, dict]:
        choice = rnd.random()
        if not notes or choice < 0.4:
            return "sticky.create", {
                "stage": rnd.choice(room.stages),
                "lane": rnd.choice(room.lanes),
                "text": f"n{i}",
            }
        if choice < 0.8:
            return "sticky.edit", {"sticky": rnd.choice(notes), "text": f"edited {i}"}
        return "sticky.move", {
            "sticky": rnd.choice(notes),
            "stage": rnd.choice(room.stages),
            "lane": rnd.choice(room.lanes),
            "position": rnd.randrange(4),
        }

    statements: list[str] = []
    commits = [0]
    real_commit = connection.commit

    def commit() -> None:
        commits[0] += 1
        real_commit()

    connection.commit = commit  # atomic's outermost exit commits through here

    spent_in: dict[str, list[float]] = defaultdict(list)  # ms per statement, by its start

    def count(execute, sql, params, many, context):
        statements.append(sql)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent_in[" ".join(sql.split())[:90]].append((time.perf_counter() - started) * 1000)

    profiler = cProfile.Profile() if args.profile else None
    times: dict[str, list[float]] = defaultdict(list)
    queries: dict[str, list[int]] = defaultdict(list)
    transactions: dict[str, list[int]] = defaultdict(list)
    with connection.execute_wrapper(count):
        for i in range(args.warmup + args.ops):
            name, data = frame(i)
            member = members[i % len(members)]
            if args.gap:
                time.sleep(args.gap)
            statements.clear()
            commits[0] = 0
            if profiler is not None and i == args.warmup:
                profiler.enable()
            started = time.perf_counter()
            _seq, events = ops.run(participant_id=member, name=name, data=data, op_id=f"ops-{i}")
            for event in events:
                if event.drawn is None:
                    live.messages(event)
            elapsed = time.perf_counter() - started
            if i >= args.warmup:
                times[name].append(elapsed * 1000)
                queries[name].append(len(statements))
                transactions[name].append(commits[0])
            if name == "sticky.create":  # the bench's own lookup: not the op's, not timed
                notes.append(Sticky.objects.values_list("pk", flat=True).latest("pk"))
                spent_in.pop(" ".join(statements[-1].split())[:90], None)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    print("| op | ops | median ms | p90 ms | statements | transactions | database |")
    print("|---|---|---|---|---|---|---|")
    for name in ("sticky.create", "sticky.edit", "sticky.move"):
        spent = sorted(times[name])
        print(
            f"| {name} | {len(spent)} | {statistics.median(spent):.2f} | {spent[int(len(spent) * 0.9)]:.2f} "
            f"| {statistics.mean(queries[name]):.1f} | {statistics.mean(transactions[name]):.1f} "
            f"| {connection.vendor} |",
            flush=True,
        )
    if args.statements:
        print("\n| statement | count | median ms | p90 ms |\n|---|---|---|---|")
        for sql, spent in sorted(spent_in.items(), key=lambda item: -sum(item[1])):
            spent.sort()
            p90 = spent[int(len(spent) * 0.9)]
            print(f"| `{sql}` | {len(spent)} | {statistics.median(spent):.3f} | {p90:.3f} |")


if __name__ == "__main__":
    main()
