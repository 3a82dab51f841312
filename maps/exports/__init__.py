"""A map leaves the app: JSON (and back again), CSV, Markdown and SVG (docs/export-format.md).

- `document.py`: the JSON document, the map's one portable form, and the names it is made of;
- `schema.py`: that document's shape as a JSON Schema;
- `validation.py`: an uploaded file, read and checked against the schema and its references
  (`load`, `validate`, `InvalidExport`) before `maps.services.map_import` writes anything;
- `problems.py`: what each schema keyword's failure says, in the uploader's language;
- `copying.py`: the document re-laid for another kind of map, the start of a copy;
- `readable.py` (CSV, SVG) and `markdown.py`: the formats for people, read-only;
- `plan.py`: the action plan, as CSV for issue trackers' importers and as Markdown.

Callers import from here: `from maps import exports; exports.export_json(journey_map)`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from maps.exports.copying import for_kind
from maps.exports.document import (
    BACKSTORY_FIELDS,
    FORMAT,
    MAIN,
    MARKS,
    PERSONA_FIELDS,
    READS,
    SCOPE_FIELDS,
    VERSION,
    author_name,
    dumps,
    export_data,
    export_json,
)
from maps.exports.markdown import export_markdown, md, md_cell
from maps.exports.plan import IMPORTERS, export_plan_csv, export_plan_markdown
from maps.exports.readable import (
    FORMULA_STARTS,
    ReadableMap,
    bidi_isolated,
    export_csv,
    export_svg,
    marks_display,
    readable,
    spreadsheet_safe,
)
from maps.exports.validation import InvalidExport, load, validate
from maps.models import JourneyMap

# The downloads: format → (how to draw it, its content type).
EXPORTERS: dict[str, tuple[Callable[[JourneyMap], str], str]] = {
    "json": (export_json, "application/json; charset=utf-8"),
    "md": (export_markdown, "text/markdown; charset=utf-8"),
    "csv": (export_csv, "text/csv; charset=utf-8"),
    "svg": (export_svg, "image/svg+xml; charset=utf-8"),
    "plan-md": (export_plan_markdown, "text/markdown; charset=utf-8"),
    **{
        f"plan-{tracker}": (partial(export_plan_csv, tracker=tracker), "text/csv; charset=utf-8")
        for tracker in IMPORTERS
    },
}

__all__ = [
    "BACKSTORY_FIELDS",
    "EXPORTERS",
    "FORMAT",
    "FORMULA_STARTS",
    "IMPORTERS",
    "MAIN",
    "MARKS",
    "PERSONA_FIELDS",
    "SCOPE_FIELDS",
    "READS",
    "VERSION",
    "InvalidExport",
    "ReadableMap",
    "author_name",
    "bidi_isolated",
    "dumps",
    "export_csv",
    "export_data",
    "export_json",
    "export_markdown",
    "export_plan_csv",
    "export_plan_markdown",
    "export_svg",
    "for_kind",
    "load",
    "marks_display",
    "md",
    "md_cell",
    "readable",
    "spreadsheet_safe",
    "validate",
]
