"""The counter's form: recording a signed handover. Field checks only; the rules live in the service."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates import services


class PadsOrPaperForm(forms.Form):
    """A form signed either on the two pads (``association_signature``, ``operator_signature``: the pads' images
    as data URLs) or on paper (``signed_scan``), as its field ``mode`` (``signature_mode``) says. ``scan_missing``:
    the error when the paper mode comes without its scan."""

    SCREEN, PAPER = "screen", "paper"
    PADS = ("association_signature", "operator_signature")
    scan_missing = ""

    association_signature = forms.CharField(required=False, widget=forms.HiddenInput)
    operator_signature = forms.CharField(required=False, widget=forms.HiddenInput)

    @classmethod
    def signature_mode(cls, *, screen: str, paper: str) -> forms.ChoiceField:
        """The field ``mode``: ``screen`` and ``paper``, the words of its two choices."""
        return forms.ChoiceField(
            label=gettext_lazy("Signature"),
            choices=[(cls.SCREEN, screen), (cls.PAPER, paper)],
            initial=cls.SCREEN,
            widget=forms.RadioSelect,
        )

    def clean(self):
        data = super().clean()
        if data.get("mode") == self.PAPER and not data.get("signed_scan") and "signed_scan" not in self.errors:
            self.add_error("signed_scan", self.scan_missing)
        return data

    def pad_signatures(self) -> dict:
        """The pads' images decoded (None for an empty pad); an image that does not decode raises a ValidationError
        naming its pad."""
        data = self.cleaned_data
        return {
            field: services.decode_data_url(data[field], field=field) if data.get(field) else None
            for field in self.PADS
        }


class RecordHandoverForm(PadsOrPaperForm):
    scan_missing = gettext_lazy("Joignez le scan de l'attestation signée sur papier.")

    handed_over_on = forms.DateField(
        label=gettext_lazy("Date de la remise"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    representative_name = forms.CharField(
        label=gettext_lazy("Nom du représentant de l'association"),
        max_length=150,
        help_text=gettext_lazy("La personne présente au guichet, qui signe pour l'association."),
    )
    mode = PadsOrPaperForm.signature_mode(
        screen=gettext_lazy("Signée à l'écran (tablette, stylet ou doigt)"),
        paper=gettext_lazy("Signée sur papier : je joins le scan"),
    )
    signed_scan = forms.FileField(
        label=gettext_lazy("Scan de l'attestation signée"),
        required=False,
        help_text=gettext_lazy("PDF, JPEG ou PNG, 10 Mo au plus."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )
    refused_computers = forms.MultipleChoiceField(
        label=gettext_lazy("Ordinateurs refusés à la remise"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Cochez seulement les ordinateurs que l'association refuse : ils retournent en stock."),
    )
    refusal_note = forms.CharField(
        label=gettext_lazy("Motif du refus"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    confirm_early = forms.BooleanField(
        label=gettext_lazy("L'association vient avant la date de son rendez-vous : je confirme la remise aujourd'hui"),
        required=False,
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["refused_computers"].choices = [
            (str(c.pk), f"{c.asset_tag} – {c.manufacturer} {c.model} – {c.serial_number}") for c in units
        ]
        if not self.is_bound:
            self.initial.setdefault("handed_over_on", timezone.localdate())

    def clean_representative_name(self):
        value = self.cleaned_data["representative_name"]
        if "\x00" in value:
            raise forms.ValidationError(_("Ce texte contient un caractère non autorisé."))
        return value

    def clean_refusal_note(self):
        value = self.cleaned_data["refusal_note"]
        if "\x00" in value:
            raise forms.ValidationError(_("Ce texte contient un caractère non autorisé."))
        return value

    def clean_signed_scan(self):
        upload = self.cleaned_data.get("signed_scan")
        if upload and upload.size > services.MAX_SCAN_BYTES:
            raise forms.ValidationError(
                _("Le fichier dépasse %(n)s Mo.") % {"n": services.MAX_SCAN_BYTES // (1024 * 1024)}
            )
        return upload

    def service_arguments(self) -> dict:
        """Arguments of ``handover_record`` (decoding the pads' images may raise a ValidationError)."""
        data = self.cleaned_data
        arguments = {
            "handed_over_on": data["handed_over_on"],
            "representative_name": data["representative_name"],
            "refused_computer_ids": [int(pk) for pk in data.get("refused_computers") or []],
            "refusal_note": data.get("refusal_note", ""),
            "before_appointment_confirmed": bool(data.get("confirm_early")),
        }
        if data["mode"] == self.PAPER:
            arguments["scan"] = data["signed_scan"].read()
        else:
            arguments.update(self.pad_signatures())
        return arguments


class VerifyLookupForm(forms.Form):
    """The public form of ``/verify/``: a certificate number or the code printed under the QR code."""

    q = forms.CharField(
        label=gettext_lazy("Numéro d'attestation ou code de vérification"),
        max_length=120,
        help_text=gettext_lazy(
            "Par exemple MARSEILLE-2026-V1-001, ou le code imprimé sous le QR code (K7QD-9M2X-4T8P). "
            "Majuscules, minuscules, espaces et tirets n'ont pas d'importance."
        ),
        error_messages={
            "required": gettext_lazy("Indiquez le numéro de l'attestation ou son code de vérification."),
            "max_length": gettext_lazy("Ce numéro est trop long : recopiez le numéro ou le code de l'attestation."),
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "inputmode": "text"}
        ),
    )
