"""Write a map's stakeholder summary as a PDF: `manage.py export_pdf <map id> <out path>`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from maps.models import JourneyMap
from maps.pdf import summary_pdf


class Command(BaseCommand):
    help = "Write the stakeholder summary of a journey map as a PDF file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("map_id", type=int, help="the journey map's id")
        parser.add_argument("out", type=Path, help="where to write the PDF")
        parser.add_argument(
            "--language", default=settings.LANGUAGE_CODE, help="the language of the headings (en, zh-hans)"
        )

    def handle(self, *args: Any, map_id: int, out: Path, language: str, **options: Any) -> None:
        journey_map = JourneyMap.objects.filter(pk=map_id).first()
        if journey_map is None:
            raise CommandError(f"There is no journey map with id {map_id}.")
        # Names come from the map's own log here (maps knows no workshops): people who gave
        # no name other than their login are listed without one.
        out.write_bytes(summary_pdf(journey_map=journey_map, language=language))
        self.stdout.write(f"Wrote {out} ({out.stat().st_size} bytes).")
