"""The forms of the ordinary pages: signing up and in, making and joining a workshop, preparing
it (persona, scope), importing and duplicating a map. The live ops' payloads are in
workshops.op_forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from maps.models import (
    JourneyMap,
    MapKind,
    Persona,
)
from maps.personas import MAX_MORE
from maps.vocabulary import BACKSTORY_LABELS
from workshops.models import CODE_LENGTH, normalize_code


class SignupForm(UserCreationForm):
    # The name the team sees in the room and on the summary; without it a facilitator would
    # appear by their login name.
    first_name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        help_text=_("How the team sees you in the room, e.g. “Olivia Chen”."),
    )

    class Meta(UserCreationForm.Meta):
        fields = ("first_name", "username")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The form starts where the person does: at their name.
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["first_name"].widget.attrs["autofocus"] = True


class LoginForm(AuthenticationForm):
    """Django's login form, which sets the username's length only on the widget: a longer one
    went on to a failed-login record (django-axes) that cannot hold it, a 500 on PostgreSQL."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class WorkshopCreateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of map"), choices=MapKind.choices, initial=MapKind.CURRENT_STATE)


class JoinCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Workshop code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
            }
        ),
    )

    def clean_code(self) -> str:
        code = normalize_code(self.cleaned_data["code"])
        if len(code) != CODE_LENGTH:
            raise forms.ValidationError(_("A workshop code has 6 letters and digits."))
        return code


class JoinNameForm(forms.Form):
    display_name = forms.CharField(
        label=_("Your name"),
        max_length=40,
        help_text=_("How the others will see you. No account or password needed."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )

    def clean_display_name(self) -> str:
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name:
            raise forms.ValidationError(_("Please enter a name."))
        return name


# -- preparation (ordinary pages, not live) -------------------------------------------------


class PersonaForm(forms.ModelForm):
    class Meta:
        model = Persona
        fields = ["name", "role", "quote", "description", "goals", "needs", "motivations", "pains"]
        widgets = {
            field: forms.Textarea(attrs={"rows": 3})
            for field in ["description", "goals", "needs", "motivations", "pains"]
        }


class ScopeForm(forms.ModelForm):
    class Meta:
        model = JourneyMap
        fields = [
            "persona",
            "more_personas",
            "scenario",
            "goal",
            "journey_start",
            "journey_end",
            "trigger",
            "needs",
            "outcome",
            "narrative",
        ]
        widgets = {
            **{
                field: forms.Textarea(attrs={"rows": 3})
                for field in ["scenario", "goal", "trigger", "needs", "outcome", "narrative"]
            },
            "more_personas": forms.CheckboxSelectMultiple,
        }
        # The backstory's parts are named as the room names them.
        labels = dict(BACKSTORY_LABELS)
        help_texts = {
            "scenario": _("One situation, e.g. “a project manager trials the tool for her team”."),
            "journey_start": _("The moment the journey begins, e.g. “clicks Try”."),
            "journey_end": _("The moment it ends, e.g. “decides to buy, or not”."),
            "more_personas": _(
                "Usually none: one persona keeps a map specific. Add one when the journey is "
                "shared, like who buys and who uses; notes and ratings can then say whom they "
                "concern, and the board can show one persona at a time."
            ),
        }

    def __init__(self, *args: Any, owner: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        personas = Persona.objects.filter(owner=owner)
        self.fields["persona"].queryset = personas
        self.fields["persona"].empty_label = _("No persona yet")
        self.fields["persona"].help_text = (
            _("From your persona library (Personas, in the header).")
            if personas.exists()
            else _(
                "Your persona library is empty: add a persona under Personas, in the header, "
                "then choose it here."
            )
        )
        self.fields["more_personas"].queryset = personas

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        main, more = data.get("persona"), data.get("more_personas")
        if more is None:
            return data
        more = [p for p in more if main is None or p.pk != main.pk]
        if more and main is None:
            self.add_error("more_personas", _("Choose the main persona first."))
        elif len(more) > MAX_MORE:
            self.add_error(
                "more_personas",
                _("A map names at most %(count)d personas besides the main one.") % {"count": MAX_MORE},
            )
        data["more_personas"] = more
        return data


# -- the map's life after the workshop ------------------------------------------------------


class MapImportForm(forms.Form):
    file = forms.FileField(
        label=_("Journeymap export (.json)"),
        help_text=_("A file downloaded with “Download: JSON”. It becomes a new map with its own workshop."),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )


class MapDuplicateForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of the new map"), choices=MapKind.choices, initial=MapKind.FUTURE_STATE
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False, strip=True)
