from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DecimalInput, DecimalNumberField
from core.textlimits import TextLimitsMixin
from impact import services
from impact.models import (
    AGE_FIELDS,
    GENDER_FIELDS,
    MACHINE_FIELDS,
    RECEIPT_CANCEL_REASON_MAX,
    REOPEN_REASON_MAX,
    SITUATION_FIELDS,
    ImpactReport,
    ReceiptBasis,
)

_COUNT_ERRORS = {
    "min_value": _("Ce nombre ne peut pas être négatif."),
    "max_value": _("Ce nombre est trop grand."),
    "invalid": _("Indiquez un nombre entier, sans espace ni lettre."),
}


def _count(name: str, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=ImpactReport._meta.get_field(name).verbose_name,
        min_value=0,
        max_value=1_000_000,
        initial=0,
        required=False,
        help_text=help_text,
        error_messages=_COUNT_ERRORS,
        widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric", "class": "form-control"}),
    )


class ImpactReportForm(TextLimitsMixin, forms.Form):
    """What the association reports for a period. Counts only: no personal data about participants."""

    GROUPS = (
        ("activity", _("Ateliers et formations"), ("workshops_held", "workshop_hours", "people_trained")),
        ("ages", _("Personnes formées par âge"), AGE_FIELDS),
        ("genders", _("Personnes formées par genre"), GENDER_FIELDS),
        ("situations", _("Situation des personnes formées"), SITUATION_FIELDS),
        ("machines", _("Les ordinateurs reçus aujourd'hui"), MACHINE_FIELDS),
    )
    GROUP_HELP = {
        "ages": _("Facultatif. Le total ne peut pas dépasser le nombre de personnes formées."),
        "genders": _("Facultatif. Le total ne peut pas dépasser le nombre de personnes formées."),
        "situations": _(
            "Une personne peut être dans plusieurs situations ; chaque nombre reste inférieur ou égal "
            "au nombre de personnes formées."
        ),
        "machines": _("En service, en panne ou prêtés : le total ne peut pas dépasser les ordinateurs reçus."),
    }

    workshops_held = _count("workshops_held", _("Un atelier réunit en général 5 à 10 personnes."))
    workshop_hours = DecimalNumberField(
        label=ImpactReport._meta.get_field("workshop_hours").verbose_name,
        min_value=0,
        max_value=100_000,
        max_digits=7,
        decimal_places=1,
        initial=0,
        required=False,
        help_text=_("Par exemple 12,5 pour douze heures et demie."),
        error_messages={
            **_COUNT_ERRORS,
            "invalid": _("Indiquez un nombre d'heures, par exemple 12,5."),
            "max_decimal_places": _("Une décimale au plus, par exemple 12,5."),
            "max_digits": _("Ce nombre est trop grand."),
        },
        widget=DecimalInput(attrs={"class": "form-control"}),
    )
    people_trained = _count("people_trained", _("Chaque personne une seule fois sur la période."))
    age_under_26 = _count("age_under_26")
    age_26_59 = _count("age_26_59")
    age_60_74 = _count("age_60_74")
    age_75_plus = _count("age_75_plus")
    gender_women = _count("gender_women")
    gender_men = _count("gender_men")
    gender_other = _count("gender_other")
    situation_job_seekers = _count("situation_job_seekers")
    situation_seniors = _count("situation_seniors")
    situation_young_out_of_school = _count("situation_young_out_of_school")
    machines_in_use = _count("machines_in_use")
    machines_out_of_order = _count("machines_out_of_order")
    machines_lent = _count("machines_lent", _("Prêtés à des personnes accompagnées, pour travailler chez elles."))
    comment = forms.CharField(
        label=_("Commentaire"),
        required=False,
        max_length=4000,
        help_text=_("Ce qui a marché, ce qui manque. Ne nommez pas les personnes accompagnées."),
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
    )

    def __init__(self, *args, report: ImpactReport, **kwargs):
        self.report = report
        initial = {name: getattr(report, name) for name in services.EDITABLE_FIELDS}
        super().__init__(*args, initial=initial, **kwargs)

    def clean_comment(self):
        comment = self.cleaned_data.get("comment") or ""
        if "\x00" in comment:
            raise forms.ValidationError(_("Ce texte contient un caractère non autorisé."))
        return comment

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        values = {name: (data.get(name) or 0) for name in services.EDITABLE_FIELDS if name != "comment"}
        for field, message in services.check_counts(values, machines_received=self.report.machines_received).items():
            self.add_error(field, message)
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: (data.get(name) or 0) for name in services.EDITABLE_FIELDS if name != "comment"}
        fields["comment"] = data.get("comment") or ""
        return fields

    def groups(self):
        for key, title, names in self.GROUPS:
            yield {"key": key, "title": title, "help": self.GROUP_HELP.get(key, ""), "fields": [self[n] for n in names]}


