"""The stakeholder summary as a PDF, drawn by WeasyPrint from the same template as the page.

The text stays text (selectable, searchable); CJK needs a CJK font on the machine
(Debian: fonts-noto-cjk, installed by .ci/run and the Dockerfile).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

from maps.models import JourneyMap
from maps.summary import Person, map_summary


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> Any:
    # The summary needs nothing from outside: refuse every URL, so map text can never make
    # the server fetch something.
    raise ValueError(f"the PDF fetches nothing: {url[:80]}")


def summary_pdf(
    *,
    journey_map: JourneyMap,
    people: Sequence[Person] = (),
    language: str | None = None,
    then: Mapping[str, Any] | None = None,
) -> bytes:
    """The summary of `journey_map` as PDF bytes (A4 landscape), in `language` or the active one."""
    from weasyprint import CSS, HTML  # imported late: loading Pango takes a moment

    with translation.override(language or translation.get_language()):
        context = map_summary(journey_map=journey_map, people=people, then=then)
        context["language"] = translation.get_language()
        html = render_to_string("maps/summary_pdf.html", context)
    stylesheet = CSS(filename=finders.find("css/summary.css"), url_fetcher=_no_fetching)
    document = HTML(string=html, url_fetcher=_no_fetching)
    return document.write_pdf(stylesheets=[stylesheet])
