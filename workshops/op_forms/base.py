"""What every op's payload form is made of: the form that looks rows up in the sender's
workshop, the fields that name rows, and ids and numbers written in ASCII."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from maps.models import (
    Insight,
    Lane,
    Persona,
    Stage,
    StageMetric,
    Sticky,
)
from workshops import selectors
from workshops.models import Participant, Workshop


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
        if name in ("step", "participant", "removal", "stage", "lane", "metric", "insight", "persona"):
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
        if name == "persona":  # the map's main persona or one of its others (maps.personas)
            map_id = workshop.journey_map_id
            return Persona.objects.filter(Q(journey_maps__pk=map_id) | Q(also_on_maps__pk=map_id)).distinct()
        notes = Sticky.objects.filter(journey_map_id=workshop.journey_map_id)
        if not self.deleted_notes:
            notes = notes.filter(deleted_at=None)
        return notes.filter(Q(hidden=False) | Q(author_id=self.by.user_id if self.by else None))


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


class DayField(forms.DateField):
    """A day written as a date input sends it (2027-01-15, in ASCII), or empty; anything else
    (a number, a list, another script's digits) is refused as not a date."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(input_formats=["%Y-%m-%d"], **kwargs)

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        if not isinstance(value, str) or not value.isascii():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


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
        found = [super(RowsField, self).to_python(item) for item in value]
        if None in found:  # an empty item (null, "") names no row
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": ""}
            )
        return list({row.pk: row for row in found}.values())
