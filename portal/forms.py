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


class DonorOfferForm(TextLimitsMixin, forms.ModelForm):
    """The public offer of computers (/donate/); the service checks it again and saves it."""

    # Typed with spaces or dots as printed on a Kbis (« 732 829 320 00074 »): normalised, then checked.
    siret = forms.CharField(
        label=gettext_lazy("SIRET"),
        max_length=20,
        help_text=gettext_lazy("14 chiffres, sur un extrait Kbis."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    class Meta:
        from campaigns.models import DonorOffer

        model = DonorOffer
        fields = DonorOffer.OFFERED_FIELDS
        widgets = {
            "available_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "models_description": forms.Textarea(attrs={"rows": 3}),
            "units": forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
            "contact_email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "contact_phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "contact_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "company_name": forms.TextInput(attrs={"autocomplete": "organization"}),
        }

    def __init__(self, *args, **kwargs):
        from campaigns.models import Campaign

        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.filter(status=Campaign.Status.OPEN).order_by("name")
        self.fields["campaign"].empty_label = None
        self.fields["campaign"].label = gettext_lazy("Campagne à laquelle vous donnez")
        self.fields["units"].error_messages["invalid"] = gettext_lazy(
            "Indiquez un nombre entier d'ordinateurs, par exemple 120."
        )

    def clean_siret(self):
        from campaigns.validators import normalize_siret, validate_siret

        siret = normalize_siret(self.cleaned_data["siret"])
        validate_siret(siret)
        return siret
