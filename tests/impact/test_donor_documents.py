"""Donor documents (issue 16): the traceability report of a lot or a campaign, a public body's reuse attestation;
their request, render (thin task, run twice), an unreachable broker and the sweep, the PDF's text."""

import datetime
import subprocess
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from impact import donor_documents, tasks
from impact.models import DonorDocument
from impact.traceability import HANDED_OVER, IN_STOCK, SCRAPPED, reuse_attestation_data, traceability_data
from inventory.models import Computer
from tests.conftest import fresh_broker_connections
from tests.factories.donors import donor_world
from tests.factories.inventory import ComputerFactory, LotFactory

pytestmark = pytest.mark.django_db

S = DonorDocument.Status


@pytest.fixture
def world():
    return donor_world()


def _handed_lot(world):
    return Computer.objects.filter(allocation_links__allocation__wave=world.wave).first().lot


def _pdf_text(document: DonorDocument, tmp_path) -> str:
    path = tmp_path / "document.pdf"
    with document.file.open("rb") as handle:
        path.write_bytes(handle.read())
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


# What the report says -----------------------------------------------------------------------------------------


def test_the_lot_report_lists_every_serial_with_its_wipe_and_outcome(world):
    data = traceability_data(donor=world.donor, lot=world.lot)
    assert data.count == 3
    outcomes = {line.computer.status: line.outcome for line in data.lines}
    assert outcomes == {"received": IN_STOCK, "ready": IN_STOCK, "scrapped": SCRAPPED}
    assert {code: n for code, _label, n in data.totals} == {HANDED_OVER: 0, SCRAPPED: 1, IN_STOCK: 2}
    ready = next(line for line in data.lines if line.computer.status == "ready")
    assert ready.wipe is not None and ready.wipe.result == "passed"


def test_the_report_of_a_handed_over_lot_names_the_associations_and_the_co2e(world):
    lot = _handed_lot(world)
    data = traceability_data(donor=world.donor, lot=lot)
    handed = [line for line in data.lines if line.outcome == HANDED_OVER]
    assert len(handed) == 20
    assert {line.handed_over_on for line in handed} == {datetime.date(2026, 1, 10)}
    assert len({line.association.pk for line in handed}) == 2
    assert data.carbon.units == 20
    assert data.faults.total.handed_over == 20 and data.faults.total.faulty == 0


def test_the_campaign_report_holds_the_donors_units_of_that_campaign(world):
    data = traceability_data(donor=world.donor, campaign=world.wave.campaign)
    assert sum(1 for line in data.lines if line.outcome == HANDED_OVER) == 20
    assert all(line.computer.lot.donor_id == world.donor.pk for line in data.lines)


def _units_in(lot, n):
    for _i in range(n):
        ComputerFactory(lot=lot, status="ready")
    ComputerFactory(lot=lot, status="scrapped", recycler="Ecosystem", recycler_reference="BSD-2026-0042")


def test_the_report_data_reads_in_a_fixed_number_of_queries(world):
    small, large = LotFactory(donor=world.donor), LotFactory(donor=world.donor)
    _units_in(small, 1)
    _units_in(large, 30)
    counts = []
    for lot in (small, large):
        with CaptureQueriesContext(connection) as queries:
            traceability_data(donor=world.donor, lot=lot)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 5


# Requests, render, task ---------------------------------------------------------------------------------------


