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
    above_request = forms.BooleanField(
        label=gettext_lazy("Accorder plus que demandé"),
        required=False,
        help_text=gettext_lazy("À cocher pour confirmer un nombre accordé supérieur à la demande."),
    )

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, application=application, **kwargs)
        bounded_granted_field(self.fields["granted"], application)
        self.fields["granted"].initial = clamp_to_campaign(application, application.requested_quantity)
        self.fields["priority"].choices = [
            ("", _("Inchangée (%(current)s)") % {"current": application.get_priority_display()})
        ]
        self.fields["priority"].choices += list(Application.Priority.choices)

    @property
    def ceiling_without_confirmation(self) -> int:
        """What may be granted without ticking « plus que demandé »: the request, or the campaign's minimum
        when the request is below it (the grant cannot be lower)."""
        return max(self.application.requested_quantity or 0, self.application.campaign.min_per_association)

    def clean(self):
        data = super().clean()
        granted = data.get("granted")
        if granted is not None and granted > self.ceiling_without_confirmation and not data.get("above_request"):
            self.add_error(
                "granted",
                _(
                    "L'association demande %(requested)s ordinateurs et vous en accordez %(granted)s : "
                    "cochez « Accorder plus que demandé » pour confirmer, ou corrigez le nombre."
                )
                % {"requested": self.application.requested_quantity, "granted": granted},
            )
        return data


def bounded_granted_field(field: forms.IntegerField, application: Application) -> None:
    """A granted quantity within the campaign's bounds, with the request and the bounds in its help text."""
    campaign = application.campaign
    low, high = campaign.min_per_association, campaign.max_per_association
    field.min_value, field.max_value = low, high
    field.validators += [MinValueValidator(low), MaxValueValidator(high)]
    field.widget.attrs.update({"min": low, "max": high})
    field.help_text = _("Demandés : %(requested)s. Pour cette campagne : entre %(min)s et %(max)s.") % {
        "requested": application.requested_quantity if application.requested_quantity is not None else "–",
        "min": low,
        "max": high,
    }
    field.error_messages.update(
        {
            "min_value": _("Accordez au moins %(limit_value)s ordinateurs (minimum de la campagne)."),
            "max_value": _("Accordez au plus %(limit_value)s ordinateurs (maximum de la campagne)."),
            "required": _("Indiquez le nombre d'ordinateurs accordés."),
            "invalid": _("Indiquez un nombre entier."),
        }
    )


class ChangeGrantForm(ReviewForm):
    granted = forms.IntegerField(label=gettext_lazy("Nouvelle quantité accordée"))
    reason = decision_text(
        gettext_lazy("Raison de la correction"),
        rows=4,
        help_text=gettext_lazy("Obligatoire : envoyée à l'association et gardée dans l'historique."),
        required_message=gettext_lazy("Indiquez la raison de la correction : elle est envoyée à l'association."),
    )

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, application=application, **kwargs)
        bounded_granted_field(self.fields["granted"], application)
        self.fields["granted"].initial = application.granted_quantity


class ReopenForm(ReviewForm):
    reason = decision_text(
        gettext_lazy("Pourquoi rouvrir la décision"),
        rows=4,
        help_text=gettext_lazy(
            "Obligatoire : envoyé à l'association et gardé dans l'historique. La candidature revient « en cours "
            "d'examen » et la quantité accordée est effacée."
        ),
        required_message=gettext_lazy("Indiquez pourquoi la décision est rouverte : c'est envoyé à l'association."),
    )


class MessageForm(ReviewForm):
    message = decision_text(
        gettext_lazy("Message à l'association"),
        rows=6,
        help_text=gettext_lazy(
            "Envoyé par e-mail et affiché dans l'espace de l'association ; le statut de la candidature ne change pas."
        ),
        required_message=gettext_lazy("Écrivez le message à envoyer à l'association."),
    )


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


class BulkWaitlistForm(TextLimitsMixin, forms.Form):
    note = decision_text(
        gettext_lazy("Message aux associations (le même pour toutes)"),
        rows=4,
        help_text=gettext_lazy("Facultatif : pourquoi les candidatures attendent (stock, vague suivante…)."),
    )


class BulkRequestInfoForm(TextLimitsMixin, forms.Form):
    message = decision_text(
        gettext_lazy("Question aux associations (la même pour toutes)"),
        rows=6,
        help_text=gettext_lazy("Envoyée par e-mail à chaque association, qui répond dans le portail."),
        required_message=gettext_lazy("Écrivez la question à poser aux associations."),
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
