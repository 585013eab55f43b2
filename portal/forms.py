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


class DonorAddressForm(TextLimitsMixin, forms.Form):
    """The donor's head office address, printed on the in-kind gift receipts; the service checks it again."""

    address = forms.CharField(
        label=gettext_lazy("Adresse du siège (imprimée sur les reçus fiscaux)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control", "autocomplete": "street-address"}),
        help_text=gettext_lazy("Par exemple : 111 quai du Président Roosevelt, 92130 Issy-les-Moulineaux."),
    )


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


class CollectionForm(TextLimitsMixin, forms.Form):
    """A donor's proposal to have a lot collected (/donor/.../collection/); with ``new_lot``, it announces the lot
    (how many computers, which models). The slots are a formset of ``CollectionSlotForm``."""

    expected_count = forms.IntegerField(
        label=gettext_lazy("Nombre d'ordinateurs à collecter"),
        min_value=1,
        max_value=100_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
        error_messages={"invalid": gettext_lazy("Indiquez un nombre entier d'ordinateurs, par exemple 120.")},
    )
    models_description = forms.CharField(
        label=gettext_lazy("Modèles"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("Marques, modèles, écrans ou claviers fournis : ce que vous savez."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    site_address = forms.CharField(
        label=gettext_lazy("Adresse du site d'enlèvement"),
        max_length=300,
        help_text=gettext_lazy("Reprise dans chaque créneau dont l'adresse est laissée vide."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    contact_name = forms.CharField(
        label=gettext_lazy("Personne à contacter sur place"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact_phone = forms.CharField(
        label=gettext_lazy("Téléphone sur place"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    contact_email = forms.EmailField(
        label=gettext_lazy("E-mail de contact"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, new_lot: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not new_lot:
            self.fields["expected_count"].required = False
            self.fields["expected_count"].help_text = gettext_lazy("Laissez vide pour garder le nombre déjà annoncé.")

    def clean(self):
        from inventory.collection_services import text_errors

        cleaned = super().clean()
        for name in ("models_description", "site_address", "contact_name", "contact_phone"):
            problem = text_errors(cleaned.get(name) or "")
            if problem:
                self.add_error(name, problem)
        return cleaned


class CollectionSlotForm(TextLimitsMixin, forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Jour"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Indiquez une date, par exemple 14/03/2027.")},
    )
    starts_at = forms.TimeField(
        label=gettext_lazy("De"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": gettext_lazy("Indiquez une heure, par exemple 09:30.")},
    )
    ends_at = forms.TimeField(
        label=gettext_lazy("À"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": gettext_lazy("Indiquez une heure, par exemple 12:00.")},
    )
    address = forms.CharField(label=gettext_lazy("Adresse, si elle diffère du site"), required=False, max_length=300)
    access_notes = forms.CharField(
        label=gettext_lazy("Accès"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("Quai, étage, code d'accès, badge à demander…"),
    )


class BaseCollectionSlotFormSet(forms.BaseFormSet):
    """Up to five slots; empty rows are skipped; the service's rules (past, order, overlaps) shown beside each
    field."""

    default_error_messages = {
        **forms.BaseFormSet.default_error_messages,
        "too_many_forms": gettext_lazy("Proposez au plus %(num)d créneaux."),
    }

    def clean(self):
        from inventory.collection_services import slot_errors

        if any(form.errors for form in self.forms):
            return
        filled = [form for form in self.forms if form.has_changed()]
        slots = [{**form.cleaned_data, "address": form.cleaned_data.get("address") or "-"} for form in filled]
        for index, field, message in slot_errors(slots):
            if index is None:
                raise ValidationError(message)
            filled[index].add_error(field, message)

    def slots(self, default_address: str) -> list[dict]:
        return [
            {**form.cleaned_data, "address": form.cleaned_data.get("address") or default_address}
            for form in self.forms
            if form.has_changed()
        ]


def collection_slot_formset(data=None):
    from inventory.models import COLLECTION_MAX_SLOTS

    FormSet = forms.formset_factory(
        CollectionSlotForm,
        formset=BaseCollectionSlotFormSet,
        extra=COLLECTION_MAX_SLOTS,
        max_num=COLLECTION_MAX_SLOTS,
        absolute_max=COLLECTION_MAX_SLOTS,
        validate_max=True,
    )
    return FormSet(data, prefix="slots")
