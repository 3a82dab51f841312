"""Project-level checks: the deployment files agree with the code, and the settings hold up.

Docker is not needed: the Dockerfile and docker-compose.yml are read as text, and the settings
are exercised in subprocesses with the environment a deployment would give them.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import dj_database_url
import pytest
from django.conf import settings
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_SOURCE = (ROOT / "journeymap" / "settings.py").read_text()
COMPOSE_SOURCE = (ROOT / "docker-compose.yml").read_text()
REQUIREMENTS = (ROOT / "requirements.txt").read_text()
DOCKERFILE_SOURCE = (ROOT / "Dockerfile").read_text()


# --- Reading docker-compose.yml ------------------------------------------------------------
# PyYAML when installed; otherwise a parser for the small subset of YAML the compose file uses
# (block mappings and sequences, JSON-style flow lists, quoted or plain scalars, comments).


def _strip_comment(line: str) -> str:
    quote = ""
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


def _scalar(text: str) -> Any:
    if text.startswith(("[", '"')):
        return json.loads(text)
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return {"true": True, "false": False, "null": None, "~": None}.get(text, text)


def _block(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[Any, int]:
    if lines[i][1] == "-" or lines[i][1].startswith("- "):
        items = []
        while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("-"):
            item = lines[i][1][1:].strip()
            if not item or re.match(r"[^\s\"'\[]+:(\s|$)", item):
                raise ValueError(f"tiny YAML reader: unsupported sequence item {lines[i][1]!r}")
            items.append(_scalar(item))
            i += 1
        return items, i
    mapping: dict[str, Any] = {}
    while i < len(lines) and lines[i][0] == indent:
        match = re.fullmatch(r"([^\s\"'][^:]*|\"[^\"]*\"|'[^']*'):(?:\s+(.*))?", lines[i][1])
        if not match:
            raise ValueError(f"tiny YAML reader: cannot read {lines[i][1]!r}")
        key, rest = _scalar(match[1]), match[2]
        i += 1
        if rest:
            mapping[key] = _scalar(rest)
        elif i < len(lines) and (
            lines[i][0] > indent or (lines[i][0] == indent and lines[i][1].startswith("-"))
        ):
            mapping[key], i = _block(lines, i, lines[i][0])
        else:
            mapping[key] = None
    return mapping, i


def tiny_yaml(text: str) -> Any:
    lines = []
    for raw in text.splitlines():
        line = _strip_comment(raw).rstrip()
        if line.strip():
            lines.append((len(line) - len(line.lstrip(" ")), line.strip()))
    value, end = _block(lines, 0, lines[0][0])
    if end != len(lines):
        raise ValueError(f"tiny YAML reader: stopped at {lines[end][1]!r}")
    return value


def load_compose() -> dict[str, Any]:
    try:
        import yaml
    except ImportError:
        return tiny_yaml(COMPOSE_SOURCE)
    return yaml.safe_load(COMPOSE_SOURCE)


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error}, as `docker compose` expands them."""

    def expand(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"] or ""
        if env.get(name):
            return env[name]
        if op == ":?":
            raise KeyError(f"{name} is required: {arg}")
        return arg if op == ":-" else ""

    value = re.sub(r"\$\{(?P<name>\w+)(?:(?P<op>:[-?])(?P<arg>[^}]*))?\}", expand, value)
    return value.replace("$$", "$")


def command(service: dict[str, Any]) -> list[str]:
    cmd = service["command"]
    return cmd if isinstance(cmd, list) else cmd.split()


def settings_env_names() -> set[str]:
    """Every environment variable journeymap/settings.py reads."""
    names = set(
        re.findall(r"(?:os\.environ\.get|envbool|envint|envlist)\(\s*\"([A-Z0-9_]+)\"", SETTINGS_SOURCE)
    )
    if "dj_database_url.config(" in SETTINGS_SOURCE:
        names.add(inspect.signature(dj_database_url.config).parameters["env"].default)
    return names


def dockerfile_instructions() -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", DOCKERFILE_SOURCE)
    instructions = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def deploy_env(**extra: str) -> dict[str, str]:
    """This process's environment without anything the settings read, plus `extra`."""
    env = {key: value for key, value in os.environ.items() if key not in settings_env_names()}
    env["DJANGO_SETTINGS_MODULE"] = "journeymap.settings"
    env.update(extra)
    return env


def run_python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


# --- docker-compose.yml ----------------------------------------------------------------------


def test_tiny_yaml_reader_agrees_with_pyyaml() -> None:
    yaml = pytest.importorskip("yaml")
    assert tiny_yaml(COMPOSE_SOURCE) == yaml.safe_load(COMPOSE_SOURCE)


def test_compose_has_the_four_services() -> None:
    services = load_compose()["services"]
    assert {"db", "redis", "migrate", "web"} <= set(services)
    assert services["db"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert "healthcheck" in services["redis"]
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in services["db"]["volumes"])
    assert services["db"]["volumes"][0].split(":")[0] in load_compose()["volumes"]


def uvicorn_options(cmd: list[str]) -> dict[str, Any]:
    """`cmd` parsed by uvicorn's own command line (click), as `uvicorn` would start it."""
    cli = importlib.import_module("uvicorn.main").main  # the click command (`uvicorn.main` is a function)
    assert cmd[0] == "uvicorn"
    return cli.make_context("uvicorn", cmd[1:]).params


def test_web_runs_uvicorn_on_the_real_asgi_application() -> None:
    web = load_compose()["services"]["web"]
    assert web["build"] == "."
    options = uvicorn_options(command(web))
    assert (options["host"], options["port"]) == ("0.0.0.0", 8000)
    assert any(port.endswith(":8000") for port in web["ports"])
    # The measured configuration (docs/decisions.md, "The ASGI server"); Django has no lifespan.
    assert (options["loop"], options["http"], options["ws"]) == ("uvloop", "httptools", "websockets-sansio")
    assert options["lifespan"] == "off"
    # Behind the proxy: the client's address and scheme come from its X-Forwarded-* headers.
    assert options["proxy_headers"] and options["forwarded_allow_ips"] == "*"
    target = options["app"]
    assert target == "journeymap.asgi:application"
    module, _, attribute = target.partition(":")
    assert callable(getattr(importlib.import_module(module), attribute))
    assert target.replace(":", ".") == settings.ASGI_APPLICATION
    for name in ("uvloop", "httptools", "websockets"):
        assert re.search(rf"^{name}==", REQUIREMENTS, re.M), f"{name} is not a runtime requirement"


def test_migrate_runs_once_before_web() -> None:
    services = load_compose()["services"]
    cmd = command(services["migrate"])
    assert cmd[cmd.index("manage.py") + 1 : cmd.index("manage.py") + 2] == ["migrate"]
    assert (ROOT / "manage.py").is_file()
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    depends = services["web"]["depends_on"]
    assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert depends["redis"]["condition"] == "service_healthy"


def test_compose_sets_only_variables_the_settings_read() -> None:
    read = settings_env_names()
    services = load_compose()["services"]
    for name in ("web", "migrate"):
        assert set(services[name]["environment"]) <= read, f"{name}: settings never read these"


def test_compose_environment_is_a_production_one() -> None:
    services = load_compose()["services"]
    db_env, web_env = services["db"]["environment"], services["web"]["environment"]
    env = {"SECRET_KEY": "x", "ALLOWED_HOSTS": "example.com", "POSTGRES_PASSWORD": "pw"}
    assert web_env["DEBUG"] == "0"
    assert web_env["SECRET_KEY"].startswith("${SECRET_KEY:?"), "no default secret key"
    assert interpolate(web_env["SECURE_SSL_REDIRECT"], env) == "1"  # the proxy sends X-Forwarded-Proto
    with pytest.raises(KeyError):
        interpolate(web_env["SECRET_KEY"], {})

    for service in ("web", "migrate"):
        database = dj_database_url.parse(interpolate(services[service]["environment"]["DATABASE_URL"], env))
        assert database["ENGINE"] == "django.db.backends.postgresql"
        assert (database["HOST"], database["PORT"]) == ("db", 5432)
        assert database["NAME"] == db_env["POSTGRES_DB"]
        assert database["USER"] == db_env["POSTGRES_USER"]
        assert database["PASSWORD"] == interpolate(db_env["POSTGRES_PASSWORD"], env)
    assert web_env["REDIS_URL"].startswith("redis://redis:6379/")


def test_compose_web_environment_passes_check_deploy() -> None:
    web_env = load_compose()["services"]["web"]["environment"]
    values = {
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "example.com",
        "POSTGRES_PASSWORD": "pw",
    }
    env = {name: interpolate(str(value), values) for name, value in web_env.items()}
    result = run_python("manage.py", "check", "--deploy", "--fail-level", "WARNING", env=deploy_env(**env))
    assert result.returncode == 0, result.stdout + result.stderr


# --- Dockerfile ------------------------------------------------------------------------------


def test_dockerfile_installs_requirements_and_runs_uvicorn_unprivileged() -> None:
    instructions = dockerfile_instructions()
    keywords = [keyword for keyword, _ in instructions]
    args = dict(instructions)  # the last of each kind
    assert instructions[0] == ("FROM", "python:3.11-slim")

    assert (ROOT / "requirements.txt").is_file()
    runs = [rest for keyword, rest in instructions if keyword == "RUN"]
    assert any(re.search(r"pip install .*-r requirements\.txt", run) for run in runs)
    assert any(kw == "COPY" and rest.split()[0] == "requirements.txt" for kw, rest in instructions)
    collectstatic = next(run for run in runs if "collectstatic" in run)
    assert "DEBUG=0" in collectstatic and "SECRET_KEY=" in collectstatic

    last_run = max(i for i, keyword in enumerate(keywords) if keyword == "RUN")
    assert keywords.index("USER") > last_run, "every build step runs before dropping root"
    assert args["USER"] not in {"root", "0"}
    # The image alone (`docker run`) serves as compose's `web` does.
    cmd = json.loads(args["CMD"])
    assert uvicorn_options(cmd) == uvicorn_options(command(load_compose()["services"]["web"]))


def test_dockerignore_keeps_local_state_out_of_the_image() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".git", ".venv", ".env", "*.sqlite3", "staticfiles"} <= ignored


