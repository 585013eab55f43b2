from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from associations.documents import ATTACHMENT_ACCEPT, display_name, validate_attachment, validate_pdf_document
from associations.models import MESSAGE_MAX, Application, Association, Mission
from associations.services import EDITABLE_FIELDS
from associations.validators import normalize_rna, normalize_siret, validate_rna, validate_siret
from core.sizes import file_size
from core.textlimits import TextLimitsMixin
from core.uploads import KeepsUploadsMixin


class BaseForm(TextLimitsMixin, forms.Form):
    """Crispy helper without its own <form> tag: templates hold the form and its buttons."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class AssociationForm(TextLimitsMixin, forms.ModelForm):
    # Wider than the model: people type spaces and dots, removed before validation.
    rna = forms.CharField(
        label=Association._meta.get_field("rna").verbose_name,
        help_text=Association._meta.get_field("rna").help_text,
        max_length=20,
        required=False,
    )
    siret = forms.CharField(
        label=Association._meta.get_field("siret").verbose_name,
        help_text=Association._meta.get_field("siret").help_text,
        max_length=25,
        required=False,
    )
    missions = forms.ModelMultipleChoiceField(
        queryset=Mission.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Missions de l'association"),
        help_text=_("Cochez au moins une mission : ce sont les missions éligibles à la campagne."),
        error_messages={"required": _("Cochez au moins une mission.")},
    )

    class Meta:
        model = Association
        fields = [
            "legal_name",
            "acronym",
            "rna",
            "siret",
            "address",
            "postal_code",
            "city",
            "missions",
            "description",
            "beneficiaries_per_year",
            "staff_count",
            "volunteer_count",
            "contact_name",
            "contact_role",
            "contact_email",
            "contact_phone",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.fields["postal_code"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "postal-code"})
        self.fields["address"].widget.attrs["autocomplete"] = "street-address"
        self.fields["contact_email"].widget.attrs["autocomplete"] = "email"
        self.fields["contact_phone"].widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})
        self.fields["rna"].widget.attrs["placeholder"] = "W133012345"

    def clean_rna(self):
        value = normalize_rna(self.cleaned_data.get("rna", ""))
        if value:
            validate_rna(value)
        return value

    def clean_siret(self):
        value = normalize_siret(self.cleaned_data.get("siret", ""))
        if value:
            validate_siret(value)
        return value

    def clean(self):
        data = super().clean()
        if not data.get("rna") and not data.get("siret") and "rna" not in self.errors and "siret" not in self.errors:
            self.add_error("rna", _("Indiquez le numéro RNA ou le numéro SIRET de l'association."))
        return data


class KeepsDocumentsMixin(KeepsUploadsMixin):
    """Files that passed their checks are kept after a refusal (core.uploads), shown under a safe name."""

    def held_display_name(self, upload) -> str:
        return display_name(upload.name)


class ApplicationForm(KeepsDocumentsMixin, TextLimitsMixin, forms.ModelForm):
    """One form for the draft and the submission: the button pressed decides.

    Takes ``holder=user``: the PDFs chosen are kept when the form is refused for another field (core.uploads).
    """

    kept_file_fields = ("statutes", "activity_report")
    consent = forms.BooleanField(required=False)

    class Meta:
        model = Application
        fields = EDITABLE_FIELDS
        widgets = {
            "project": forms.Textarea(attrs={"rows": 4}),
            "premises_details": forms.Textarea(attrs={"rows": 2}),
            # Not ClearableFileInput: it prints the storage's URL of the current file (on S3, a signed bucket
            # address usable by anyone who gets it). The page links the file through the access-checked view.
            "statutes": forms.FileInput(attrs={"accept": "application/pdf"}),
            "activity_report": forms.FileInput(attrs={"accept": "application/pdf"}),
        }

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.helper = FormHelper()
        self.helper.form_tag = False
        bounds = {"min": campaign.min_per_association, "max": campaign.max_per_association}
        quantity = self.fields["requested_quantity"]
        quantity.help_text = _("Entre %(min)s et %(max)s ordinateurs pour cette campagne.") % bounds
        quantity.widget.attrs.update({"min": bounds["min"], "max": bounds["max"]})
        self.fields["public_use_quantity"].help_text = _("Ateliers, formations, accès libre.")
        self.fields["admin_use_quantity"].help_text = _("Secrétariat, comptabilité, bénévoles.")
        document_size = {"size": file_size(settings.MAX_DOCUMENT_SIZE)}
        for name in ("statutes", "activity_report"):
            self.fields[name].help_text = _("Fichier PDF, %(size)s au plus.") % document_size
        self.fields["consent"].widget.attrs["data-no-draft"] = ""  # a consent is given again, never restored
        self.fields["consent"].label = format_html(
            '{} <a href="{}">{}</a>.',
            _("J'accepte que les informations de cette candidature soient traitées pour la campagne, selon la"),
            reverse("privacy"),
            _("notice sur les données personnelles"),
        )

    def clean_statutes(self):
        upload = self.cleaned_data.get("statutes")
        if upload and hasattr(upload, "content_type"):
            validate_pdf_document(upload)
        return upload

    def clean_activity_report(self):
        upload = self.cleaned_data.get("activity_report")
        if upload and hasattr(upload, "content_type"):
            validate_pdf_document(upload)
        return upload

    def clean(self):
        data = super().clean()
        requested = data.get("requested_quantity")
        low, high = self.campaign.min_per_association, self.campaign.max_per_association
        if requested is not None and not low <= requested <= high:
            self.add_error(
                "requested_quantity",
                _("Pour cette campagne, demandez entre %(min)s et %(max)s ordinateurs.") % {"min": low, "max": high},
            )
        public, admin = data.get("public_use_quantity"), data.get("admin_use_quantity")
        if requested is not None and public is not None and admin is not None and public + admin != requested:
            self.add_error(
                "public_use_quantity",
                _("La répartition (%(public)s + %(admin)s) doit faire le total demandé (%(requested)s).")
                % {"public": public, "admin": admin, "requested": requested},
            )
        return data

    def service_fields(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields if name in self.cleaned_data}


class AnswerForm(KeepsDocumentsMixin, BaseForm):
    """A message to the campaign team (or the answer to its question), with one PDF or photo if needed."""

    kept_file_fields = ("attachment",)

    body = forms.CharField(
        label=_("Votre message"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MESSAGE_MAX,
        error_messages={"required": _("Écrivez votre message.")},
    )
    attachment = forms.FileField(
        label=_("Pièce jointe (facultatif)"),
        required=False,
        help_text=_("Un PDF, ou une photo JPEG ou PNG, 5 Mo au plus."),
        widget=forms.FileInput(attrs={"accept": ATTACHMENT_ACCEPT}),
    )

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload:
            validate_attachment(upload)
        return upload


class JoinRequestForm(BaseForm):
    message = forms.CharField(
        label=_("Un mot pour les membres de l'association"),
        help_text=_("Présentez-vous : votre rôle dans l'association, qui vous connaît parmi ses membres."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
    )


class InvitationForm(BaseForm):
    email = forms.EmailField(
        label=_("Adresse e-mail de la personne à inviter"),
        max_length=254,
        error_messages={"required": _("Indiquez l'adresse e-mail de la personne à inviter.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "off"


class RefuseJoinRequestForm(BaseForm):
    reason = forms.CharField(
        label=_("Motif (facultatif, envoyé à la personne)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        required=False,
    )
