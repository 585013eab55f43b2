"""Forms of the after-sales pages: the association's report and answers, the stock team's decisions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from associations.documents import display_name
from certificates.forms import PadsOrPaperForm
from core.textlimits import TextLimitsMixin
from core.uploads import KeepsUploadsMixin
from support.models import DESCRIPTION_MAX, MAX_PHOTOS, MESSAGE_MAX
from support.services import check_photo

PHOTO_FIELDS = tuple(f"photo_{i}" for i in range(1, MAX_PHOTOS + 1))


class ReportForm(KeepsUploadsMixin, TextLimitsMixin, forms.Form):
    """Which unit, what is wrong, up to three photos (kept when the form is refused for another field).

    Takes ``units``: the user's units under warranty without an open ticket (support.selectors)."""

    kept_file_fields = PHOTO_FIELDS

    computer = forms.TypedChoiceField(
        label=_("Quel ordinateur ?"),
        coerce=int,
        error_messages={
            "required": _("Choisissez l'ordinateur en panne."),
            "invalid_choice": _("Choisissez un des ordinateurs remis à votre association."),
        },
        help_text=_("Le numéro d'inventaire est sur l'étiquette collée sur l'ordinateur."),
    )
    description = forms.CharField(
        label=_("Ce qui ne va pas"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=DESCRIPTION_MAX,
        error_messages={"required": _("Décrivez ce qui ne va pas.")},
        help_text=_("Par exemple : l'écran reste noir au démarrage, le ventilateur fait un bruit fort."),
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        several = len({unit.association.pk for unit in units}) > 1
        choices = [("", _("Choisissez…"))]
        for unit in units:
            computer = unit.computer
            label = f"{computer.asset_tag} – {computer.manufacturer} {computer.model} ({computer.serial_number})"
            if several:
                label += f" – {unit.association.legal_name}"
            choices.append((computer.pk, label))
        self.fields["computer"].choices = choices
        for index, name in enumerate(PHOTO_FIELDS, start=1):
            self.fields[name] = forms.FileField(
                label=_("Photo %(n)s (facultatif)") % {"n": index},
                required=False,
                help_text=_("JPEG ou PNG, 5 Mo au plus.") if index == 1 else "",
                widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png"}),
            )

    def _clean_photo(self, name):
        upload = self.cleaned_data.get(name)
        if upload:
            check_photo(upload)
        return upload

    def clean_photo_1(self):
        return self._clean_photo("photo_1")

    def clean_photo_2(self):
        return self._clean_photo("photo_2")

    def clean_photo_3(self):
        return self._clean_photo("photo_3")

    def held_display_name(self, upload) -> str:
        return display_name(upload.name, default="photo")

    def photos(self) -> list:
        return [self.cleaned_data.get(name) for name in PHOTO_FIELDS if self.cleaned_data.get(name)]


class AnswerForm(TextLimitsMixin, forms.Form):
    body = forms.CharField(
        label=_("Votre réponse"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MESSAGE_MAX,
        error_messages={"required": _("Écrivez votre message.")},
    )


class DecisionForm(TextLimitsMixin, forms.Form):
    """The stock team's next step on a ticket (admin): the button pressed is the decision."""

    text = forms.CharField(
        label=_("Message à l'association"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MESSAGE_MAX,
        required=False,
        help_text=_(
            "Question, consignes de retour (où, quand), ce qui a été réparé ou pourquoi le signalement est clos : "
            "il est envoyé par e-mail à l'association et affiché dans son espace."
        ),
    )
    replacement = forms.CharField(
        label=_("Ordinateur de remplacement (numéro d'inventaire)"),
        required=False,
        max_length=32,
        help_text=_("Pour un remplacement : un ordinateur prêt du stock."),
    )


def _addendum_scan() -> forms.FileField:
    """The scan of the addendum signed on paper (checked by the service)."""
    return forms.FileField(
        label=_("Scan de l'avenant signé"),
        required=False,
        help_text=_("Un PDF, ou une photo JPEG ou PNG de la page signée."),
        widget=forms.FileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )


class AddendumSignedForm(forms.Form):
    """The addendum signed on paper: who signed for the association, and its scan (PDF or photo)."""

    signed_by_name = forms.CharField(label=_("Signé pour l'association par"), max_length=150, required=False)
    signed_scan = _addendum_scan()


class AddendumPadForm(PadsOrPaperForm):
    """The addendum signed at the desk: on the pads (both signatures), or on paper with its scan."""

    scan_missing = _("Joignez le scan de l'avenant signé.")

    signed_by_name = forms.CharField(
        label=_("Nom du représentant de l'association"),
        max_length=150,
        error_messages={"required": _("Indiquez qui a signé pour l'association.")},
        help_text=_("La personne présente au guichet, qui signe pour l'association."),
    )
    mode = PadsOrPaperForm.signature_mode(
        screen=_("Signé à l'écran (tablette, stylet ou doigt)"),
        paper=_("Signé sur papier : je joins le scan"),
    )
    signed_scan = _addendum_scan()

    def clean_signed_by_name(self):
        value = self.cleaned_data["signed_by_name"]
        if "\x00" in value:
            raise forms.ValidationError(_("Ce nom n'est pas valide."))
        return value

    def service_arguments(self) -> tuple[str, dict]:
        """Which service records it (``pad`` or ``scan``) and its arguments; decoding a pad's image may raise a
        ValidationError naming its field."""
        data = self.cleaned_data
        if data["mode"] == self.PAPER:
            return "scan", {"signed_by_name": data["signed_by_name"], "scan": data["signed_scan"].read()}
        return "pad", {"signed_by_name": data["signed_by_name"], **self.pad_signatures()}
