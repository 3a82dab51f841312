"""Write a map out (JSON, Markdown, CSV, SVG or its action plan): `manage.py export_map 12 --format md`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from maps import exports
from maps.models import JourneyMap


class Command(BaseCommand):
    help = "Export a journey map (by id) as json, md, csv or svg, to a file or to standard output."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("map_id", type=int, help="the map's id")
        parser.add_argument("--format", choices=sorted(exports.EXPORTERS), default="json")
        parser.add_argument("-o", "--output", help="a file to write (default: standard output)")

    def handle(self, *args: Any, map_id: int, format: str, output: str | None, **options: Any) -> None:
        journey_map = JourneyMap.objects.filter(pk=map_id).first()
        if journey_map is None:
            raise CommandError(f"There is no map with id {map_id}.")
        text = exports.EXPORTERS[format][0](journey_map)
        if output is None:
            self.stdout.write(text, ending="")
            return
        Path(output).write_text(text, encoding="utf-8", newline="")
        self.stderr.write(f"Wrote {format} of “{journey_map.title}” to {output}.")
