"""Configurations side by side on PostgreSQL + Redis: interleaved play runs, a knee raised step
by step for all of them in turn, and the server's CPU per op and per delivery.

A configuration is `name=server:settings` (server: daphne or uvicorn; settings: the servers'
DJANGO_SETTINGS_MODULE, importable through PYTHONPATH):

    BENCH_REDIS_URL=redis://127.0.0.1:6379/13 PYTHONPATH=/tmp/benchset .venv/bin/python -m bench.compare \\
        --config core=daphne:core_settings fanout=daphne:journeymap.settings \\
        uvicorn=uvicorn:journeymap.settings --pairs 3 --knee --cpu

Play: A, B, C, A, B, C… (`--pairs` rounds), then the floor once per configuration. Knee
(10 × 10 people, total rate ×`--knee-step` per step of `--knee-duration` s): each step runs every
configuration still passing; a step that fails (p99 ≥ 100 ms, or anything missing or
unanswered) is run once more, and fails the configuration only if it fails twice, so one disk
stall does not decide it. CPU: 40 ops/s into rooms of 4 (20 × 4) and of 16 (5 × 16); server CPU
= ops × per-op + deliveries × per-delivery, solved from the two. Every row carries the load
average before and after. Rows go to bench/out/compare-<time>.jsonl; tables are printed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from bench.run import KNEE_P99_MS, OPEN_LIMITS, OUT, load, prepare_postgres


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def one(env: dict[str, str], results: Path, config: str, spec: str, *args: str) -> dict[str, Any] | None:
    server, settings = spec.split(":")
    before = loadavg()
    row = load(env, results.with_suffix(".raw.jsonl"), *args, "--server", server, "--settings", settings)
    if row is None:
        return None
    row.update(config=config, load_before=before, load_after=loadavg())
    with results.open("a") as out:
        out.write(json.dumps(row) + "\n")
    return row


def passes(row: dict[str, Any] | None) -> bool:
    return row is not None and row["p99_ms"] < KNEE_P99_MS and not row["lost"] and not row["unanswered"]


def spread(values: list[float]) -> str:
    if not values:
        return "–"
    return f"{statistics.median(values):.1f} ({min(values):.1f}–{max(values):.1f})"


def play_table(rows: list[dict[str, Any]], configs: dict[str, str]) -> str:
    lines = [
        "| config | target | runs | p50 ms median (range) | p99 ms median (range) | CPU ms/op | missing/dup "
        "| load before→after |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for config in configs:
        for target in ("live", "floor"):
            mine = [r for r in rows if r["config"] == config and r["target"] == target]
            if not mine:
                continue
            loads = ", ".join(f"{r['load_before']}→{r['load_after']}" for r in mine)
            lines.append(
                f"| {config} | {target} | {len(mine)} | {spread([r['p50_ms'] for r in mine])} "
                f"| {spread([r['p99_ms'] for r in mine])} "
                f"| {spread([r['server_cpu_ms_per_op'] for r in mine])} "
                f"| {sum(r['lost'] for r in mine)}/{sum(r['duplicated'] for r in mine)} | {loads} |"
            )
    return "\n".join(lines)


def knee_args(total: float, workshops: int, people: int, duration: float) -> list[str]:
    return [
        *("--profile", "S", "--target", "live", "--workshops", str(workshops), "--people", str(people)),
        *("--rate", f"{total / (workshops * people):.4f}", "--duration", str(duration), "--drain", "5"),
        *OPEN_LIMITS,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config", nargs="+", required=True, help="name=server:settings")
    parser.add_argument("--pairs", type=int, default=3, help="interleaved play rounds")
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument("--knee", action="store_true")
    parser.add_argument("--knee-start", type=float, default=30)
    parser.add_argument("--knee-step", type=float, default=1.25)
    parser.add_argument("--knee-duration", type=float, default=15)
    parser.add_argument("--knee-limit", type=float, default=400)
    parser.add_argument("--cpu", action="store_true", help="rooms of 4 against rooms of 16 at 40 ops/s")
    args = parser.parse_args()
    configs = dict(c.split("=", 1) for c in args.config)

    OUT.mkdir(parents=True, exist_ok=True)
    results = OUT / f"compare-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
    env = prepare_postgres()
    rows: list[dict[str, Any]] = []
    for _round in range(args.pairs):
        for config, spec in configs.items():
            if row := one(env, results, config, spec, "--profile", "play", "--target", "live"):
                rows.append(row)
    if not args.no_floor:
        for config, spec in configs.items():
            if row := one(env, results, config, spec, "--profile", "play", "--target", "floor"):
                rows.append(row)
    summary = ["## Play (10 × 8, 0.5 op/s each)\n", play_table(rows, configs), ""]
    print("\n".join(summary), flush=True)

    if args.knee:
        passing, best, failed_at = set(configs), dict.fromkeys(configs, 0.0), {}
        knee_rows = []
        total = args.knee_start
        while passing and total <= args.knee_limit:
            for config in sorted(passing):
                tries = []
                for _attempt in range(2):
                    steps = knee_args(total, 10, 10, args.knee_duration)
                    row = one(env, results, config, configs[config], *steps)
                    tries.append(row)
                    if passes(row):
                        break
                for row in tries:
                    if row is not None:
                        row["knee_total_rate"] = total
                        knee_rows.append(row)
                if passes(tries[-1]):
                    best[config] = max(best[config], tries[-1]["ops_per_s"])
                else:
                    passing.discard(config)
                    failed_at[config] = total
            total *= args.knee_step
        lines = [
            f"## Knee (10 × 10, ×{args.knee_step:.2f} per {args.knee_duration:g} s step, "
            "a failed step run twice)\n",
            "| config | offered ops/s | persisted ops/s | p50 ms | p99 ms | missing | CPU ms/op "
            "| load before→after |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in sorted(knee_rows, key=lambda r: (r["config"], r["knee_total_rate"])):
            lines.append(
                f"| {r['config']} | {r['knee_total_rate']:.0f} | {r['ops_per_s']} | {r['p50_ms']} "
                f"| {r['p99_ms']} "
                f"| {r['lost']} | {r['server_cpu_ms_per_op']} | {r['load_before']}→{r['load_after']} |"
            )
        lines += ["", "| config | knee: persisted ops/s passing | offered ops/s failing (twice) |"]
        lines += ["|---|---|---|"]
        for config in configs:
            lines.append(f"| {config} | {best[config]} | {failed_at.get(config, '–')} |")
        summary += lines + [""]
        print("\n".join(lines), flush=True)

    if args.cpu:
        lines = [
            "## Server CPU: 40 ops/s into rooms of 4 (20 × 4) and of 16 (5 × 16)\n",
            "| config | rooms of | ops | deliveries | CPU s | p50/p99 ms | load before→after |",
            "|---|---|---|---|---|---|---|",
        ]
        split = []
        for config, spec in configs.items():
            got = {}
            for workshops, people in ((20, 4), (5, 16)):
                rate = ["--workshops", str(workshops), "--people", str(people), "--rate", "0.5"]
                row = one(env, results, config, spec, "--profile", "play", "--target", "live", *rate)
                if row is None:
                    continue
                got[people] = row
                lines.append(
                    f"| {config} | {people} | {row['ops_persisted']} | {row['deliveries']} "
                    f"| {row['server_cpu_s']} "
                    f"| {row['p50_ms']}/{row['p99_ms']} | {row['load_before']}→{row['load_after']} |"
                )
            if len(got) == 2:
                a, b = got[4], got[16]
                # cpu = ops × per_op + deliveries × per_delivery, per op of each run
                cpu_a, cpu_b = (r["server_cpu_s"] / r["ops_persisted"] for r in (a, b))
                fan_a, fan_b = (r["deliveries"] / r["ops_persisted"] for r in (a, b))
                per_delivery = (cpu_b - cpu_a) / (fan_b - fan_a)
                per_op = cpu_a - per_delivery * fan_a
                split.append(f"| {config} | {per_op * 1000:.2f} | {per_delivery * 1e6:.0f} |")
        lines += ["", "| config | CPU ms per op (besides deliveries) | CPU µs per delivery |"]
        lines += ["|---|---|---|", *split]
        summary += lines + [""]
        print("\n".join(lines), flush=True)
    (results.with_suffix(".md")).write_text("\n".join(summary))
    print(f"rows: {results}", flush=True)


if __name__ == "__main__":
    main()
