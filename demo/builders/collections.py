"""Demo: Orange announces a second lot for the Marseille campaign and proposes three slots to collect it; the
stock team (stock@demo.test) has them to confirm on the lot's page. Idempotent."""

from __future__ import annotations

import datetime

from django.utils import timezone

from campaigns.models import CampaignDonor
from inventory import collection_services
from inventory.models import Collection

DONOR_PERSON = "donor@demo.test"


def seed(context: dict) -> None:
    stdout = context.get("stdout")
    person = context["users"][DONOR_PERSON]
    if Collection.objects.filter(proposed_by=person).exists():
        if stdout:
            stdout.write("  collecte : créneaux d'Orange déjà proposés")
        return
    pledge = CampaignDonor.objects.select_related("campaign__organiser", "donor").get(
        campaign=context["campaign"], donor__name="Orange"
    )
    today = timezone.localdate()
    address = "Orange, 5 avenue de Saint-Menet, 13011 Marseille"
    slots = [
        {"date": today + datetime.timedelta(days=days), "starts_at": start, "ends_at": end, "address": address}
        for days, start, end in (
            (7, datetime.time(9, 0), datetime.time(12, 0)),
            (8, datetime.time(14, 0), datetime.time(17, 0)),
            (10, datetime.time(9, 0), datetime.time(12, 0)),
        )
    ]
    for slot in slots:
        slot["access_notes"] = "Quai de livraison B, badge à demander à l'accueil"
    collection = collection_services.collection_propose(
        by=person,
        pledge=pledge,
        expected_count=120,
        models_description="Dell OptiPlex 7070 SFF et HP EliteDesk 800 G4, avec claviers et souris",
        contact_name="Dorian Donateur",
        contact_phone="04 91 00 00 00",
        contact_email=DONOR_PERSON,
        slots=slots,
    )
    if stdout:
        stdout.write(f"  collecte : lot {collection.lot.reference}, 3 créneaux proposés par Orange")
