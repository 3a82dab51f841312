"""The ops' payloads: one form per op (named in workshops.ops), which the websocket consumer and
the HTTP fallback both validate with, and the fields they share (a row of this workshop, a
note's text, an id that fits a bigint)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from maps.models import (
    STICKY_MAX_LENGTH,
    BigQuestion,
    Channel,
    Colour,
    Evidence,
    Insight,
    Lane,
    MetricKind,
    OpportunityStatus,
    Severity,
    Stage,
    StageMetric,
    Sticky,
)
from maps.services.folding import MAX_FOLD
from workshops import selectors
from workshops.models import Participant, Role, Workshop
from workshops.services import MAX_TIME_BOX_MINUTES


class OpForm(forms.Form):
    """An op's payload. Fields that name a row accept only rows of the sender's workshop.

    Someone else's note still hidden by private writing does not exist for the sender.
    """

    deleted_notes = False  # whether `sticky` may name a deleted note (to undo a delete)

    def __init__(self, data: dict[str, Any], *, workshop: Workshop, by: Participant | None = None) -> None:
        super().__init__(data)
        self.workshop = workshop
        self.by = by
        for name, form_field in self.fields.items():
            if isinstance(form_field, RowField):
                form_field.find = partial(self.find, name)
            elif isinstance(form_field, forms.IntegerField):  # DecimalField is one too
                form_field.to_python = partial(ascii_number, form_field)

    def find(self, name: str, pk: int) -> Any:
        """Row `pk` of `rows(name)`, or None. A note, the board's most frequent lookup, is read
        by a statement built once per process (`selectors.note`), not compiled by the ORM."""
        if name in ("step", "participant", "removal", "stage", "lane", "metric", "insight"):
            return self.rows(name).filter(pk=pk).first()
        return selectors.note(
            journey_map_id=self.workshop.journey_map_id,
            pk=pk,
            viewer_id=self.by.user_id if self.by else None,
            deleted=self.deleted_notes,
        )

    def rows(self, name: str) -> Any:
        workshop = self.workshop
        if name == "step":
            return workshop.steps.all()
        if name == "participant":
            return workshop.participants.all()
        if name == "removal":
            return workshop.removals.all()
        if name == "stage":
            return Stage.objects.filter(journey_map_id=workshop.journey_map_id)
        if name == "lane":
            return Lane.objects.filter(journey_map_id=workshop.journey_map_id)
        if name == "metric":
            return StageMetric.objects.filter(stage__journey_map_id=workshop.journey_map_id)
        if name == "insight":
            return Insight.objects.filter(journey_map_id=workshop.journey_map_id)
        notes = Sticky.objects.filter(journey_map_id=workshop.journey_map_id)
        if not self.deleted_notes:
            notes = notes.filter(deleted_at=None)
        return notes.filter(Q(hidden=False) | Q(author_id=self.by.user_id if self.by else None))


class EmptyOpForm(OpForm):
    pass


class TimerAddForm(OpForm):
    minutes = forms.IntegerField(min_value=1, max_value=30)


class StepGoForm(OpForm):
    to = forms.CharField(max_length=20)
    force = forms.BooleanField(required=False)

    def clean_to(self) -> Any:
        to = self.cleaned_data["to"]
        if to in {"next", "previous"}:
            return to
        pk = as_id(to)
        step = self.workshop.steps.filter(pk=pk).first() if pk is not None else None
        if step is None:
            raise forms.ValidationError(_("Choose a step of this workshop's agenda."))
        return step


# The largest id a row can have (a bigint): a larger one names nothing, and is not looked up.
MAX_ID = 2**63 - 1


def as_id(value: Any) -> int | None:
    """A row id written in ASCII digits, within a bigint; None for anything else.

    `str.isdigit()` admits "²" and `isdecimal()` other scripts' digits: neither is an id.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        pk = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdecimal():
        pk = int(value)
    else:
        return None
    return pk if 0 < pk <= MAX_ID else None


def ascii_number(form_field: forms.IntegerField, value: Any) -> Any:
    """`form_field`'s value, written in ASCII if it is text: Python's int() and Decimal() also
    read "٣" and "３" as 3, which no client of ours sends; they are refused as not numbers."""
    if isinstance(value, str) and not value.isascii():
        raise forms.ValidationError(form_field.error_messages["invalid"], code="invalid")
    return type(form_field).to_python(form_field, value)


