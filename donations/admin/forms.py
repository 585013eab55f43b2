"""The forms of the donations admin: a wave, the plan page (quantities and removals, adding a line), an
allocation's appointment and its cancellation."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from core.forms import errors_to_form
from core.textlimits import TextLimitsMixin
from donations import services
from donations.models import Allocation, Wave

# A wave's handover settings: where, when and how many associations per slot (the wave page's « Remise » section).
WAVE_HANDOVER_FIELDS = (
    "handover_starts_on",
    "handover_ends_on",
    "place",
    "opening_hours",
    "slot_minutes",
    "desk_capacity",
)


class WaveAdminForm(forms.ModelForm):
    class Meta:
        model = Wave
        fields = ("campaign", "number", "name", "capacity", "is_final_lot", *WAVE_HANDOVER_FIELDS)

    def _post_clean(self):
        super()._post_clean()
        # ModelForm copies the cleaned data onto the instance in _post_clean: check after it.
        if not self.errors:
            try:
                services.wave_check(wave=self.instance)
            except ValidationError as exc:
                errors_to_form(self, exc)
            except DomainError as exc:
                self.add_error(None, str(exc))


class AddLineForm(forms.Form):
    application = forms.TypedChoiceField(label=gettext_lazy("Association"), coerce=int)
    quantity = forms.IntegerField(label=gettext_lazy("Quantité"), min_value=1)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].choices = [
            (
                c.application_id,
                _("%(name)s – accordé %(granted)s, reste %(left)s")
                % {
                    "name": c.association,
                    "granted": c.granted,
                    "left": c.remaining,
                },
            )
            for c in candidates
        ]


class PlanLinesForm(forms.Form):
    """The « save » form of the plan page: a quantity (``quantity_<id>``) and a remove box (``remove_<id>``) per line.

    The lines are those the POST names. Their bounds, the capacity and whether each line is still in the proposal
    are checked by ``wave_edit_plan``, which knows the other waves; a quantity that is not a whole number reaches it
    as ``None`` and is refused there, next to its line, as any other quantity out of bounds.
    """

    FIELD = re.compile(r"(quantity|remove)_(\d+)")

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.quantity_names: dict[int, str] = {}
        self.remove_names: dict[int, str] = {}
        for name in data:
            match = self.FIELD.fullmatch(name)
            if match is None:
                continue
            kind, pk = match[1], int(match[2])
            if kind == "quantity":
                self.fields[name] = forms.CharField(required=False, strip=False)
                self.quantity_names[pk] = name
            else:
                self.fields[name] = forms.BooleanField(required=False)
                self.remove_names[pk] = name

    def quantities(self) -> dict[int, int | None]:
        return {pk: _whole_number(self.cleaned_data[name]) for pk, name in self.quantity_names.items()}

    def removed(self) -> set[int]:
        return {pk for pk, name in self.remove_names.items() if self.cleaned_data[name]}

    def typed(self, pk: int, default):
        """What the user typed for a line's quantity (shown back next to an error), or ``default``."""
        name = self.quantity_names.get(pk)
        return default if name is None else self.data[name]


def _whole_number(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


class AllocationAdminForm(forms.ModelForm):
    """Only the appointment is edited here; saving it calls ``allocation_set_appointment``."""

    class Meta:
        model = Allocation
        fields = ("appointment_date", "appointment_start", "appointment_end", "appointment_place")
        widgets = {"appointment_place": forms.TextInput(attrs={"size": 60})}

    def _post_clean(self):
        # The model's constraints are checked by the service, which also writes the history row.
        pass


class CancelForm(TextLimitsMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Motif de l'annulation (envoyé à l'association)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