def test_a_request_is_saved_pending_then_rendered_with_one_file(world, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = donor_documents.traceability_report_request(donor=world.donor, lot=world.lot, by=world.person)
    document.refresh_from_db()
    assert document.status == S.READY and document.file and document.page_count >= 1
    assert document.organiser_id == world.lot.organiser_id
    assert [e.to_status for e in document.events.order_by("created_at", "pk")] == [S.PENDING, S.RENDERING, S.READY]
    text = _pdf_text(document, tmp_path)
    assert "Rapport de traçabilité" in text and "ORANGE-ATELIER" in text
    scrapped = Computer.objects.get(lot=world.lot, status="scrapped")
    assert scrapped.serial_number in text and "Filière DEEE" in text
    assert "NIST SP 800-88" in text and ("Purge" in text or "Clear" in text) and "estimation" in text


def test_the_task_run_twice_keeps_one_file(world, django_capture_on_commit_callbacks):
    document = donor_documents.traceability_report_request(donor=world.donor, lot=world.lot, by=world.person)
    assert tasks.render_donor_document.apply(args=[document.pk]).get() == S.READY
    document.refresh_from_db()
    name, digest = document.file.name, document.sha256
    assert tasks.render_donor_document.apply(args=[document.pk]).get() == S.READY
    document.refresh_from_db()
    assert (document.file.name, document.sha256) == (name, digest)
    assert document.events.filter(to_status=S.READY).count() == 1
    assert len(list(Path(document.file.path).parent.iterdir())) == 1  # one file for the request


def test_a_failed_render_is_recorded_and_retried(world):
    document = donor_documents.traceability_report_request(donor=world.donor, lot=world.lot, by=world.person)
    with mock.patch.object(donor_documents, "html_to_pdf", side_effect=OSError("pango")):
        with pytest.raises(donor_documents.RenderError):
            donor_documents.donor_document_render(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == S.FAILED and "pango" in document.error
    assert donor_documents.donor_document_render(document_id=document.pk).status == S.READY


def test_requests_are_checked(world):
    with pytest.raises(ValidationError):
        donor_documents.traceability_report_request(donor=world.donor, lot=world.other_lot, by=world.person)
    with pytest.raises(ValidationError):
        donor_documents.traceability_report_request(donor=world.donor, by=world.person)
    with pytest.raises(ValidationError):  # not a public body
        donor_documents.reuse_attestation_request(donor=world.donor, year=2026, by=world.person)
    world.donor.is_public_body = True
    world.donor.save()
    for bad in ("", "12,5", "<b>2026</b>", "1999", "999999999999999999999", "2999"):
        with pytest.raises(ValidationError):
            donor_documents.reuse_attestation_request(donor=world.donor, year=bad, by=world.person)
    assert DonorDocument.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_broker_down_the_request_stays_pending_and_the_sweep_sends_it():
    from config.celery import app

    world = donor_world()
    old = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    fresh_broker_connections(app)
    try:
        document = donor_documents.traceability_report_request(donor=world.donor, lot=world.lot, by=world.person)
    finally:
        app.conf.task_always_eager, app.conf.broker_url = old
        fresh_broker_connections(app)
    document.refresh_from_db()
    assert document.status == S.PENDING and not document.file
    assert donor_documents.donor_documents_requeue_stuck() == 0  # too early: it may still be on its way
    later = timezone.now() + donor_documents.pending_stuck_after() + datetime.timedelta(seconds=1)
    assert donor_documents.donor_documents_requeue_stuck(now=later) == 1  # eager again: rendered after commit
    document.refresh_from_db()
    assert document.status == S.READY and document.file


def test_the_sweep_sends_again_a_render_whose_worker_died(world, django_capture_on_commit_callbacks):
    document = donor_documents.traceability_report_request(donor=world.donor, lot=world.lot, by=world.person)
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    DonorDocument.objects.filter(pk=document.pk).update(status=S.RENDERING, render_started_at=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert donor_documents.donor_documents_requeue_stuck() == 1
    document.refresh_from_db()
    assert document.status == S.READY


def test_the_sweep_is_on_the_beat_schedule(settings):
    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"impact.tasks.sweep_donor_documents", "certificates.tasks.sweep_handovers"} <= tasks_scheduled


# The reuse attestation --------------------------------------------------------------------------------------


def test_the_reuse_attestation_lists_the_year_serials_and_associations(world, tmp_path):
    world.donor.is_public_body = True
    world.donor.save()
    data = reuse_attestation_data(donor=world.donor, year=2026)
    assert data.count == 20 and sorted(row.units for row in data.associations) == [10, 10]
    assert reuse_attestation_data(donor=world.donor, year=2025).count == 0
    with mock.patch.object(donor_documents.transaction, "on_commit", lambda f, robust=False: f()):
        document = donor_documents.reuse_attestation_request(donor=world.donor, year="2026", by=world.person)
    document.refresh_from_db()
    assert document.status == S.READY
    text = _pdf_text(document, tmp_path)
    assert "Attestation de réemploi" in text and "2021-254" in text and "réemploi" in text
    assert data.lines[0].computer.serial_number in text
    assert data.associations[0].association.legal_name in text


# A 1,000-unit lot -------------------------------------------------------------------------------------------


def test_a_1000_unit_lot_report_flows_over_pages_with_its_header_repeated(world, tmp_path):
    lot = LotFactory(donor=world.donor, reference="GROS-LOT")
    units = [
        ComputerFactory.build(lot=lot, asset_tag=f"BIG-{n:05d}", serial_number=f"BIGSN{n:06d}") for n in range(1000)
    ]
    Computer.objects.bulk_create(units)
    document = donor_documents.traceability_report_request(donor=world.donor, lot=lot, by=world.person)
    donor_documents.donor_document_render(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == S.READY and document.page_count > 10
    text = _pdf_text(document, tmp_path)
    assert "BIGSN000000" in text and "BIGSN000999" in text
    pages = text.split("\f")
    assert sum(1 for page in pages if "N° de série" in page) >= document.page_count - 2  # the table's header
    assert all("GROS-LOT" in page for page in pages if page.strip())  # the running header
