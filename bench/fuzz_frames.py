"""Throw many more hostile frames at a member's socket than the suite does (docs/reliability.md).

    .venv/bin/python -m bench.fuzz_frames                  # 20,000 frames, on SQLite
    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python -m bench.fuzz_frames 100000

Runs the suite's property test (tests/workshops/test_consumer_faults.py) with
JOURNEYMAP_FUZZ_FRAMES set: no unhandled exception, no dead socket, no half-written row, and a
listening member who hears only well-formed events. Use a database of your own: pytest-django
makes and drops `test_<name>`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
TEST = "tests/workshops/test_consumer_faults.py::test_random_and_near_valid_frames_never_break_a_socket"


def main() -> int:
    frames = sys.argv[1] if len(sys.argv) > 1 else "20000"
    env = {**os.environ, "JOURNEYMAP_FUZZ_FRAMES": frames}
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--durations=1", TEST]
    return subprocess.call(command, cwd=BASE_DIR, env=env)


if __name__ == "__main__":
    raise SystemExit(main())
