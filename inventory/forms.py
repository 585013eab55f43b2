"""Forms of the stock screens (Django admin): they validate input, the services decide."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export.forms import ConfirmImportForm, ImportForm, SelectableFieldsExportForm

from inventory.models import Computer, Lot, StockPartner, WipeRecord
from inventory.services import (
    EDITABLE_FIELDS,
    LOT_REFERENCE_MAX,
    NOTE_MAX,
    SPARE_PART_ON_READY,
    WIPE_TEMPLATE_FIELDS,
    ItemResult,
)
from inventory.validators import (
    normalize_manufacturer,
    normalize_reference,
    normalize_serial,
    validate_no_control_characters,
)


def _check_text_fields(form: forms.Form) -> None:
    # A list: add_error() takes the field out of cleaned_data while we go through it.
    for name, value in list(form.cleaned_data.items()):
        if isinstance(value, str):
            try:
                validate_no_control_characters(value)
            except forms.ValidationError as error:
                form.add_error(name, error)


class LotForm(forms.ModelForm):
    class Meta:
        model = Lot
        fields = ["organiser", "donor", "reference", "arrival_date", "site", "expected_count", "partner", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        partner = self.fields.get("partner")
        if partner is not None and self.instance.organiser_id:
            # Only the refurbishers working for the lot's organiser (and the one it names, so that it is not
            # cleared without a word: the model refuses it with a field error if it no longer works for them).
            partner.queryset = StockPartner.objects.filter(
                Q(organisers=self.instance.organiser_id) | Q(pk=self.instance.partner_id)
            ).distinct()

    def clean_reference(self):
        reference = normalize_reference(self.cleaned_data["reference"])
        if len(reference) > LOT_REFERENCE_MAX:
            raise forms.ValidationError(
                _("%(max)s caractères au plus : les numéros d'inventaire du lot en sont tirés."),
                params={"max": LOT_REFERENCE_MAX},
            )
        return reference

    def clean(self):
        cleaned = super().clean()
        _check_text_fields(self)
        return cleaned


class ComputerForm(forms.ModelForm):
    class Meta:
        model = Computer
        fields = EDITABLE_FIELDS  # the admin orders them (ComputerAdmin.get_fieldsets)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "asset_tag" in self.fields:
            self.fields["asset_tag"].required = False
            self.fields["asset_tag"].help_text = _("Laissez vide pour numéroter dans le lot (LOT-0001…).")

    def clean_manufacturer(self):
        return normalize_manufacturer(self.cleaned_data["manufacturer"])

    def clean_serial_number(self):
        return normalize_serial(self.cleaned_data["serial_number"])

    def clean_disk_serial(self):
        return normalize_serial(self.cleaned_data.get("disk_serial") or "")

    def clean_asset_tag(self):
        return normalize_reference(self.cleaned_data.get("asset_tag") or "")

    def clean(self):
        cleaned = super().clean()
        _check_text_fields(self)
        instance = self.instance
        if (
            instance.pk
            and cleaned.get("needs_spare_part")
            and "needs_spare_part" in self.changed_data
            and instance.status in (Computer.Status.READY, Computer.Status.RESERVED)
        ):
            self.add_error("needs_spare_part", SPARE_PART_ON_READY)
        return cleaned

    def validate_unique(self):
        # The services fill in the asset tag and check uniqueness; the database has the last word.
        exclude = self._get_validation_exclusions()
        if not self.cleaned_data.get("asset_tag"):
            exclude.add("asset_tag")
        try:
            self.instance.validate_unique(exclude=exclude)
            self.instance.validate_constraints(exclude=exclude | {"status", "wipe_record", "scrap_reason"})
        except forms.ValidationError as error:
            self._update_errors(error)


class NoteForm(forms.Form):
    """The optional note of a status change done on a selection."""

    note = forms.CharField(label=_("Note (facultative)"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_note(self):
        note = self.cleaned_data["note"].strip()
        validate_no_control_characters(note)
        return note


class ScrapForm(forms.Form):
    """End of life of the selected units: why, what became of the storage, where they went."""

    cause = forms.ChoiceField(
        label=_("Cause"),
        choices=Computer.ScrapCause.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez la cause de mise au rebut.")},
    )
    reason = forms.CharField(
        label=_("Motif détaillé"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Par exemple : carte mère défectueuse, ne démarre pas. 1 000 caractères au plus."),
        error_messages={"required": _("Indiquez le motif de mise au rebut.")},
        max_length=1000,
    )
    storage_outcome = forms.ChoiceField(
        label=_("Devenir du support de stockage"),
        choices=[c for c in Computer.StorageOutcome.choices if c[0] != Computer.StorageOutcome.UNRECORDED],
        widget=forms.RadioSelect,
        error_messages={"required": _("Indiquez ce qu'est devenu le support de stockage.")},
    )
    storage_certificate = forms.CharField(
        label=_("Référence du certificat de destruction"),
        required=False,
        max_length=120,
        help_text=_("Obligatoire si le support a été détruit : le numéro du certificat remis par le prestataire."),
    )
    recycler = forms.CharField(
        label=_("Filière de reprise"),
        max_length=200,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text=_("L'éco-organisme ou l'opérateur agréé DEEE qui reprend l'ordinateur (par exemple : ecosystem)."),
        error_messages={"required": _("Indiquez la filière de reprise (éco-organisme ou opérateur agréé).")},
    )
    recycler_reference = forms.CharField(label=_("Référence du bordereau de reprise"), required=False, max_length=120)
    parts_kept = forms.CharField(
        label=_("Pièces conservées"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text=_("Par exemple : 8 Go de mémoire, alimentation. Laissez vide si rien n'est gardé."),
    )

    def clean(self):
        data = super().clean()
        for name in ("reason", "storage_certificate", "recycler", "recycler_reference", "parts_kept"):
            if name in data:
                data[name] = data[name].strip()
                try:
                    validate_no_control_characters(data[name])
                except forms.ValidationError as error:
                    self.add_error(name, error)
        if "reason" in data and not data["reason"]:
            self.add_error("reason", _("Indiquez le motif de mise au rebut."))
        if "recycler" in data and not data["recycler"]:
            self.add_error("recycler", _("Indiquez la filière de reprise (éco-organisme ou opérateur agréé)."))
        if data.get("storage_outcome") == Computer.StorageOutcome.DESTROYED and not data.get("storage_certificate"):
            self.add_error("storage_certificate", _("Indiquez la référence du certificat de destruction du support."))
        return data

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class WipeForm(forms.Form):
    """One wipe record (or exemption) for a whole selection of units."""

    kind = forms.ChoiceField(
        label=_("Type"), choices=WipeRecord.Kind.choices, initial=WipeRecord.Kind.WIPE, widget=forms.RadioSelect
    )
    method = forms.ChoiceField(
        label=_("Méthode"), choices=[("", "---------"), *WipeRecord.Method.choices], required=False
    )
    tool = forms.CharField(
        label=_("Outil"), max_length=120, required=False, help_text=_("Par exemple Blancco Drive Eraser.")
    )
    tool_version = forms.CharField(label=_("Version de l'outil"), max_length=40, required=False)
    performed_on = forms.DateField(
        label=_("Date de l'effacement"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    result = forms.ChoiceField(
        label=_("Résultat"), choices=[("", "---------"), *WipeRecord.Result.choices], required=False
    )
    report_reference = forms.CharField(
        label=_("Référence du rapport d'effacement"),
        max_length=120,
        required=False,
        help_text=_("Numéro du rapport produit par l'outil (ou du certificat de destruction) ; obligatoire si réussi."),
    )
    exemption = forms.ChoiceField(
        label=_("Motif d'exemption"), choices=[("", "---------"), *WipeRecord.Exemption.choices], required=False
    )
    exemption_reason = forms.CharField(
        label=_("Justification de l'exemption"), widget=forms.Textarea(attrs={"rows": 2, "cols": 60}), required=False
    )
    note = forms.CharField(
        label=_("Note (facultative)"), widget=forms.Textarea(attrs={"rows": 2, "cols": 60}), required=False
    )

    def clean_performed_on(self):
        performed_on = self.cleaned_data["performed_on"]
        if performed_on > timezone.localdate():
            raise forms.ValidationError(_("La date de l'effacement ne peut pas être dans le futur."))
        return performed_on

    def clean(self):
        cleaned = super().clean()
        _check_text_fields(self)
        kind = cleaned.get("kind")
        if kind == WipeRecord.Kind.WIPE:
            if not cleaned.get("method"):
                self.add_error("method", _("Indiquez la méthode d'effacement."))
            if not cleaned.get("result"):
                self.add_error("result", _("Indiquez le résultat de l'effacement."))
            if (
                cleaned.get("result") == WipeRecord.Result.PASSED
                and not (cleaned.get("report_reference") or "").strip()
            ):
                self.add_error(
                    "report_reference", _("Un effacement réussi est prouvé par la référence de son rapport.")
                )
            cleaned["exemption"] = ""
            cleaned["exemption_reason"] = ""
        elif kind == WipeRecord.Kind.EXEMPTION:
            if not cleaned.get("exemption"):
                self.add_error("exemption", _("Indiquez le motif de l'exemption."))
            if not (cleaned.get("exemption_reason") or "").strip():
                self.add_error("exemption_reason", _("Justifiez l'exemption."))
            cleaned["method"] = ""
            cleaned["result"] = ""
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in (*WIPE_TEMPLATE_FIELDS, "note")}


def import_lots(user=None):
    """The lots an import may fill, the latest arrivals first; with ``user``, only the lots of the organisers they
    work for (an import writes: the national coordinator, who only reads, is not given every lot)."""
    from campaigns.scoping import scope_to_user
    from inventory.models import Lot

    lots = Lot.objects.select_related(None).order_by("-arrival_date", "reference")
    return lots if user is None else scope_to_user(lots, user, "organiser", acting=True)


class FunctionalTestForm(forms.Form):
    """One functional test for a selection: passed or failed for each item of its checklist, an optional note each.

    Built from the checklist's (label, how to check it) pairs; fields are ``item_<n>`` and ``note_<n>``.
    """

    RESULT_CHOICES = [("passed", _("Réussi")), ("failed", _("En échec"))]

    def __init__(self, *args, items: tuple[tuple[str, str], ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        for n, (label, help_text) in enumerate(items):
            self.fields[f"item_{n}"] = forms.ChoiceField(
                label=label,
                choices=self.RESULT_CHOICES,
                widget=forms.RadioSelect(attrs={"class": "inv-test-choice"}),
                help_text=help_text,
                error_messages={
                    "required": _("Indiquez si ce point est réussi ou en échec."),
                    "invalid_choice": _("Choisissez « Réussi » ou « En échec »."),
                },
            )
            self.fields[f"note_{n}"] = forms.CharField(
                label=_("Note sur « %(item)s » (facultative)") % {"item": label},
                required=False,
                max_length=NOTE_MAX,
                widget=forms.TextInput(attrs={"size": 50}),
            )
        self.fields["note"] = forms.CharField(
            label=_("Note générale (facultative)"),
            required=False,
            max_length=1000,
            widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        )

    def clean(self):
        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            if isinstance(value, str):
                cleaned[name] = value.strip()
        _check_text_fields(self)
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "results": [
                ItemResult(label=label, passed=data[f"item_{n}"] == "passed", note=data.get(f"note_{n}", ""))
                for n, (label, _help) in enumerate(self.items)
            ],
            "note": data.get("note", ""),
        }


class ComputerImportForm(ImportForm):
    """django-import-export's upload form, with a size limit checked before the file is read, the lot of every
    row and the choice between all or nothing (the default) and importing the valid rows only."""

    lot = forms.ModelChoiceField(
        label=_("Lot"),
        queryset=Lot.objects.none(),
        required=False,
        empty_label=_("— celui de la colonne « lot » de chaque ligne —"),
        help_text=_(
            "Le lot où entrent tous les ordinateurs du fichier. Si le fichier a tout de même une colonne « lot », "
            "chaque ligne doit y nommer ce lot (ou la laisser vide), sinon elle est refusée."
        ),
    )
    partial = forms.BooleanField(
        label=_("Importer les lignes valides et télécharger les lignes refusées"),
        required=False,
        help_text=_(
            "Sans cette case, rien n'est importé si une seule ligne est fausse. Avec elle, les lignes valides sont "
            "importées et les lignes refusées vous sont données dans un fichier, avec le motif de chaque refus, "
            "à corriger puis importer de nouveau."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["import_file"].label = _("Fichier à importer (CSV ou XLSX)")
        self.fields["lot"].queryset = import_lots()
        self.fields["lot"].error_messages["invalid_choice"] = _("Ce lot n'existe pas (ou plus) : choisissez-en un.")

    def clean_import_file(self):
        from inventory.importing import MAX_FILE_BYTES

        upload = self.cleaned_data["import_file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("Le fichier pèse plus de %(size)s Mo : découpez-le en plusieurs fichiers."),
                params={"size": MAX_FILE_BYTES // (1024 * 1024)},
            )
        return upload


class ComputerConfirmImportForm(ConfirmImportForm):
    """The confirmation carries the lot and the mode chosen on the upload form."""

    lot = forms.ModelChoiceField(queryset=Lot.objects.none(), required=False, widget=forms.HiddenInput)
    partial = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].queryset = import_lots()


EXPORT_LABELS = {
    "numero_inventaire": _("Numéro d'inventaire"),
    "fabricant": _("Fabricant"),
    "modele": _("Modèle"),
    "numero_serie": _("Numéro de série"),
    "lot": _("Lot"),
    "format": _("Format"),
    "processeur": _("Processeur"),
    "ram_go": _("Mémoire vive (Go)"),
    "stockage_go": _("Stockage (Go)"),
    "type_stockage": _("Type de stockage"),
    "systeme": _("Système installé"),
    "etat": _("État"),
    "clavier": _("Clavier fourni"),
    "souris": _("Souris fournie"),
    "piece_a_remplacer": _("Pièce à remplacer"),
    "notes": _("Notes"),
    "statut": _("Statut"),
    "statut_depuis": _("Statut depuis le"),
    "effacement": _("Effacement des données"),
    "donateur": _("Donateur"),
}


class ComputerExportForm(SelectableFieldsExportForm):
    """The export form with the French names of the columns (the file keeps the short column names)."""

    def _get_field_label(self, resource, field_name: str) -> str:
        label = EXPORT_LABELS.get(field_name)
        return f"{label} ({field_name})" if label else super()._get_field_label(resource, field_name)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe): ``cleaned_data`` is a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".log,.txt,.xml,.csv"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if not data:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class WipeReportsForm(forms.Form):
    """The reports of the wiping tools to check (nothing is recorded before the confirmation)."""

    reports = MultipleFileField(
        label=_("Rapports d'effacement"),
        help_text=_(
            "Journaux nwipe (.log, .txt) et rapports Blancco (.xml, .csv), plusieurs à la fois : "
            "%(max)s fichiers au plus, %(size)s Mo chacun au plus."
        ),
    )

    def __init__(self, *args, **kwargs):
        from inventory.wipelogs import MAX_FILES, MAX_REPORT_BYTES

        super().__init__(*args, **kwargs)
        field = self.fields["reports"]
        field.help_text = field.help_text % {"max": MAX_FILES, "size": MAX_REPORT_BYTES // (1024 * 1024)}

    def clean_reports(self):
        from inventory.wipelogs import MAX_FILES

        files = self.cleaned_data["reports"]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(
                _("%(max)s fichiers au plus par import : déposez les autres ensuite."), params={"max": MAX_FILES}
            )
        return files
