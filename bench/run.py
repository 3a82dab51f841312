"""Run the benchmark set: profiles x backends x (app, floor), a knee search, the page figures.

    .venv/bin/python -m bench.run --all                 # what `make bench` runs
    .venv/bin/python -m bench.run --profiles play burst --backends sqlite postgres
    .venv/bin/python -m bench.run --knee --backends postgres
    .venv/bin/python -m bench.run --page
    .venv/bin/python -m bench.run --ops

Each load runs in its own process (`python -m bench.load`, which seeds, starts Daphne and
drives the sockets) on a database made for this run: a fresh SQLite file, or the
PostgreSQL database `jm_bench` (dropped and made again; never `test`), and Redis db 3
(flushed before each load). Results go to bench/out/results-<time>.jsonl and a Markdown
summary to bench/out/summary-<time>.md, both printed as they come.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parents[1]
OUT = BASE_DIR / "bench" / "out"
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
PG_NAME = os.environ.get("BENCH_PG_NAME", "jm_bench")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
# Which profiles run with two Daphne processes too (only where the layer is shared: Redis).
TWO_PROCESSES = {"L", "burst"}
# The burst profile sends 5 ops/s per socket with Poisson gaps: above the default per-socket
# limit's burst now and then. The limiter is not what is measured, so it is opened up.
OPEN_LIMITS = ["--ops-per-second", "1000", "--ops-burst", "1000"]
KNEE_P99_MS = 100.0


def python() -> str:
    return sys.executable


def prepare_sqlite(stamp: str) -> dict[str, str]:
    path = OUT / f"bench-{stamp}.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{path}", "REDIS_URL": ""}
    migrate(env)
    return env


def prepare_postgres() -> dict[str, str]:
    import psycopg

    if PG_NAME in {"test", "test_test", "postgres"}:
        raise SystemExit(f"refusing to drop the database {PG_NAME!r}")
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_NAME}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    env = {"DATABASE_URL": f"{base}/{PG_NAME}", "REDIS_URL": REDIS}
    migrate(env)
    return env


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [python(), "manage.py", "migrate", "--noinput", "-v0"], cwd=BASE_DIR, env=environ(env), check=True
    )


def flush_redis(env: dict[str, str]) -> None:
    if env.get("REDIS_URL"):
        import redis

        redis.Redis.from_url(env["REDIS_URL"]).flushdb()


def environ(env: dict[str, str]) -> dict[str, str]:
    merged = {**os.environ, **env, "DJANGO_SETTINGS_MODULE": "journeymap.settings"}
    return {k: v for k, v in merged.items() if v != ""}


def load(env: dict[str, str], results: Path, *args: str, timeout: float = 600) -> dict[str, Any] | None:
    flush_redis(env)
    command = [python(), "-m", "bench.load", "--out", str(results), *args]
    print("$", " ".join(command[1:]), flush=True)
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=BASE_DIR, env=environ(env), capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-4000:], sep="\n", flush=True)
        return None
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  ({time.monotonic() - started:.0f} s) {json.dumps(result)}", flush=True)
    return result


def run_profiles(
    backends: dict[str, dict[str, str]], profiles: list[str], duration: float | None, results: Path
) -> list[dict[str, Any]]:
    rows = []
    for env in backends.values():
        for profile in profiles:
            layouts = [1] + ([2] if profile in TWO_PROCESSES and env.get("REDIS_URL") else [])
            for servers in layouts:
                for target in ("live", "floor"):
                    args = ["--profile", profile, "--target", target, "--servers", str(servers)]
                    if duration:
                        args += ["--duration", str(duration)]
                    if profile == "burst":
                        args += OPEN_LIMITS
                    if (row := load(env, results, *args)) is not None:
                        rows.append(row)
    return rows


def knee(
    env: dict[str, str],
    target: str,
    results: Path,
    *,
    workshops: int,
    people: int,
    start: float,
    step: float,
    duration: float,
    limit: float,
    servers: int = 1,
) -> list[dict[str, Any]]:
    """Raise the total op rate by `step` x until p99 > 100 ms, something is lost, or `limit`."""
    rows, total = [], start
    while total <= limit:
        rate = total / (workshops * people)
        args = [
            "--profile",
            "S",
            "--target",
            target,
            "--workshops",
            str(workshops),
            "--people",
            str(people),
            "--rate",
            f"{rate:.4f}",
            "--duration",
            str(duration),
            "--drain",
            "5",
            "--servers",
            str(servers),
            *OPEN_LIMITS,
        ]
        row = load(env, results, *args)
        if row is None:
            break
        row["knee_total_rate"] = total
        rows.append(row)
        if row["p99_ms"] > KNEE_P99_MS or row["lost"] or row["unanswered"]:
            break
        total *= step
    return rows


# -- the summary ------------------------------------------------------------------------------


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| profile | backend | procs | sockets | target | ops/s | deliveries/s | p50 ms | p99 ms | p99.9 ms "
        "| max ms | missing | dup | unanswered/errors | log missing/dup | views ≠ DB "
        "| generator lag p99 ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        log = f"{r.get('log_events_lost', '–')}/{r.get('log_events_duplicated', '–')}"
        errors = sum(r["errors"].values()) + r["unanswered"]
        lines.append(
            f"| {r['profile']} | {r['backend']} | {r['servers']} | {r['sockets']} | {r['target']} "
            f"| {r['ops_per_s']} | {r['deliveries_per_s']} | {r['p50_ms']} | {r['p99_ms']} | {r['p999_ms']} "
            f"| {r['max_ms']} | {r['lost']} | {r['duplicated']} | {errors} | {log} "
            f"| {r.get('views_differing_from_db', '–')} | {r['send_lag_p99_ms']} |"
        )
    return "\n".join(lines)


def ratios(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| profile | backend | procs | p50 live − floor ms | p99 live − floor ms | p50 live / floor "
        "| p99 live / floor |",
        "|---|---|---|---|---|---|---|",
    ]
    floor = {(r["profile"], r["backend"], r["servers"]): r for r in rows if r["target"] == "floor"}
    for r in rows:
        f = floor.get((r["profile"], r["backend"], r["servers"]))
        if r["target"] != "live" or f is None:
            continue
        lines.append(
            f"| {r['profile']} | {r['backend']} | {r['servers']} | {r['p50_ms'] - f['p50_ms']:.1f} "
            f"| {r['p99_ms'] - f['p99_ms']:.1f} | {r['p50_ms'] / max(f['p50_ms'], 0.01):.1f}× "
            f"| {r['p99_ms'] / max(f['p99_ms'], 0.01):.1f}× |"
        )
    return "\n".join(lines)


def knee_table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| backend | target | procs | offered ops/s | persisted ops/s | deliveries/s | p50 ms | p99 ms "
        "| missing | generator lag p99 ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['backend']} | {r['target']} | {r['servers']} | {r['knee_total_rate']:.0f} "
            f"| {r['ops_per_s']} "
            f"| {r['deliveries_per_s']} | {r['p50_ms']} | {r['p99_ms']} | {r['lost']} "
            f"| {r['send_lag_p99_ms']} |"
        )
    return "\n".join(lines)


def module_output(module: str, args: list[str], env: dict[str, str]) -> str:
    """Run `python -m module args` on a backend; print and return what it printed (a table)."""
    done = subprocess.run(
        [python(), "-m", module, *args],
        cwd=BASE_DIR,
        env=environ(env),
        capture_output=True,
        text=True,
        check=False,
    )
    print(done.stdout, done.stderr[-3000:], flush=True)
    return done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--all", action="store_true", help="every profile on both backends, the knee, the page, one op"
    )
    parser.add_argument("--profiles", nargs="*", default=[], help="play S L burst")
    parser.add_argument(
        "--backends", nargs="*", default=["sqlite", "postgres"], choices=["sqlite", "postgres"]
    )
    parser.add_argument("--duration", type=float, help="seconds of load per run (default: the profile's)")
    parser.add_argument("--knee", action="store_true")
    parser.add_argument("--knee-duration", type=float, default=10)
    parser.add_argument(
        "--knee-servers", type=int, default=1, help="Daphne processes for the knee (PostgreSQL + Redis only)"
    )
    parser.add_argument("--knee-limit", type=float, default=1000, help="highest total ops/s to try")
    parser.add_argument(
        "--knee-start", type=float, help="first total ops/s to try (default: 5 for the app, 25 for the floor)"
    )
    parser.add_argument(
        "--page-pdf", action="store_true", help="with --page: the PDF of 2,000 notes too (minutes per render)"
    )
    parser.add_argument(
        "--page",
        action="store_true",
        help="board and summary pages (500 notes), exports (2,000): time and queries",
    )
    parser.add_argument(
        "--ops", action="store_true", help="one op in process, back to back and with idle gaps (bench.ops)"
    )
    args = parser.parse_args()
    if args.all:
        args.profiles, args.knee, args.page, args.ops = ["play", "S", "L", "burst"], True, True, True

    OUT.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    results = OUT / f"results-{stamp}.jsonl"
    backends = {}
    for name in args.backends:
        backends[name] = prepare_sqlite(stamp) if name == "sqlite" else prepare_postgres()
    summary = [f"# Benchmark run {stamp}\n"]
    rows = run_profiles(backends, args.profiles, args.duration, results) if args.profiles else []
    if rows:
        summary += ["## Profiles\n", table(rows), "", "## Live against the floor\n", ratios(rows), ""]
    if args.knee:
        knees = []
        for env in backends.values():
            for target in ("live", "floor"):
                knees += knee(
                    env,
                    target,
                    results,
                    workshops=10,
                    people=10,
                    start=args.knee_start or (5 if target == "live" else 25),
                    step=1.5,
                    servers=args.knee_servers if env.get("REDIS_URL") else 1,
                    duration=args.knee_duration,
                    limit=args.knee_limit,
                )
        title = "## Knee (10 workshops × 10 people, total rate raised ×1.5 until p99 > 100 ms)\n"
        summary += [title, knee_table(knees), ""]
    if args.page:
        for name, env in backends.items():
            page = module_output("bench.page", [] if args.page_pdf else ["--no-pdf"], env)
            summary += [f"## Pages and exports, {name}\n", page, ""]
    if args.ops:
        for name, env in backends.items():
            for extra in ([], ["--gap", "0.1", "--ops", "200", "--warmup", "20"]):
                gaps = ", 0.1 s idle before each" if extra else ""
                ops = module_output("bench.ops", extra, env)
                summary += [f"## One op in process, {name}{gaps}\n", ops, ""]
    text = "\n".join(summary)
    (OUT / f"summary-{stamp}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
