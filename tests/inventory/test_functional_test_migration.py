"""Migrations 0009-0010 on existing data: each campaign gets the default checklist, each cleared unit a legacy test."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from inventory.models import DEFAULT_CHECKLIST

# campaigns back to 0004 too: a later one (the warranty) adds a column the historical models would not fill.
BEFORE = [("inventory", "0008_functional_test"), ("campaigns", "0004_campaign_contact_email")]


def _migrate(targets=None):
    executor = MigrationExecutor(connection)
    if targets is None:
        targets = executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_existing_campaigns_and_cleared_units_are_brought_under_the_rule():
    try:
        _migrate(BEFORE)
        # The models as the database is now: BEFORE and every migration still applied beside it (another branch
        # of the graph, such as the wipe reports' 0008, keeps its columns).
        loader = MigrationExecutor(connection).loader
        old = loader.project_state(list(loader.applied_migrations)).apps
        Donor = old.get_model("campaigns", "Donor")
        Campaign = old.get_model("campaigns", "Campaign")
        Lot = old.get_model("inventory", "Lot")
        Computer = old.get_model("inventory", "Computer")
        WipeRecord = old.get_model("inventory", "WipeRecord")
        campaign = Campaign.objects.create(
            name="Campagne d'avant",
            slug="avant",
            city="Marseille",
            pledged_units=10,
            applications_open_on="2026-01-05",
            applications_close_on="2026-02-05",
        )
        lot = Lot.objects.create(
            donor=Donor.objects.create(name="Donateur d'avant"), reference="AVANT-01", arrival_date="2026-01-10"
        )
        ready = Computer.objects.create(
            asset_tag="AVANT-01-0001", manufacturer="DELL", model="OptiPlex", serial_number="A1", lot=lot
        )
        workshop = Computer.objects.create(
            asset_tag="AVANT-01-0002", manufacturer="DELL", model="OptiPlex", serial_number="A2", lot=lot
        )
        record = WipeRecord.objects.create(computer=ready, method="nist_clear", result="passed", report_reference="R")
        Computer.objects.filter(pk=ready.pk).update(wipe_record=record, status="ready")
        wiped = WipeRecord.objects.create(computer=workshop, method="nist_clear", result="passed", report_reference="W")
        Computer.objects.filter(pk=workshop.pk).update(wipe_record=wiped, status="reconditioning")
        campaign_pk, ready_pk, workshop_pk = campaign.pk, ready.pk, workshop.pk
    finally:
        _migrate()

    from campaigns.models import Campaign
    from inventory.models import Computer, ComputerEvent

    assert Campaign.objects.get(pk=campaign_pk).checklist_items.count() == len(DEFAULT_CHECKLIST)
    ready = Computer.objects.get(pk=ready_pk)
    assert ready.functional_test.legacy and ready.functional_test.passed and not ready.functional_test.results.exists()
    assert not ComputerEvent.objects.filter(computer=ready, kind="functional_test").exists()  # history untouched
    assert Computer.objects.get(pk=workshop_pk).functional_test is None
    # The gate is on: the wiped workshop unit, untested, cannot be made ready behind the service's back.
    with pytest.raises(IntegrityError), transaction.atomic():
        Computer.objects.filter(pk=workshop_pk).update(status="ready")
