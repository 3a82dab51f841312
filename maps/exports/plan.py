"""The action plan leaves the app: CSV files for issue trackers' importers, and Markdown.

Each tracker's CSV uses the column names its importer documents (docs/export-format.md, "The
action plan"), so that its import wizard maps them without a hand: one file per tracker. Cells
are made safe for spreadsheets as the map's CSV is (`readable.spreadsheet_safe`; Linear's
importer takes the quote off again), since people often open these in a spreadsheet to tidy
them first. Our statuses become the names of the trackers' default workflow states; an owner is
a team, not a user of the tracker, so it goes as a label and in the description, never as the
assignee.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from maps.exports.readable import bidi_isolated, spreadsheet_safe
from maps.models import JourneyMap
from maps.plan import PlanItem
from maps.summary import map_summary


def description(item: PlanItem, title: str) -> str:
    """The longer text of an item: where it sits on the map `title`, what it addresses, what
    settled it."""
    note = item.note
    where = {"map": title, "kind": item.kind_label, "stage": note.stage.name, "lane": item.lane_label}
    lines = [_("From the journey map “%(map)s”: %(kind)s at the stage “%(stage)s” (%(lane)s).") % where]
    if note.owner.strip():
        lines.append(_("Owner: %(owner)s") % {"owner": note.owner.strip()})
    if note.due_on:
        lines.append(_("Due: %(date)s") % {"date": note.due_on.isoformat()})
    if item.votes:
        lines.append(_("Dots in the team's vote: %(count)d.") % {"count": item.votes})
    pains = [pain.text for pain in item.pains if pain.pk != note.pk]
    if pains:
        lines.append(_("Pain points it addresses:"))
        lines += [f"- {text}" for text in pains]
    if item.checked:
        lines.append(
            _("Checked (%(level)s): %(source)s. %(note)s")
            % {
                "level": note.get_evidence_display(),
                "source": note.evidence_source,
                "note": note.evidence_note,
            }
        )
    return "\n".join(line.strip() for line in lines)


def _label(text: str) -> str:
    """A label every importer keeps whole: no spaces (Jira splits on them), no commas (Linear
    and GitHub's CSV tools split on those)."""
    return "-".join(text.replace(",", " ").split())


def labels(item: PlanItem) -> list[str]:
    """What a tracker can filter by: the kind, the stage, and the owner (a team, not a user of
    the tracker, so it goes as a label rather than as the assignee)."""
    found = [item.kind, _label(f"stage {item.note.stage.name}")]
    if item.note.owner.strip():
        found.append(_label(f"owner {item.note.owner}"))
    return found


# Our statuses in the default workflows: Jira's "To Do / In Progress / Done" and Linear's
# "Backlog / Todo / In Progress / Done". The wizard maps any other name once.
JIRA_STATUS = {"": "To Do", "idea": "To Do", "planned": "To Do", "in_progress": "In Progress", "done": "Done"}
LINEAR_STATUS = {
    "": "Backlog",
    "idea": "Backlog",
    "planned": "Todo",
    "in_progress": "In Progress",
    "done": "Done",
}


@dataclass(frozen=True)
class Importer:
    """A tracker's CSV: its documented columns, in order, each with how an item fills it, and
    how its labels go (one column repeated per label, or one column joined by `joined`)."""

    columns: tuple[str, ...]
    row: Callable[[PlanItem, str], list[str]]  # the item (and the map's title) as the columns
    label_column: str
    joined: str | None = None  # labels in one cell, joined so; None: the column repeated
    labels: Callable[[PlanItem], list[str]] = labels


def _jira(item: PlanItem, title: str) -> list[str]:
    due = item.note.due_on.isoformat() if item.note.due_on else ""
    return [item.note.text, "Task", description(item, title), JIRA_STATUS[item.status], due]


def _linear(item: PlanItem, title: str) -> list[str]:
    # An id of our own, so a file imported twice is recognisable; the team is chosen on import.
    fields = [f"JM-{item.note.pk}", "", item.note.text, description(item, title)]
    return [*fields, LINEAR_STATUS[item.status], "No priority"]


def _github(item: PlanItem, title: str) -> list[str]:
    return [item.note.text, description(item, title), "closed" if item.done else "open"]


def _github_labels(item: PlanItem) -> list[str]:
    # GitHub's issues are open or closed only: how far it has come goes as a label too.
    return [*labels(item), *([f"status-{item.status}"] if item.status else [])]


# Each tracker's importer and the column names it reads (docs/export-format.md, "The action
# plan"): Jira Cloud's CSV import (Summary required; a repeated Labels column per label; the due
# date as yyyy-MM-dd, the format to give its wizard), Linear's importer for its own CSV (ID,
# Team, Title, Status at least; Labels joined by ", "), and for GitHub, which has no importer of
# its own, the title/body/state/labels columns of the github-csv-tools command.
IMPORTERS: dict[str, Importer] = {
    "jira": Importer(("Summary", "Issue Type", "Description", "Status", "Due Date"), _jira, "Labels"),
    "linear": Importer(
        ("ID", "Team", "Title", "Description", "Status", "Priority"), _linear, "Labels", joined=", "
    ),
    "github": Importer(("title", "body", "state"), _github, "labels", joined=",", labels=_github_labels),
}


def export_plan_csv(journey_map: JourneyMap, tracker: str) -> str:
    """The action plan as `tracker`'s importer reads it: UTF-8 without a BOM (the importers read
    a BOM as part of the first column's name), one item a row."""
    importer = IMPORTERS[tracker]
    summary = map_summary(journey_map=journey_map)
    items, title = summary["action_plan"], summary["journey_map"].title
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    most = max((len(importer.labels(item)) for item in items), default=1)
    repeated = 1 if importer.joined is not None else most
    writer.writerow([*importer.columns, *[importer.label_column] * repeated])
    for item in items:
        mine = importer.labels(item)
        if importer.joined is not None:
            mine = [importer.joined.join(mine)]
        row = [*importer.row(item, title), *mine, *[""] * (repeated - len(mine))]
        writer.writerow([spreadsheet_safe(bidi_isolated(cell)) for cell in row])
    return out.getvalue()


def export_plan_markdown(journey_map: JourneyMap) -> str:
    """The action plan as a Markdown task list (GitHub, GitLab and most wikis tick the boxes)."""
    summary = map_summary(journey_map=journey_map)
    text = render_to_string("maps/plan.md.txt", {**summary, "items": summary["action_plan"]})
    return text.rstrip("\n") + "\n"
