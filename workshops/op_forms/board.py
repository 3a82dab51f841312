"""The map's op payloads: notes, folds, stages, lanes, the backstory, the emotion line, votes,
figures and the big-picture answers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from maps.models import (
    STICKY_MAX_LENGTH,
    BigQuestion,
    Channel,
    Colour,
    Evidence,
    Lane,
    MetricKind,
    OpportunityStatus,
    Severity,
    Stage,
    Sticky,
)
from maps.selectors import lane_label
from maps.services.folding import MAX_FOLD
from workshops import selectors
from workshops.op_forms.base import MAX_ID, DayField, OpForm, RowField, RowsField, as_id


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
    persona = RowField(required=False)  # the persona the board shows, if it shows one


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
    due_on = DayField(required=False)
    persona = RowField(required=False)  # empty: the note concerns every persona

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


class StickySettleForm(OpForm):
    """What settled an assumption once checked: the level it rests on now, and where from."""

    sticky = RowField()
    evidence = forms.ChoiceField(choices=[(e.value, e.label) for e in (Evidence.RESEARCH, Evidence.ANECDOTE)])
    source = forms.CharField(
        max_length=200, strip=True, error_messages={"required": _("Say where the evidence comes from.")}
    )
    note = forms.CharField(max_length=STICKY_MAX_LENGTH, required=False, strip=True)


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


class EmotionRateForm(OpForm):
    stage = RowField()
    value = forms.IntegerField(min_value=-3, max_value=3)
    persona = RowField(required=False)  # whose feeling: empty is the main persona's


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


class SpotlightForm(OpForm):
    """What to bring everyone to: "stage-ID", "cell-STAGE-LANE" or "sticky-ID" (the ids the page
    gives them), of this workshop's map and visible to the whole room; "" ends the spotlight.
    Cleans to the target and the room's name for it."""

    target = forms.CharField(max_length=60, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        target = data.get("target") or ""
        data["label"] = ""
        if not target:
            return data
        kind, _dash, rest = target.partition("-")
        ids = [as_id(part) for part in rest.split("-")]
        map_id = self.workshop.journey_map_id
        label = None
        if None in ids:
            pass
        elif kind == "stage" and len(ids) == 1:
            label = (
                Stage.objects.filter(journey_map_id=map_id, pk=ids[0]).values_list("name", flat=True).first()
            )
        elif kind == "cell" and len(ids) == 2:
            stage = Stage.objects.filter(journey_map_id=map_id, pk=ids[0]).first()
            lane = Lane.objects.filter(journey_map_id=map_id, pk=ids[1], visible=True).first()
            label = f"{lane_label(lane)} · {stage.name}" if stage and lane else None
        elif kind == "sticky" and len(ids) == 1:
            note = Sticky.objects.filter(
                journey_map_id=map_id, pk=ids[0], deleted_at=None, hidden=False
            ).first()
            label = note.text[:80] if note else None
        if label is None:
            raise forms.ValidationError(_("Choose a stage, a cell or a note of this board."), code="invalid")
        data["label"] = str(label)
        return data


class WhyStartForm(OpForm):
    stage = RowField()
    minutes = forms.IntegerField(min_value=1, max_value=15, required=False)


class EmotionReasonForm(OpForm):
    stage = RowField()
    text = StickyText()
