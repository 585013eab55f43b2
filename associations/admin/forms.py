"""The forms of the review steps, of the bulk refusal and of an association's page."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from associations.forms import AssociationForm
from associations.models import DECISION_MAX, Application, Association
from core.textlimits import TextLimitsMixin


def decision_text(label, *, rows: int, help_text, required_message=None) -> forms.CharField:
    """A text sent to the association and kept in the history: optional unless ``required_message`` is given."""
    return forms.CharField(
        label=label,
        required=required_message is not None,
        max_length=DECISION_MAX,
        widget=forms.Textarea(attrs={"rows": rows, "cols": 60}),
        help_text=help_text,
        error_messages={"required": required_message} if required_message is not None else None,
    )


class ReviewForm(TextLimitsMixin, forms.Form):
    def __init__(self, *args, application: Application, **kwargs):
        self.application = application
        super().__init__(*args, **kwargs)


def clamp_to_campaign(application: Application, quantity: int | None) -> int:
    campaign = application.campaign
    if quantity is None:
        return campaign.min_per_association
    return max(campaign.min_per_association, min(campaign.max_per_association, quantity))


class ApproveForm(ReviewForm):
    granted = forms.IntegerField(label=gettext_lazy("Ordinateurs accordés"))
    priority = forms.TypedChoiceField(
        label=gettext_lazy("Priorité de distribution"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=gettext_lazy("1 est servie en premier. « Inchangée » garde la priorité actuelle."),
    )
    note = decision_text(
        gettext_lazy("Message à l'association"),
        rows=4,
        help_text=gettext_lazy("Facultatif : joint à l'e-mail d'acceptation et gardé dans l'historique."),
    )

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, application=application, **kwargs)
        campaign = application.campaign
        low, high = campaign.min_per_association, campaign.max_per_association
        granted = self.fields["granted"]
        granted.min_value, granted.max_value = low, high
        granted.validators += [MinValueValidator(low), MaxValueValidator(high)]
        granted.widget.attrs.update({"min": low, "max": high})
        granted.initial = clamp_to_campaign(application, application.requested_quantity)
        granted.help_text = _("Demandés : %(requested)s. Pour cette campagne : entre %(min)s et %(max)s.") % {
            "requested": application.requested_quantity if application.requested_quantity is not None else "–",
            "min": low,
            "max": high,
        }
        granted.error_messages.update(
            {
                "min_value": _("Accordez au moins %(limit_value)s ordinateurs (minimum de la campagne)."),
                "max_value": _("Accordez au plus %(limit_value)s ordinateurs (maximum de la campagne)."),
                "required": _("Indiquez le nombre d'ordinateurs accordés."),
                "invalid": _("Indiquez un nombre entier."),
            }
        )
        self.fields["priority"].choices = [
            ("", _("Inchangée (%(current)s)") % {"current": application.get_priority_display()})
        ]
        self.fields["priority"].choices += list(Application.Priority.choices)


class RejectForm(ReviewForm):
    reason = decision_text(
        gettext_lazy("Motif du refus"),
        rows=5,
        help_text=gettext_lazy("Obligatoire : il est envoyé à l'association et gardé dans l'historique."),
        required_message=gettext_lazy("Le motif du refus est obligatoire : il est envoyé à l'association."),
    )


class WaitlistForm(ReviewForm):
    note = decision_text(
        gettext_lazy("Message à l'association"),
        rows=4,
        help_text=gettext_lazy("Facultatif : pourquoi la candidature attend (stock, vague suivante…)."),
    )


class RequestInfoForm(ReviewForm):
    message = decision_text(
        gettext_lazy("Question à l'association"),
        rows=6,
        help_text=gettext_lazy(
            "Envoyée par e-mail et affichée dans l'espace de l'association, qui répond dans le portail."
        ),
        required_message=gettext_lazy("Écrivez la question à poser à l'association."),
    )


class BulkRejectForm(TextLimitsMixin, forms.Form):
    reason = decision_text(
        gettext_lazy("Motif du refus (le même pour toutes)"),
        rows=5,
        help_text=gettext_lazy("Envoyé à chaque association et gardé dans l'historique de chaque candidature."),
        required_message=gettext_lazy("Le motif du refus est obligatoire : il est envoyé aux associations."),
    )


class AssociationAdminForm(forms.ModelForm):
    """Same normalisation of RNA/SIRET and same messages as the association space's form."""

    # Wider than the model: people paste numbers with spaces and dots, removed before validation.
    rna = AssociationForm.base_fields["rna"]
    siret = AssociationForm.base_fields["siret"]

    class Meta:
        model = Association
        fields = AssociationForm.Meta.fields
        widgets = {"missions": forms.CheckboxSelectMultiple, "description": forms.Textarea(attrs={"rows": 3})}

    clean_rna = AssociationForm.clean_rna
    clean_siret = AssociationForm.clean_siret

    def clean(self):
        data = super().clean()
        if "rna" in self.fields and "siret" in self.fields and not data.get("rna") and not data.get("siret"):
            if "rna" not in self.errors and "siret" not in self.errors:
                self.add_error("rna", _("Indiquez le numéro RNA ou le numéro SIRET de l'association."))
        return data