# --- Settings --------------------------------------------------------------------------------


def test_production_settings_pass_check_deploy() -> None:
    env = deploy_env(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="example.com")
    result = run_python("manage.py", "check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_environment_means_sqlite_and_the_in_memory_layer() -> None:
    code = (
        "from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE']); "
        "print(settings.CHANNEL_LAYERS['default']['BACKEND']); "
        "print(settings.DEBUG)"
    )
    result = run_python("-c", code, env=deploy_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "channels.layers.InMemoryChannelLayer",
        "True",
    ]


@pytest.mark.parametrize(
    "env,threshold,frozen",
    [
        ({}, 50_000, True),
        ({"JOURNEYMAP_GC_THRESHOLD": "0"}, 700, True),
        ({"JOURNEYMAP_GC_FREEZE": "0"}, 700, False),
    ],
)
def test_the_server_freezes_start_up_and_collects_cycles_less_often(env, threshold, frozen) -> None:
    code = "import gc, journeymap.asgi; print(gc.get_threshold()[0], gc.get_freeze_count() > 0)"
    result = run_python("-c", code, env=deploy_env(**env))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(threshold), str(frozen)]


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/signup/"])
def test_pages_carry_a_strict_content_security_policy(client: Client, db: None, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    # What the policy would block must not be on the page: inline scripts and handlers.
    html = response.content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert " src=" in tag, tag
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html)


def test_the_readme_opens_with_its_picture_and_the_first_workshop():
    """The README's first screen: what it is, a picture of a room, the two commands, five steps."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    picture = ROOT / "docs" / "room.png"
    assert "![" in readme.split("## Two commands")[0] and "(docs/room.png)" in readme
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and picture.stat().st_size > 50_000
    headings = [line for line in readme.splitlines() if line.startswith("## ")]
    assert headings[:5] == [
        "## Two commands",
        "## Your first real workshop in five steps",
        "## Deploying",
        "## Configuration",
        "## Development",
    ]
