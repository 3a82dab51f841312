"""Browser tests: a real uvicorn server (as production serves) on the test database, and
Debian's Chromium.

pytest-django's `live_server` is WSGI and cannot serve websockets, so the room's live path
needs a real ASGI server. It runs in a subprocess pointed at the database pytest-django
created (a file for SQLite, `test_<name>` for PostgreSQL); the tests that use it are marked
`django_db(transaction=True)` so what they write is committed and visible to it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings

from bench.servers import COMMANDS, free_port, wait_for_port

BASE_DIR = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = BASE_DIR / "screenshots"
# How long an action or an expect() waits for its condition. A live room answers in well under
# a second, but a busy CI machine (load average 6 and more) can take several to draw a page:
# the wait only bounds how long a failure takes to show. Playwright's expect() would otherwise
# give up after 5 s whatever the context's default timeout says.
TIMEOUT_MS = 30_000
SERVER_LOG = pytest.StashKey[Path]()
# Every state the live status takes after the page loads, for pages.live_drops().
WATCH_LIVE_STATUS = """
window.__liveStates = [];
document.addEventListener("DOMContentLoaded", () => {
  const status = document.getElementById("live-status");
  if (!status) return;
  new MutationObserver(() => window.__liveStates.push(status.dataset.state))
    .observe(status, { attributes: true, attributeFilter: ["data-state"] });
});
"""


def database_url(db: dict[str, Any]) -> str:
    """The test database as a DATABASE_URL the subprocess's settings can read."""
    engine = db["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        name = str(db["NAME"])
        if name == ":memory:" or name.startswith("file:"):
            raise RuntimeError("the browser tests need the SQLite test database in a file (TEST NAME)")
        return f"sqlite:///{Path(name).resolve()}"  # sqlite:////abs/path
    if engine.startswith("django.db.backends.postgresql"):
        user = quote(db.get("USER") or "", safe="")
        password = db.get("PASSWORD") or ""
        auth = f"{user}:{quote(password, safe='')}" if password else user
        host = db.get("HOST") or "localhost"
        port = db.get("PORT") or 5432
        return f"postgres://{auth}@{host}:{port}/{quote(db['NAME'], safe='')}"
    raise RuntimeError(f"no DATABASE_URL for the {engine} backend")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Any:
    # A failing browser test shows what the server said (tracebacks from the consumer, say).
    outcome = yield
    report = outcome.get_result()
    log = item.config.stash.get(SERVER_LOG, None)
    if report.failed and log is not None and log.exists():
        report.sections.append(("server log (last 6000 characters)", log.read_text()[-6000:]))


@pytest.fixture(scope="session")
def asgi_server(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[str]:
    """A uvicorn subprocess serving the app on the test database, started as production
    starts it (bench/servers.py, `COMMANDS`); yields its base URL.

    Depends on django_db_setup, so it starts after the test database exists (settings then
    name it) and is stopped before the database is dropped.
    """
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "journeymap.settings",
        "DATABASE_URL": database_url(settings.DATABASES["default"]),
        "DEBUG": "1",  # static files from the finders, through WhiteNoise
        # Frames of at most 32 KiB, a tenth of production's: a room's snapshot (about 60 KiB)
        # then comes in parts, so every browser test has the page put parts together.
        "LIVE_MAX_SEND_BYTES": "32768",
        "PYTHONUNBUFFERED": "1",
    }
    # Set in this process while Playwright runs (see `browser`), never for the server, whose
    # async code Django must keep checking.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    # REDIS_URL stays as the environment has it: set in CI (channels-redis), unset locally
    # (the in-memory layer, which is fine for one server process).
    log = tmp_path_factory.mktemp("server") / "uvicorn.log"
    pytestconfig.stash[SERVER_LOG] = log
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, *COMMANDS["uvicorn"](port, "journeymap.asgi:application")],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright's sync API, one launch per test module.

    Playwright's sync API runs its event loop in a greenlet of this thread, and between two
    calls it leaves that loop marked as this thread's running loop (asyncio._set_running_loop
    in playwright/_impl/_greenlets.py, wait_for_future), so that the loop can resume. Two
    things follow while it is started:

    - Django sees "a running event loop" and refuses ORM calls in this thread with
      SynchronousOnlyOperation, among them pytest-django's flush after each transactional
      test. Nothing in this thread runs on that loop (the test code is plain sync code), so
      the check is lifted with DJANGO_ALLOW_ASYNC_UNSAFE, only while the browser is up.
    - pytest-asyncio tests must not run in the meantime ("Cannot run the event loop while
      another loop is running"), and a second sync_playwright() would fail with "Playwright
      Sync API inside the asyncio loop". Hence module scope, not session scope: Playwright
      stops (and clears the running loop) before the next module's tests start.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package for the browser tests")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def dialogs() -> dict[Any, list[str]]:
    """The messages of the native dialogs each page showed (and accepted), by page."""
    return {}


@pytest.fixture
def new_page(
    browser: Any, asgi_server: str, dialogs: dict[Any, list[str]], transactional_db: None
) -> Iterator[Callable[..., Any]]:
    """Make a page in a fresh browser context (its own cookies: one person each).

    Needs committed data (transactional_db), as the server is another process.
    """
    contexts: list[Any] = []

    def make(viewport: tuple[int, int] = (1280, 800), **options: Any) -> Any:
        width, height = viewport
        context = browser.new_context(
            base_url=asgi_server, viewport={"width": width, "height": height}, **options
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(script=WATCH_LIVE_STATUS)
        contexts.append(context)
        page = context.new_page()
        shown = dialogs[page] = []

        def accept(dialog: Any) -> None:
            # A native confirm() (moving on while members still work) is accepted, as a
            # facilitator who means it would; tests that care read its text in `dialogs`.
            shown.append(dialog.message)
            dialog.accept()

        page.on("dialog", accept)
        return page

    yield make
    # Closed before the database is flushed, and the server given the time to count the
    # sockets out: otherwise it handles the disconnects after the flush and logs errors.
    for context in contexts:
        context.close()
    wait_for_sockets_closed()


def wait_for_sockets_closed(timeout: float = 30) -> None:
    from workshops.models import Participant

    deadline = time.monotonic() + timeout
    while Participant.objects.filter(sockets__gt=0).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.1)  # the last disconnect's broadcast, rendered right after its commit


@pytest.fixture
def screenshots_dir() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
