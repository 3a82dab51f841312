"""export_map and import_map: the same formats and the same checks as the pages."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from maps import exports
from maps.models import JourneyMap
from tests.maps import fullmap
from workshops.models import Workshop

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_map(owner, member, member2):
    return fullmap.build(owner, member.user, member2.user)


@pytest.mark.parametrize("fmt", ["json", "md", "csv", "svg"])
def test_export_map_writes_each_format_to_a_file(full_map, tmp_path, fmt):
    target = tmp_path / f"map.{fmt}"
    call_command("export_map", str(full_map.pk), "--format", fmt, "-o", str(target), stderr=io.StringIO())
    assert target.read_bytes() == exports.EXPORTERS[fmt][0](full_map).encode("utf-8")


def test_export_map_writes_json_to_standard_output_by_default(full_map):
    out = io.StringIO()
    call_command("export_map", str(full_map.pk), stdout=out)
    assert json.loads(out.getvalue()) == exports.export_data(full_map)


def test_export_map_names_a_missing_map():
    with pytest.raises(CommandError, match="no map with id 999"):
        call_command("export_map", "999")


def test_import_map_makes_a_map_and_a_workshop(full_map, owner, tmp_path):
    path = tmp_path / "map.json"
    path.write_text(exports.export_json(full_map), encoding="utf-8")
    out = io.StringIO()
    call_command("import_map", str(path), "--owner", "olivia", stdout=out)
    workshop = Workshop.objects.latest("pk")
    assert workshop.owner == owner and f"/w/{workshop.slug}/" in out.getvalue()
    assert exports.export_json(workshop.journey_map) == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{]", "not valid JSON"),
        ('{"format": "journeymap", "version": 0}', "version 0 is not supported"),
    ],
)
def test_import_map_refuses_a_bad_file_and_creates_nothing(owner, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_map", str(path), "--owner", "olivia")
    assert not JourneyMap.objects.exists() and not Workshop.objects.exists()


def test_import_map_needs_a_real_owner_and_file(owner, tmp_path):
    with pytest.raises(CommandError, match="no user called 'nobody'"):
        call_command("import_map", str(tmp_path / "x.json"), "--owner", "nobody")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_map", str(tmp_path / "missing.json"), "--owner", "olivia")


def test_maps_never_imports_workshops():
    """DESIGN.md: workshops imports maps, never the other way round."""
    root = Path(__file__).resolve().parents[2] / "maps"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "import workshops" in path.read_text() or "from workshops" in path.read_text()
    ]
    assert offenders == []
