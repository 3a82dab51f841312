"""After the workshop: the assumption ledger and the action plan.

Selectors over what the summary has read already (`maps.summary.map_summary`): no query of
their own. Where the method leaves it open, these are our choices (docs/sharing.md):

- An assumption is a note whose evidence is still "assumption". The ones worth checking first
  are those the team weighed: dots from a closed vote, a severity, a reach, a follow-up (an
  owner or a due date), or a place in the pain points lane, which the play ranks. "Validate
  next" lists them by the pain ranking (dots, then severity, then reach). Opportunities are
  left out of it: they are what the team will do, already in the plan, not what it believes
  about the customer.
- A note is checked once someone recorded what settled it (`sticky.settle`: a level, a source,
  a short note). Setting its level back to assumption puts it back in the ledger.
- The action plan is every opportunity, and every validation: an assumption given an owner or a
  due date, or one checked. Open items first, the soonest due first (undated after), then by
  rank; done items last. A checked validation is done.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from maps import layout
from maps.models import Evidence, OpportunityStatus, Stage, Sticky
from maps.selectors import lane_label

VALIDATE_NEXT = 10  # assumptions listed to check next; the ledger says how many more there are
OPPORTUNITY, VALIDATION = "opportunity", "validation"
KINDS = {OPPORTUNITY: _("Opportunity"), VALIDATION: _("Validation")}


@dataclass
class EvidenceShare:
    level: str
    label: str
    count: int
    percent: int
    offset: int = 0  # where its part of the bar starts


@dataclass
class StageEvidence:
    """What one stage's notes rest on."""

    stage: Stage
    shares: list[EvidenceShare]
    total: int


@dataclass
class PlanItem:
    """One line of the action plan, or one assumption in the ledger."""

    note: Sticky
    kind: str  # OPPORTUNITY or VALIDATION
    votes: int = 0
    pains: list[Sticky] = field(default_factory=list)  # the pain points it addresses
    today: datetime.date | None = None

    @property
    def kind_label(self) -> str:
        return str(KINDS[self.kind])

    @property
    def lane_label(self) -> str:
        return str(lane_label(self.note.lane))

    @property
    def checked(self) -> bool:
        return is_checked(self.note)

    @property
    def status(self) -> str:
        """The note's status; a checked validation is done, one not started yet is planned."""
        if self.kind == VALIDATION and self.checked:
            return OpportunityStatus.DONE
        return self.note.status or (OpportunityStatus.PLANNED if self.kind == VALIDATION else "")

    @property
    def status_label(self) -> str:
        return str(OpportunityStatus(self.status).label) if self.status else ""

    @property
    def done(self) -> bool:
        return self.status == OpportunityStatus.DONE

    @property
    def overdue(self) -> bool:
        due = self.note.due_on
        return bool(due and self.today and due < self.today and not self.done)


def pain_rank(note: Sticky, votes: int) -> tuple[float, ...]:
    """How pain points are ranked everywhere: dots, then severity, then reach (a share first)."""
    share = float(note.reach_share) if note.reach_share is not None else -1.0
    count = note.reach_count if note.reach_count is not None else -1
    return (-votes, -(note.severity or 0), -share, -count)


def evidence_shares(notes: Sequence[Sticky]) -> list[EvidenceShare]:
    """How much of the notes rests on research, on anecdote, on assumption (share of the notes)."""
    counts = dict.fromkeys(Evidence.values, 0)
    for note in notes:
        counts[note.evidence] = counts.get(note.evidence, 0) + 1
    total = sum(counts.values())
    shares, offset = [], 0
    for level in (Evidence.RESEARCH, Evidence.ANECDOTE, Evidence.ASSUMPTION):
        percent = round(100 * counts[level] / (total or 1))
        shares.append(EvidenceShare(level, str(level.label), counts[level], percent, offset))
        offset += percent
    return shares


def is_checked(note: Sticky) -> bool:
    return note.settled_at is not None and note.evidence != Evidence.ASSUMPTION


def has_follow_up(note: Sticky) -> bool:
    return bool(note.owner.strip() or note.due_on)


def follow_up(
    *,
    notes: Sequence[Sticky],
    stages: Sequence[Stage],
    dots: Mapping[int, int],
    linked: Mapping[int, set[int]],
) -> dict[str, object]:
    """The ledger (per stage, the assumptions to check next, those checked) and the action plan.

    `notes` are the map's visible notes with their lanes, `dots` the closed votes' dots per note,
    `linked` each note's links both ways (as the summary reads them).
    """
    today = timezone.localdate()
    by_id = {note.pk: note for note in notes}

    def item(note: Sticky, kind: str) -> PlanItem:
        if note.lane.key == layout.PAINS.key:
            pains = [note]
        else:
            pains = [
                by_id[i] for i in sorted(linked.get(note.pk, ())) if by_id[i].lane.key == layout.PAINS.key
            ]
        return PlanItem(note, kind, dots.get(note.pk, 0), pains, today)

    def weighed(note: Sticky) -> bool:
        if note.lane.key == layout.OPPORTUNITIES.key:
            return False
        ranked = note.lane.key == layout.PAINS.key
        figures = note.severity or note.reach_share is not None or note.reach_count is not None
        return bool(ranked or dots.get(note.pk) or figures or has_follow_up(note))

    assumptions = [n for n in notes if n.evidence == Evidence.ASSUMPTION and weighed(n)]
    assumptions.sort(key=lambda n: (*pain_rank(n, dots.get(n.pk, 0)), n.lane.key != layout.PAINS.key))
    checked = sorted((n for n in notes if is_checked(n)), key=lambda n: n.settled_at, reverse=True)

    plan = [
        item(n, OPPORTUNITY if n.lane.key == layout.OPPORTUNITIES.key else VALIDATION)
        for n in notes
        if n.lane.key == layout.OPPORTUNITIES.key
        or (n.evidence == Evidence.ASSUMPTION and has_follow_up(n))
        or is_checked(n)
    ]
    plan.sort(
        key=lambda i: (i.done, i.note.due_on is None, i.note.due_on or today, *pain_rank(i.note, i.votes))
    )
    stage_evidence = []
    for stage in stages:
        mine = [n for n in notes if n.stage_id == stage.pk]
        stage_evidence.append(StageEvidence(stage, evidence_shares(mine), len(mine)))
    return {
        "stage_evidence": stage_evidence,
        "validate_next": [item(n, VALIDATION) for n in assumptions[:VALIDATE_NEXT]],
        "validate_more": max(0, len(assumptions) - VALIDATE_NEXT),
        "checked": [item(n, VALIDATION) for n in checked],
        "action_plan": plan,
        "plan_open": sum(1 for i in plan if not i.done),
        "plan_overdue": sum(1 for i in plan if i.overdue),
    }