class ReturnForm(TextLimitsMixin, forms.Form):
    message = forms.CharField(
        label=_("Ce que l'association doit corriger"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": _("Dites à l'association ce qu'elle doit corriger.")},
    )

    def clean_message(self):
        message = self.cleaned_data["message"].strip()
        if "\x00" in message:
            raise forms.ValidationError(_("Ce texte contient un caractère non autorisé."))
        if not message:
            raise forms.ValidationError(_("Dites à l'association ce qu'elle doit corriger."))
        return message


class ReopenRequestForm(TextLimitsMixin, forms.Form):
    """The association asks to correct a report it sent."""

    reason = forms.CharField(
        label=_("Ce que vous voulez corriger"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=REOPEN_REASON_MAX,
        help_text=_("Par exemple : « Nous avons oublié les ateliers de mars (3 ateliers, 24 personnes). »"),
        error_messages={"required": _("Dites ce que vous voulez corriger dans ce bilan.")},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Dites ce que vous voulez corriger dans ce bilan."))
        return reason


class ReopenDecisionForm(TextLimitsMixin, forms.Form):
    """Staff accept or refuse an association's request to correct a report."""

    ACCEPT, REFUSE = "accept", "refuse"

    decision = forms.ChoiceField(choices=[(ACCEPT, _("Rouvrir le bilan")), (REFUSE, _("Refuser la correction"))])
    message = forms.CharField(
        label=_("Message à l'association"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
        help_text=_("Facultatif pour rouvrir ; obligatoire pour refuser : dites pourquoi."),
    )

    def clean(self):
        data = super().clean()
        message = (data.get("message") or "").strip()
        data["message"] = message
        if data.get("decision") == self.REFUSE and not message and "message" not in self.errors:
            self.add_error("message", _("Dites à l'association pourquoi la correction est refusée."))
        return data


class ReceiptEligibilityForm(forms.Form):
    """The association's declaration that it may issue in-kind gift receipts (its own responsibility)."""

    eligible = forms.BooleanField(
        label=_(
            "Notre association est un organisme d'intérêt général qui peut recevoir des dons ouvrant droit à "
            "réduction d'impôt (articles 200 et 238 bis du Code général des impôts)."
        ),
        help_text=_(
            "En clair : votre association a un but non lucratif, une gestion désintéressée, ne fonctionne pas au "
            "profit d'un cercle restreint de personnes et mène une activité philanthropique, éducative, sociale, "
            "humanitaire… Elle seule est responsable de cette déclaration ; en cas de doute, interrogez les "
            "services fiscaux (procédure de rescrit)."
        ),
        error_messages={"required": _("Cochez la case pour déclarer que votre association est éligible.")},
    )
    basis = forms.ChoiceField(
        label=_("Fondement"),
        choices=ReceiptBasis.choices,
        initial=ReceiptBasis.GENERAL_INTEREST,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class LotValuationForm(forms.Form):
    unit_value = DecimalNumberField(
        label=_("Valeur d'un ordinateur de ce lot (en euros)"),
        widget=DecimalInput(attrs={"class": "form-control", "aria-describedby": "value-help"}),
        help_text=_(
            "La valeur que vous retenez pour un ordinateur de ce lot, par exemple 120 ou 85,50. Le portail "
            "n'invente aucune valeur : c'est votre déclaration, reprise telle quelle sur les reçus fiscaux."
        ),
        error_messages={
            "invalid": _("Indiquez une valeur en euros, par exemple 120 ou 12,50."),
            "required": _("Indiquez la valeur d'un ordinateur."),
        },
    )


class ReceiptCancelForm(TextLimitsMixin, forms.Form):
    """The association cancels a receipt it issued by mistake: the reason is required and kept."""

    reason = forms.CharField(
        label=_("Motif de l'annulation"),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control", "aria-describedby": "reason-help"}),
        max_length=RECEIPT_CANCEL_REASON_MAX,
        help_text=_("Par exemple : « Le donateur a corrigé la valeur déclarée de son lot. »"),
        error_messages={"required": _("Indiquez pourquoi ce reçu est annulé.")},
    )
