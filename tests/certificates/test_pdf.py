"""The certificate's PDF: its text, its pages, its QR code, and the pure HTML-to-PDF function."""

import io
import shutil
import subprocess
from unittest import mock

import pytest
from pypdf import PdfReader

from certificates import services
from certificates.models import Handover
from certificates.pdf import html_to_pdf, merge_pdfs, page_count
from tests.conftest import require
from tests.factories.certificates import confirmed_wave

pytestmark = pytest.mark.django_db


def pdf_pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture
def thirty(db):
    """A certificate of 30 units (the campaign's maximum per association)."""
    wave = confirmed_wave(1, 30)
    return wave.allocations.get().handover


def test_the_pdf_lists_every_serial_and_the_number_on_every_page(thirty):
    from donations.models import AllocationUnit

    pdf = services.build_certificate_pdf(handover_id=thirty.pk, signed=False)
    pages = pdf_pages_text(pdf)
    text = "\n".join(pages)
    units = AllocationUnit.objects.filter(allocation=thirty.allocation).select_related("computer")
    serials = [u.computer.serial_number for u in units]
    assert len(serials) == 30
    for unit in units:
        assert unit.computer.serial_number in text
        assert unit.computer.asset_tag in text
    # An association of 30 PCs fits on readable pages; number, QR and "page X / Y" on each.
    assert 1 < len(pages) <= 3
    for index, page in enumerate(pages, start=1):
        assert thirty.number in page
        assert f"Page {index} / {len(pages)}" in page
    text = " ".join(text.split())  # lines wrap in table cells
    assert "Attestation de remise" in text
    assert thirty.allocation.application.association.legal_name in text
    assert "Conditions du don" in text and "Pour l'association" in text
    assert "NIST 800-88 Purge" in text and "Total : 30 ordinateurs" in text


def test_the_qr_code_decodes_to_the_verification_url(thirty, tmp_path):
    require(shutil.which("pdftoppm") is not None, "poppler-utils (pdftoppm) is not installed")
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    pdf = services.build_certificate_pdf(handover_id=thirty.pk, signed=False)
    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(source), str(tmp_path / "page")], check=True)
    pictures = sorted(tmp_path.glob("page-*.png"))
    assert len(pictures) == page_count(pdf)
    for picture in pictures:  # on every page
        results = zxingcpp.read_barcodes(Image.open(picture))
        texts = [r.text for r in results if r.format == zxingcpp.BarcodeFormat.QRCode]
        assert texts == [thirty.verification_url]
    assert thirty.verification_url.endswith(f"/verify/{thirty.code}/")


def test_the_signed_certificate_shows_names_signatures_and_refused_units(handover, desk):
    from tests.certificates.conftest import record_handover

    refused = list(handover.allocation.units.order_by("pk").values_list("computer", flat=True))[:1]
    record_handover(handover, desk, refused_computer_ids=refused, refusal_note="Boîtier fendu")
    pdf = services.build_certificate_pdf(handover_id=handover.pk, signed=True)
    text = " ".join("\n".join(pdf_pages_text(pdf)).split())
    assert "exemplaire signé" in text and "Nadia Benali" in text and "Denise Guichet" in text
    assert "Ordinateurs refusés à la remise" in text and "Boîtier fendu" in text
    assert "11 ordinateurs remis" in text
    images = sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)
    assert images >= 2  # the two signatures


def test_merged_print_pdf_has_the_pages_of_every_certificate(db):
    wave = confirmed_wave(3, 10)
    documents = [
        services.build_certificate_pdf(handover_id=h.pk, signed=False)
        for h in Handover.objects.filter(wave=wave).order_by("sequence")
    ]
    merged = merge_pdfs(documents)
    assert page_count(merged) == sum(page_count(d) for d in documents)


def test_html_to_pdf_is_pure_and_never_fetches_from_the_network():
    from urllib import request

    with mock.patch.object(request.OpenerDirector, "open", side_effect=AssertionError("network")) as opener:
        pdf = html_to_pdf('<p>Bonjour</p><img src="http://198.51.100.1/x.png">', base_url="/")
    assert pdf.startswith(b"%PDF") and page_count(pdf) == 1
    opener.assert_not_called()
    assert "Bonjour" in pdf_pages_text(pdf)[0]


def test_the_grouped_verification_code_is_printed_under_the_qr_code_on_every_page(thirty, tmp_path):
    require(shutil.which("pdftotext") is not None, "poppler-utils (pdftotext) is not installed")
    assert len(thirty.code) == 14 and thirty.code.count("-") == 2  # K7QD-9M2X-4T8P
    pdf = services.build_certificate_pdf(handover_id=thirty.pk, signed=False)
    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(source), "-"], check=True, capture_output=True, text=True)
    pages = text.stdout.split("\f")[: page_count(pdf)]
    for page in pages:
        assert thirty.code in page  # under the QR code, in one piece
        assert "/verify/ avec le code" in " ".join(page.split())
