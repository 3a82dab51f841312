"""Import a JSON export as a new map with a workshop on it: `manage.py import_map map.json --owner demo`.

It lives in `workshops` (not `maps`) because it also creates the workshop, and maps never import
workshops; the map itself is made by maps.services.map_import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from maps import exports
from workshops.services import workshop_import


class Command(BaseCommand):
    help = "Import a Journeymap JSON export as a new map, with a workshop on it, owned by --owner."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the .json file")
        parser.add_argument("--owner", required=True, help="the username of the new map's owner")

    def handle(self, *args: Any, path: str, owner: str, **options: Any) -> None:
        user = get_user_model().objects.filter(username=owner).first()
        if user is None:
            raise CommandError(f"There is no user called {owner!r}.")
        try:
            with Path(path).open("rb") as file:
                raw = file.read(settings.JOURNEYMAP_IMPORT_MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        try:
            workshop = workshop_import(owner=user, data=exports.load(raw), display_name=user.get_full_name())
        except exports.InvalidExport as invalid:
            raise CommandError(f"{path} cannot be imported. {invalid.message}") from invalid
        where = f"map {workshop.journey_map_id}, workshop /w/{workshop.slug}/"
        self.stdout.write(f"Imported “{workshop.title}” as {where}")
