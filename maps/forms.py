from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from maps.models import ShareLink


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


def start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class ShareLinkForm(forms.ModelForm):
    expires_on = forms.DateField(
        label=_("Stops working on (optional)"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for a link that works until you revoke it."),
    )

    class Meta:
        model = ShareLink
        fields = ["label"]
        help_texts = {"label": _("For example: the leadership team. Only you see this.")}

    def clean_expires_on(self) -> date | None:
        day = self.cleaned_data["expires_on"]
        if day is not None and day <= timezone.localdate():
            raise forms.ValidationError(_("Pick a day after today."))
        return day

    def expires_at(self) -> datetime | None:
        """A link given a day works through that whole day."""
        day = self.cleaned_data["expires_on"]
        return start_of(day) + timedelta(days=1) if day else None


class ChangesSinceForm(forms.Form):
    since = forms.DateField(label=_("Changed since"), widget=DateInput())

    def since_start(self) -> datetime:
        return start_of(self.cleaned_data["since"])
