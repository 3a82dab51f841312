"""The room's op payloads: the timer, the agenda, people, joining and the board's switches."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from workshops.models import Role
from workshops.op_forms.base import OpForm, RowField, as_id
from workshops.services import MAX_TIME_BOX_MINUTES


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


class SwitchForm(OpForm):
    on = forms.BooleanField(required=False)
