"""The page's JavaScript modules in production: every import names the hashed file the page
loads (journeymap/storage.py), so each module runs once and is cached by its content."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.core.management import call_command
from django.test import override_settings

from tests.test_project import deploy_env, run_python

IMPORT = re.compile(r"""(?:\bfrom|\bimport)\s*["'](\.{1,2}/[^"']+)["']""")
SOURCE = Path(__file__).resolve().parents[1] / "static" / "js"


def test_the_modules_import_each_other_by_their_hashed_names(tmp_path: Path) -> None:
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "journeymap.storage.StaticFiles"},  # what DEBUG off uses
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", "--noinput", verbosity=0)
    paths = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    hashed = set(paths.values())

    modules = sorted(path.name for path in SOURCE.glob("*.js"))
    seen = 0
    for name in modules:
        source_imports = IMPORT.findall((SOURCE / name).read_text())
        served = paths[f"js/{name}"]
        imports = IMPORT.findall((tmp_path / served).read_text())
        assert len(imports) == len(source_imports), f"{served}: {imports} against {source_imports}"
        for target in imports:
            resolved = str(Path("js", target).as_posix()).replace("js/./", "js/")
            assert resolved in hashed, f"{served} imports {target}, which is not a hashed name"
            assert (tmp_path / resolved).is_file()
            seen += 1
    assert seen >= 4, "the modules import one another (room.js, live.js, board.js …)"


def test_production_serves_with_that_storage() -> None:
    script = "from django.conf import settings; print(settings.STORAGES['staticfiles']['BACKEND'])"
    env = deploy_env(DEBUG="0", SECRET_KEY="x" * 60, ALLOWED_HOSTS="example.com")
    result = run_python("-c", f"import django; django.setup(); {script}", env=env)
    assert result.stdout.strip().splitlines()[-1] == "journeymap.storage.StaticFiles", result.stderr
