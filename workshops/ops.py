"""The ops of the live session: name → payload form → service, and the one way they are run.

The websocket consumer and the HTTP fallback (forms posted without JavaScript) both call
`run`, so an op is authorised, validated, retried after a deadlock and de-duplicated by
(map, author, op id) the same way whichever way it came; each then sends the events `run`
returns, after the commit (`live.send`). The protocol is documented in docs/protocol.md.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple, TypeVar

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils.translation import gettext as _

from maps import events as event_log
from maps import services as maps_services
from workshops import live, op_forms, selectors, services
from workshops.models import Participant, Workshop
from workshops.services import Applied, Invalid, Refused

Run = Callable[..., Applied]
T = TypeVar("T")
logger = logging.getLogger(__name__)
# An op the database rolled back as a deadlock victim (40P01) or a serialization failure
# (40001) runs again, up to this many times in all.
RETRIES = 3
RETRY_SQLSTATES = {"40P01", "40001"}


@dataclass(frozen=True)
class Op:
    form: type[op_forms.OpForm]
    run: Run


facilitator_change = partial(services.map_change, facilitator_only=True)

OPS: dict[str, Op] = {
    "timer.start": Op(op_forms.EmptyOpForm, services.timer_start),
    "timer.pause": Op(op_forms.EmptyOpForm, services.timer_pause),
    "timer.add": Op(op_forms.TimerAddForm, services.timer_add),
    "timer.reset": Op(op_forms.EmptyOpForm, services.timer_reset),
    "step.go": Op(op_forms.StepGoForm, services.step_go),
    "step.done": Op(op_forms.StepDoneForm, services.step_done_set),
    "agenda.update": Op(op_forms.AgendaStepForm, services.agenda_step_update),
    "participant.role": Op(op_forms.ParticipantRoleForm, services.participant_role_set),
    "participant.remove": Op(op_forms.ParticipantOpForm, services.participant_remove),
    "participant.readmit": Op(op_forms.ReadmitForm, services.participant_readmit),
    "joining.set": Op(op_forms.JoiningForm, services.joining_set),
    "joining.rotate": Op(op_forms.EmptyOpForm, services.join_code_rotate),
    # the board
    "sticky.create": Op(op_forms.StickyCreateForm, services.sticky_create),
    "sticky.edit": Op(
        op_forms.StickyEditForm, partial(services.map_change, change=maps_services.sticky_edit)
    ),
    "sticky.move": Op(
        op_forms.StickyMoveForm, partial(services.map_change, change=maps_services.sticky_move)
    ),
    "sticky.style": Op(
        op_forms.StickyStyleForm, partial(services.map_change, change=maps_services.sticky_style)
    ),
    "sticky.settle": Op(
        op_forms.StickySettleForm, partial(services.map_change, change=maps_services.sticky_settle)
    ),
    "sticky.delete": Op(
        op_forms.StickyForm, partial(services.map_change, change=maps_services.sticky_delete)
    ),
    "sticky.restore": Op(
        op_forms.StickyRestoreForm, partial(services.map_change, change=maps_services.sticky_restore)
    ),
    "sticky.link": Op(
        op_forms.StickyLinkForm, partial(services.map_change, change=maps_services.sticky_link)
    ),
    "sticky.fold": Op(
        op_forms.StickyFoldForm, partial(services.map_change, change=maps_services.sticky_fold)
    ),
    "sticky.unfold": Op(
        op_forms.StickyForm, partial(services.map_change, change=maps_services.sticky_unfold)
    ),
    "similar.dismiss": Op(
        op_forms.SimilarDismissForm, partial(facilitator_change, change=maps_services.similar_dismiss)
    ),
    "sticky.editing": Op(op_forms.StickyEditingForm, services.sticky_editing),
    "backstory.edit": Op(
        op_forms.BackstoryForm, partial(services.map_change, change=maps_services.backstory_edit)
    ),
    "stage.create": Op(
        op_forms.StageCreateForm, partial(facilitator_change, change=maps_services.stage_create)
    ),
    "stage.rename": Op(
        op_forms.StageRenameForm, partial(facilitator_change, change=maps_services.stage_rename)
    ),
    "stage.move": Op(op_forms.StageMoveForm, partial(facilitator_change, change=maps_services.stage_move)),
    "stage.delete": Op(
        op_forms.StageDeleteForm, partial(facilitator_change, change=maps_services.stage_delete)
    ),
    "lane.visible": Op(
        op_forms.LaneVisibleForm, partial(facilitator_change, change=maps_services.lane_set_visible)
    ),
    "board.lock": Op(op_forms.SwitchForm, services.board_lock_set),
    "spotlight.set": Op(op_forms.SpotlightForm, services.spotlight_set),
    "writing.private": Op(op_forms.SwitchForm, services.private_writing_set),
    # dot voting: dots go on even while the board is locked against edits
    "vote.start": Op(op_forms.VoteStartForm, partial(facilitator_change, change=maps_services.vote_start)),
    "vote.cast": Op(
        op_forms.VoteCastForm,
        partial(services.map_change, change=maps_services.vote_cast, even_when_locked=True),
    ),
    "vote.close": Op(op_forms.EmptyOpForm, partial(facilitator_change, change=maps_services.vote_close)),
    # the big picture
    "metric.add": Op(op_forms.MetricAddForm, partial(facilitator_change, change=maps_services.metric_add)),
    "metric.remove": Op(
        op_forms.MetricRemoveForm, partial(facilitator_change, change=maps_services.metric_remove)
    ),
    "insight.add": Op(
        op_forms.InsightAddForm, partial(services.map_change, change=maps_services.insight_add)
    ),
    "insight.remove": Op(
        op_forms.InsightRemoveForm, partial(services.map_change, change=maps_services.insight_remove)
    ),
    # the emotion line
    "emotion.rate": Op(op_forms.EmotionRateForm, services.emotion_rate),
    "emotion.private": Op(op_forms.SwitchForm, services.private_ratings_set),
    "why.start": Op(op_forms.WhyStartForm, services.why_start),
    "why.end": Op(op_forms.EmptyOpForm, services.why_end),
    "emotion.why": Op(op_forms.EmotionReasonForm, services.emotion_reason_add),
    "stage.annotate": Op(
        op_forms.StageAnnotateForm, partial(facilitator_change, change=maps_services.stage_annotate)
    ),
}


class Done(NamedTuple):
    """An op carried out: its event's number, and what is to be broadcast now it is committed
    (nothing for a retry of an op saved before: it was broadcast then)."""

    seq: int
    events: list[live.Event]


def run(*, participant_id: int, name: str, data: dict[str, Any], op_id: str | None = None) -> Done:
    """Carry out one op for a participant, in its own transaction (again after a deadlock)."""
    return retried(name, lambda: _run_once(participant_id, name, data, op_id))


def _run_once(participant_id: int, name: str, data: dict[str, Any], op_id: str | None) -> Done:
    # Roles and switches change while a socket is open: every op reads the sender's place afresh.
    by = selectors.place(participant_id=participant_id)
    if by is None:
        raise Refused(_("You are no longer in this workshop."), code="removed")
    with live.deferred() as broadcasts:
        try:
            # Called inside a transaction (a test's, a command's), a refused write must leave it
            # usable for the lookup below: a savepoint. The live path runs in autocommit, where a
            # note's write is one statement (docs/decisions.md) and needs none.
            with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
                seq = perform(workshop=by.workshop, by=by, name=name, data=data, op_id=op_id).seq
        except (IntegrityError, Refused):
            # A retry (the log is unique on map, author and op id): the first result, nothing
            # done twice. Looked up only now, so a first try costs no lookup.
            first = (
                event_log.find_op(journey_map_id=by.workshop.journey_map_id, author=by.user, op_id=op_id)
                if op_id
                else None
            )
            if first is None:
                raise
            return Done(first.seq, [])
    # Committed: a note's change is drawn here, in the thread that wrote it (docs/decisions.md).
    try:
        return Done(seq, live.predraw(broadcasts))
    except Exception:
        # Saved all the same: the ack says so, and pages find the missing event by its seq.
        logger.exception("Op %s saved as event %s, but drawing its event failed", name, seq)
        return Done(seq, [])


def perform(
    *, workshop: Workshop, by: Participant, name: str, data: dict[str, Any], op_id: str | None = None
) -> Applied:
    op = OPS.get(name)
    if op is None:
        raise Refused(_("Unknown op."), code="unknown_op")
    form = op.form(data, workshop=workshop, by=by)
    if not form.is_valid():
        errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
        first = next(iter(errors.values()))[0]
        raise Invalid(first, errors)
    return op.run(workshop=workshop, by=by, op_id=op_id, **form.cleaned_data)


def retried(name: str, run: Callable[[], T]) -> T:
    """`run()` (an op, in a transaction of its own), again if the database rolled it back as a
    deadlock victim: concurrent writes to one map can deadlock in PostgreSQL (rows locked in
    different orders), which then undoes one of them whole, so running it again is safe. The
    websocket consumer and the HTTP fallback both run their ops so."""
    for attempt in range(1, RETRIES + 1):
        try:
            return run()
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) not in RETRY_SQLSTATES or attempt == RETRIES:
                raise
            logger.warning(
                "Op %s rolled back by the database (%s); trying again", name, error.__cause__.sqlstate
            )
    raise AssertionError("unreachable")
