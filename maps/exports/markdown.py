"""The map as Markdown, for a wiki page or a README, drawn by `templates/maps/export.md.txt`.

The template lays the page out (headings, the grid as a table, ranked lists); this module
gathers what it shows and escapes user text: every piece of it goes through `md` (a paragraph)
or `md_cell` (a table cell), which the template uses as filters, so it shows as written, never
as markup or HTML.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from maps import personas
from maps.exports.document import BACKSTORY_FIELDS, PERSONA_FIELDS, SCOPE_FIELDS
from maps.exports.readable import ReadableMap, bidi_isolated, readable
from maps.models import BigQuestion, Insight, JourneyMap, Persona, Sticky
from maps.plan import pain_rank

# Text must show as written, never as markup (or as HTML, where the renderer allows it).
_MD_INLINE = re.compile(r"([\\`*_{}\[\]<>()#+!|~&$])")


def _lines(value: Any) -> list[str]:
    return str(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _md_line(line: str) -> str:
    line = _MD_INLINE.sub(r"\\\1", line)
    # A line that starts like a list item, a heading underline or a numbered item stays text.
    return re.sub(
        r"^(\s*)([-=]|\d+\.)",
        lambda m: m[1] + "\\" + m[2] if m[2] in "-=" else m[1] + m[2][:-1] + "\\.",
        line,
    )


def md(value: Any) -> str:
    """User text for a Markdown paragraph: punctuation escaped, newlines as hard breaks."""
    return bidi_isolated("  \n".join(_md_line(line) for line in _lines(value)))


def md_cell(value: Any) -> str:
    """User text inside a table cell: escaped, and newlines as <br> (a row is one line)."""
    return bidi_isolated("<br>".join(_md_line(line) for line in _lines(value)))


def _plain(number: Decimal) -> str:
    """42.50 as "42.5", 12.00 as "12"."""
    return f"{number.normalize():f}"


def _sections(journey_map: JourneyMap) -> list[tuple[str, list[tuple[Any, str]]]]:
    """Persona, scope and backstory: each (title, [(label, value)]) with only what is filled in."""
    persona = journey_map.persona
    sections = []
    if persona is not None:
        sections.append(
            (
                _("Persona"),
                [(Persona._meta.get_field(f).verbose_name, getattr(persona, f)) for f in PERSONA_FIELDS],
            )
        )
    for other in personas.of_map(journey_map)[1:]:  # several personas (maps.personas)
        sections.append(
            (
                _("Also on this map"),
                [(Persona._meta.get_field(f).verbose_name, getattr(other, f)) for f in PERSONA_FIELDS],
            )
        )
    for title, fields in ((_("Scope"), SCOPE_FIELDS), (_("Backstory"), BACKSTORY_FIELDS)):
        sections.append(
            (title, [(JourneyMap._meta.get_field(f).verbose_name, getattr(journey_map, f)) for f in fields])
        )
    shown = [(title, [(label, value) for label, value in pairs if value]) for title, pairs in sections]
    return [(title, pairs) for title, pairs in shown if pairs]


def _pain_details(note: Sticky, votes: int) -> str:
    """ "3 votes · severity: High · 42.5% of customers · source: Survey": what ranks a pain."""
    details = [ngettext("%(count)d vote", "%(count)d votes", votes) % {"count": votes}]
    if note.severity:
        details.append(_("severity: %(level)s") % {"level": note.get_severity_display()})
    if note.reach_share is not None:
        details.append(_("%(share)s%% of customers") % {"share": _plain(note.reach_share)})
    elif note.reach_count is not None:
        details.append(
            ngettext("%(count)d customer", "%(count)d customers", note.reach_count)
            % {"count": note.reach_count}
        )
    if note.reach_source:
        details.append(_("source: %(source)s") % {"source": note.reach_source})
    return " · ".join(str(d) for d in details)


def _rank_pains(board: ReadableMap) -> list[Sticky]:
    """Pain points by votes, then severity, then reach (a share counts before a count)."""
    return sorted(board.in_lane("pains"), key=lambda note: pain_rank(note, board.dots[note.pk]))


def markdown_context(journey_map: JourneyMap) -> dict[str, Any]:
    board = readable(journey_map)
    answers: dict[str, list[Insight]] = defaultdict(list)
    for insight in Insight.objects.filter(journey_map=journey_map):
        answers[insight.question].append(insight)
    opportunities = sorted(board.in_lane("opportunities"), key=lambda n: -board.dots[n.pk])
    return {
        "journey_map": journey_map,
        "sections": _sections(journey_map),
        "stages": board.stages,
        "grid": [
            (lane, [board.cell(stage, lane) for stage in board.stages])
            for lane in board.lanes
            if lane.visible
        ],
        "emotion": [
            (cell.stage, "—" if cell.point.median is None else f"{cell.point.median:+g}", cell.point.count)
            for cell in board.line["emotion_cells"]
        ],
        "readings": board.line["emotion_readings"],
        "pains": [(note, _pain_details(note, board.dots[note.pk])) for note in _rank_pains(board)],
        "opportunities": [
            (
                note,
                [link for link in note.links.all() if link.deleted_at is None and not link.hidden],
                board.dots[note.pk],
            )
            for note in opportunities
        ],
        "answers": [(label, answers[key]) for key, label in BigQuestion.choices if answers[key]],
    }


def export_markdown(journey_map: JourneyMap) -> str:
    """The map for a wiki page or a README: headings, a table for the grid, ranked lists."""
    text = render_to_string("maps/export.md.txt", markdown_context(journey_map))
    return text.rstrip("\n") + "\n"
