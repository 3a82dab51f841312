"""The ops of the live session: name → payload form → service.

The websocket consumer and the HTTP fallback (forms posted without JavaScript) both go
through `perform`, so an op is validated and authorised the same way whichever way it came.
The protocol is documented in docs/protocol.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from django.db import OperationalError
from django.utils.translation import gettext as _

from maps import services as maps_services
from workshops import forms, services
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
    form: type[forms.OpForm]
    run: Run


facilitator_change = partial(services.map_change, facilitator_only=True)

OPS: dict[str, Op] = {
    "timer.start": Op(forms.EmptyOpForm, services.timer_start),
    "timer.pause": Op(forms.EmptyOpForm, services.timer_pause),
    "timer.add": Op(forms.TimerAddForm, services.timer_add),
    "timer.reset": Op(forms.EmptyOpForm, services.timer_reset),
    "step.go": Op(forms.StepGoForm, services.step_go),
    "step.done": Op(forms.StepDoneForm, services.step_done_set),
    "agenda.update": Op(forms.AgendaStepForm, services.agenda_step_update),
    "participant.role": Op(forms.ParticipantRoleForm, services.participant_role_set),
    "participant.remove": Op(forms.ParticipantOpForm, services.participant_remove),
    "participant.readmit": Op(forms.ReadmitForm, services.participant_readmit),
    "joining.set": Op(forms.JoiningForm, services.joining_set),
    "joining.rotate": Op(forms.EmptyOpForm, services.join_code_rotate),
    # the board
    "sticky.create": Op(forms.StickyCreateForm, services.sticky_create),
    "sticky.edit": Op(forms.StickyEditForm, partial(services.map_change, change=maps_services.sticky_edit)),
    "sticky.move": Op(forms.StickyMoveForm, partial(services.map_change, change=maps_services.sticky_move)),
    "sticky.style": Op(
        forms.StickyStyleForm, partial(services.map_change, change=maps_services.sticky_style)
    ),
    "sticky.delete": Op(forms.StickyForm, partial(services.map_change, change=maps_services.sticky_delete)),
    "sticky.restore": Op(
        forms.StickyRestoreForm, partial(services.map_change, change=maps_services.sticky_restore)
    ),
    "sticky.link": Op(forms.StickyLinkForm, partial(services.map_change, change=maps_services.sticky_link)),
    "sticky.editing": Op(forms.StickyEditingForm, services.sticky_editing),
    "backstory.edit": Op(
        forms.BackstoryForm, partial(services.map_change, change=maps_services.backstory_edit)
    ),
    "stage.create": Op(forms.StageCreateForm, partial(facilitator_change, change=maps_services.stage_create)),
    "stage.rename": Op(forms.StageRenameForm, partial(facilitator_change, change=maps_services.stage_rename)),
    "stage.move": Op(forms.StageMoveForm, partial(facilitator_change, change=maps_services.stage_move)),
    "stage.delete": Op(forms.StageDeleteForm, partial(facilitator_change, change=maps_services.stage_delete)),
    "lane.visible": Op(
        forms.LaneVisibleForm, partial(facilitator_change, change=maps_services.lane_set_visible)
    ),
    "board.lock": Op(forms.SwitchForm, services.board_lock_set),
    "writing.private": Op(forms.SwitchForm, services.private_writing_set),
    # dot voting: dots go on even while the board is locked against edits
    "vote.start": Op(forms.VoteStartForm, partial(facilitator_change, change=maps_services.vote_start)),
    "vote.cast": Op(
        forms.VoteCastForm,
        partial(services.map_change, change=maps_services.vote_cast, even_when_locked=True),
    ),
    "vote.close": Op(forms.EmptyOpForm, partial(facilitator_change, change=maps_services.vote_close)),
    # the big picture
    "metric.add": Op(forms.MetricAddForm, partial(facilitator_change, change=maps_services.metric_add)),
    "metric.remove": Op(
        forms.MetricRemoveForm, partial(facilitator_change, change=maps_services.metric_remove)
    ),
    "insight.add": Op(forms.InsightAddForm, partial(services.map_change, change=maps_services.insight_add)),
    "insight.remove": Op(
        forms.InsightRemoveForm, partial(services.map_change, change=maps_services.insight_remove)
    ),
    # the emotion line
    "emotion.rate": Op(forms.EmotionRateForm, services.emotion_rate),
    "emotion.private": Op(forms.SwitchForm, services.private_ratings_set),
    "stage.annotate": Op(
        forms.StageAnnotateForm, partial(facilitator_change, change=maps_services.stage_annotate)
    ),
}


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