class RowField(forms.ModelChoiceField):
    """A row of the workshop's own, looked up by id when cleaned (`OpForm.find`). Building
    every such field's queryset with each form cost an op about half a millisecond."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=None, **kwargs)
        self.find: Callable[[int], Any] | None = None

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        pk = as_id(value)
        row = self.find(pk) if pk is not None and self.find is not None else None
        if row is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            )
        return row


class RowsField(RowField):
    """Several rows (`RowField` each): a list of ids, or one string of them with commas (a
    form posted without JavaScript). At most `max_rows`, each once."""

    def __init__(self, *, max_rows: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_rows = max_rows

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        if value in self.empty_values:
            return []
        if not isinstance(value, list) or len(value) > self.max_rows:
            raise forms.ValidationError(
                _("Name at most %(count)d notes.") % {"count": self.max_rows}, code="invalid"
            )
        rows = {row.pk: row for row in (super(RowsField, self).to_python(item) for item in value)}
        return list(rows.values())


class AgendaStepForm(OpForm):
    step = RowField()
    minutes = forms.IntegerField(min_value=1, max_value=MAX_TIME_BOX_MINUTES)
    skipped = forms.BooleanField(required=False)
    note = forms.CharField(max_length=500, required=False)


class StepDoneForm(OpForm):
    step = RowField()
    done = forms.BooleanField(required=False)


class ParticipantOpForm(OpForm):
    participant = RowField()


class ParticipantRoleForm(ParticipantOpForm):
    role = forms.ChoiceField(choices=Role.choices)


class ReadmitForm(OpForm):
    """Someone removed from this workshop (by their removal's id), to let back in."""

    removal = RowField(error_messages={"invalid_choice": _("That person is not removed from this workshop.")})


class JoiningForm(OpForm):
    open = forms.BooleanField(required=False)


# -- the board -------------------------------------------------------------------------------


class StickyText(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            max_length=STICKY_MAX_LENGTH,
            strip=True,
            error_messages={
                "max_length": _(
                    "A note holds at most %(limit_value)d characters (this one has %(show_value)d)."
                ),
                "required": _("A note needs some text."),
            },
            **kwargs,
        )


class CellForm(OpForm):
    """An op that names a cell: its stage and lane are read together in one query
    (`selectors.stage_and_lane`; the live path's creates), and each still gets an
    error of its own when it is not of this workshop's map."""

    stage = forms.IntegerField(min_value=1, max_value=MAX_ID)
    lane = forms.IntegerField(min_value=1, max_value=MAX_ID)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        stage_id, lane_id = data.get("stage"), data.get("lane")
        if stage_id is None or lane_id is None:
            return data
        journey_map_id = self.workshop.journey_map_id
        pair = selectors.stage_and_lane(journey_map_id=journey_map_id, stage_id=stage_id, lane_id=lane_id)
        if pair is not None:
            data["stage"], data["lane"] = pair
            return data
        # One of them is not of this map: which, is asked only now.
        invalid = forms.ModelChoiceField.default_error_messages["invalid_choice"]
        for name, rows in (("stage", self.rows("stage")), ("lane", self.rows("lane"))):
            if not rows.filter(pk=data[name]).exists():
                self.add_error(name, invalid)
        if "stage" in data and "lane" in data:  # both of the map, yet not read together
            self.add_error("stage", invalid)
        return data


class StickyCreateForm(CellForm):
    text = StickyText()
    colour = forms.ChoiceField(choices=Colour.choices, required=False)


class StickyEditForm(OpForm):
    sticky = RowField()
    text = StickyText()


class StickyMoveForm(OpForm):
    """Ids only: the move checks its note and cell itself, in the statement that queues it
    behind other moves of the map (`maps.services.sticky_move`), and so saves two queries."""

    sticky = forms.IntegerField(min_value=1, max_value=MAX_ID)
    stage = forms.IntegerField(min_value=1, max_value=MAX_ID)
    lane = forms.IntegerField(min_value=1, max_value=MAX_ID)
    position = forms.IntegerField(min_value=0, max_value=10_000)


class StickyStyleForm(OpForm):
    """Only the fields present in the op change: a recolour does not clear marks."""

    sticky = RowField()
    colour = forms.ChoiceField(choices=Colour.choices, required=False)
    is_question = forms.BooleanField(required=False)
    is_decision = forms.BooleanField(required=False)
    is_aha = forms.BooleanField(required=False)
    is_micro_moment = forms.BooleanField(required=False)
    evidence = forms.ChoiceField(choices=Evidence.choices, required=False)
    channel = forms.ChoiceField(choices=[("", "—"), *Channel.choices], required=False)
    severity = forms.TypedChoiceField(
        choices=[("", "—"), *Severity.choices], coerce=int, empty_value=None, required=False
    )
    reach_count = forms.IntegerField(min_value=0, max_value=2_000_000_000, required=False)
    reach_share = forms.DecimalField(
        min_value=0, max_value=100, max_digits=5, decimal_places=2, required=False
    )
    reach_source = forms.CharField(max_length=200, required=False, strip=True)
    owner = forms.CharField(max_length=100, required=False, strip=True)
    status = forms.ChoiceField(choices=[("", "—"), *OpportunityStatus.choices], required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        given = {key for key in self.data if key in self.fields and key != "sticky"}
        style = {key: cleaned[key] for key in given if key in cleaned}
        if not style:
            raise forms.ValidationError(
                _("Say what to change: a colour, a mark, the evidence or the channel.")
            )
        return {"sticky": cleaned.get("sticky"), **style}


class StickyForm(OpForm):
    sticky = RowField()


class StickyRestoreForm(OpForm):
    deleted_notes = True
    sticky = RowField()


class StickyLinkForm(OpForm):
    sticky = RowField()
    to = RowField()
    linked = forms.BooleanField(required=False)


class StickyFoldForm(OpForm):
    sticky = RowField(required=False)  # the note the others fold into; unnamed: the first of `notes`
    notes = RowsField(max_rows=MAX_FOLD)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("sticky") and data.get("notes"):
            data["sticky"], *data["notes"] = data["notes"]
        return data


class SimilarDismissForm(OpForm):
    notes = RowsField(max_rows=MAX_FOLD)


class StickyEditingForm(OpForm):
    sticky = RowField()
    editing = forms.BooleanField(required=False)


class StageNameField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=60, strip=True, **kwargs)


class StageCreateForm(OpForm):
    name = StageNameField()
    position = forms.IntegerField(min_value=0, max_value=100, required=False)


class StageRenameForm(OpForm):
    stage = RowField()
    name = StageNameField()


class StageMoveForm(OpForm):
    stage = RowField()
    position = forms.IntegerField(min_value=0, max_value=100)


class StageDeleteForm(OpForm):
    stage = RowField()
    confirm = forms.BooleanField(required=False)


class LaneVisibleForm(OpForm):
    lane = RowField()
    visible = forms.BooleanField(required=False)


class BackstoryForm(OpForm):
    part = forms.ChoiceField(
        choices=[
            ("trigger", "trigger"),
            ("needs", "needs"),
            ("outcome", "outcome"),
            ("narrative", "narrative"),
        ]
    )
    text = forms.CharField(max_length=3000, required=False, strip=True)


class SwitchForm(OpForm):
    on = forms.BooleanField(required=False)


class EmotionRateForm(OpForm):
    stage = RowField()
    value = forms.IntegerField(min_value=-3, max_value=3)


class StageAnnotateForm(OpForm):
    stage = RowField()
    text = forms.CharField(max_length=300, required=False, strip=True)


class VoteStartForm(OpForm):
    lane = RowField()
    budget = forms.IntegerField(min_value=1, max_value=10, required=False)
    stacking = forms.BooleanField(required=False)
    minutes = forms.IntegerField(min_value=1, max_value=60, required=False)

    def clean_budget(self) -> int:
        return self.cleaned_data["budget"] or 3


class VoteCastForm(OpForm):
    sticky = RowField()
    add = forms.BooleanField(required=False)


class MetricAddForm(OpForm):
    stage = RowField()
    kind = forms.ChoiceField(choices=MetricKind.choices)
    label = forms.CharField(max_length=60, required=False, strip=True)
    value = forms.DecimalField(max_digits=12, decimal_places=2)
    unit = forms.CharField(max_length=20, required=False, strip=True)
    source = forms.CharField(max_length=200, required=False, strip=True)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("kind") == MetricKind.CUSTOM and not cleaned.get("label"):
            self.add_error("label", _("Name the figure you are adding."))
        return cleaned


class MetricRemoveForm(OpForm):
    metric = RowField()


class InsightAddForm(OpForm):
    question = forms.ChoiceField(choices=BigQuestion.choices)
    text = StickyText()


class InsightRemoveForm(OpForm):
    insight = RowField()
