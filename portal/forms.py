"""Forms of the portal's own pages (the apps' forms stay with their models)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.textlimits import TextLimitsMixin
from donations.models import APPOINTMENT_REQUEST_MAX


class SlotRequestForm(TextLimitsMixin, forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Quels jours et heures vous conviendraient ?"),
        max_length=APPOINTMENT_REQUEST_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_message(self):
        message = self.cleaned_data["message"]
        if "\x00" in message:
            raise ValidationError(_("Ce texte contient un caractère non autorisé."))
        return message
