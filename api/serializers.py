"""What the API reads and writes. Input is checked here for its shape and types; the stock rules are the
stock services' (``api.stock``)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.models import Campaign, CampaignDonor
from inventory.models import Computer, Lot, WipeRecord
from inventory.services import DESCRIPTION_FIELDS
from inventory.validators import validate_no_control_characters


class CampaignSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    url = serializers.SerializerMethodField(help_text=gettext_lazy("La page publique de la campagne."))

    class Meta:
        model = Campaign
        fields = [
            "slug",
            "name",
            "city",
            "status",
            "status_label",
            "applications_open_on",
            "applications_close_on",
            "pledged_units",
            "min_per_association",
            "max_per_association",
            "url",
        ]

    def get_url(self, campaign) -> str:
        request = self.context.get("request")
        path = campaign.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class CampaignDetailSerializer(CampaignSerializer):
    figures = serializers.SerializerMethodField(
        help_text=gettext_lazy("Les chiffres publics de la campagne : les mêmes que son stats.json.")
    )

    class Meta(CampaignSerializer.Meta):
        fields = [*CampaignSerializer.Meta.fields, "figures"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_figures(self, campaign) -> dict:
        return self.context["figures"]


class PledgeCampaignSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Campaign
        fields = ["slug", "name", "city", "status", "status_label"]


class PledgeSerializer(serializers.ModelSerializer):
    campaign = PledgeCampaignSerializer(read_only=True)

    class Meta:
        model = CampaignDonor
        fields = ["campaign", "pledged_units"]


class StatusCountSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Computer.Status.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()


class LotSerializer(serializers.ModelSerializer):
    """A lot with its progress: how many of its units are in each status (annotated by ``with_counts``)."""

    donor = serializers.CharField(source="donor.name", read_only=True)
    partner = serializers.CharField(source="partner.name", read_only=True, default=None)
    received = serializers.IntegerField(source="received_count", read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Lot
        fields = [
            "id",
            "reference",
            "donor",
            "partner",
            "arrival_date",
            "site",
            "expected_count",
            "received",
            "progress",
        ]

    @extend_schema_field(StatusCountSerializer(many=True))
    def get_progress(self, lot) -> list[dict]:
        return [
            {"status": value, "label": str(label), "count": getattr(lot, f"n_{value}")}
            for value, label in Computer.Status.choices
        ]


class UnitSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    wiped = serializers.SerializerMethodField(
        help_text=gettext_lazy("Un effacement réussi ou une exemption autorise sa remise.")
    )

    class Meta:
        model = Computer
        fields = [
            "asset_tag",
            "manufacturer",
            "model",
            "serial_number",
            *DESCRIPTION_FIELDS,
            "status",
            "status_label",
            "wiped",
            "wipe_failed",
            "notes",
            "updated_at",
        ]

    def get_wiped(self, computer) -> bool:
        return computer.wipe_record_id is not None


# Input ------------------------------------------------------------------------------------------


class UnitInSerializer(serializers.Serializer):
    """One unit, as a row of the admin's import (documentation: the checks are the import's)."""

    manufacturer = serializers.CharField(help_text=gettext_lazy("Dell, HP, Lenovo…"))
    model = serializers.CharField(help_text=gettext_lazy("OptiPlex 7070 SFF…"))
    serial_number = serializers.CharField(
        help_text=gettext_lazy("Unique par fabricant : l'unité déjà enregistrée avec ce numéro est mise à jour.")
    )
    asset_tag = serializers.CharField(
        required=False, help_text=gettext_lazy("Facultatif : attribué dans le lot (LOT-0001…) s'il manque.")
    )
    form_factor = serializers.ChoiceField(choices=Computer.FormFactor.choices, required=False)
    cpu = serializers.CharField(required=False)
    ram_gb = serializers.IntegerField(required=False, help_text=gettext_lazy("Nombre entier de Go."))
    storage_gb = serializers.IntegerField(required=False, help_text=gettext_lazy("Nombre entier de Go."))
    storage_type = serializers.ChoiceField(choices=Computer.StorageType.choices, required=False)
    os = serializers.CharField(required=False)
    grade = serializers.ChoiceField(choices=Computer.Grade.choices, required=False)
    has_keyboard = serializers.BooleanField(required=False)
    has_mouse = serializers.BooleanField(required=False)
    needs_spare_part = serializers.BooleanField(required=False)
    notes = serializers.CharField(required=False)


class UnitsInSerializer(serializers.Serializer):
    units = UnitInSerializer(many=True)


class UnitOutcomeSerializer(serializers.Serializer):
    manufacturer = serializers.CharField()
    serial_number = serializers.CharField()
    asset_tag = serializers.CharField()
    result = serializers.ChoiceField(choices=["created", "updated", "unchanged"])


class UnitsOutcomeSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    units = UnitOutcomeSerializer(many=True)


class CleanCharField(serializers.CharField):
    """Text without invisible characters (PostgreSQL refuses NUL; the rest is a copy-paste accident)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("default", "")
        super().__init__(**kwargs)
        self.validators.append(validate_no_control_characters)


def _choice(choices, **kwargs):
    return serializers.ChoiceField(choices=choices, required=False, allow_blank=True, default="", **kwargs)


class WipeSerializer(serializers.Serializer):
    manufacturer = serializers.CharField(max_length=64, validators=[validate_no_control_characters])
    serial_number = serializers.CharField(max_length=64, validators=[validate_no_control_characters])
    kind = serializers.ChoiceField(choices=WipeRecord.Kind.choices, required=False, default=WipeRecord.Kind.WIPE)
    method = _choice(WipeRecord.Method.choices)
    tool = CleanCharField(max_length=120)
    tool_version = CleanCharField(max_length=40)
    performed_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("AAAA-MM-JJ ; aujourd'hui s'il manque.")
    )
    result = _choice(WipeRecord.Result.choices)
    report_reference = CleanCharField(max_length=120)
    exemption = _choice(WipeRecord.Exemption.choices)
    exemption_reason = CleanCharField(max_length=2000)
    note = CleanCharField(max_length=2000)


class WipesInSerializer(serializers.Serializer):
    wipes = WipeSerializer(many=True, allow_empty=False)

    def validate_wipes(self, value):
        if len(value) > settings.API_MAX_UNITS:
            raise serializers.ValidationError(
                _("%(max)s effacements au plus par requête (ici %(n)s) : envoyez-les en plusieurs fois.")
                % {"max": settings.API_MAX_UNITS, "n": len(value)}
            )
        return value


class WipeOutcomeSerializer(serializers.Serializer):
    manufacturer = serializers.CharField()
    serial_number = serializers.CharField()
    result = serializers.ChoiceField(choices=["recorded", "unchanged"])


class WipesOutcomeSerializer(serializers.Serializer):
    recorded = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    units = WipeOutcomeSerializer(many=True)
