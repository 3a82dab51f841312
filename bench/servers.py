"""ASGI server subprocesses (Daphne or uvicorn) for the benchmarks and the tests that need a
real server: the app or the floor, on free loopback ports."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
APPS = {"live": "journeymap.asgi:application", "floor": "bench.floor:application"}

# Served as in production (DEBUG off: no query log, no debug cursor), on loopback.
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
}


def setup_django(**extra: str) -> None:
    """Django in this process as the servers run it (`PRODUCTION`, then `extra`; what the
    environment sets wins), for a bench that seeds or measures in process."""
    for key, value in {**PRODUCTION, **extra}.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "journeymap.settings")
    import django

    django.setup()


@dataclass(frozen=True)
class Server:
    port: int
    pid: int
    log: Path


# How each ASGI server is started on a port (docs/decisions.md, "The ASGI server").
COMMANDS = {
    "daphne": lambda port, app: ["-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app],
    "uvicorn": lambda port, app: [
        *("-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port), "--loop", "uvloop"),
        *("--http", "httptools", "--ws", "websockets-sansio", "--lifespan", "off", "--no-access-log"),
        app,
    ],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    # Generous: it returns once the port answers, and on a busy machine Django takes long to start.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(
        f"the server did not answer on port {port} within {timeout} s:\n{log.read_text()[-4000:]}"
    )


@contextmanager
def serve(
    target: str,
    count: int,
    env: dict[str, str],
    log_dir: Path,
    *,
    server: str,
    production: bool = True,
    settings: str = "journeymap.settings",
) -> Iterator[list[Server]]:
    """`count` `server` processes ("daphne" or "uvicorn") serving `target` ("live" or
    "floor"), up and answering.

    `production`: DEBUG off with the bench's SECRET_KEY (what bench.load sets for itself too,
    as session auth hashes depend on it); tests pass False and keep their own settings.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        **(PRODUCTION if production else {}),
        **env,
        "DJANGO_SETTINGS_MODULE": settings,
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    processes: list[tuple[subprocess.Popen[bytes], int, Path]] = []
    try:
        for index in range(count):
            port = free_port()
            log = log_dir / f"{server}-{target}-{index}.log"
            with log.open("wb") as out:
                command = [sys.executable, *COMMANDS[server](port, APPS[target])]
                process = subprocess.Popen(
                    command, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
                )
            processes.append((process, port, log))
        for process, port, log in processes:
            wait_for_port(port, process, log)
        yield [Server(port, process.pid, log) for process, port, log in processes]
    finally:
        for process, _port, _log in processes:
            process.terminate()
        deadline = time.monotonic() + 10
        for process, _port, _log in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
