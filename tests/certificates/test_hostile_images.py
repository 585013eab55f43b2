"""Signature and scan pictures: bombs and truncated files get a clear field error, never a 500;
an accepted picture never makes a page larger than A4."""

import html

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from certificates import services
from certificates.pdf import image_to_pdf
from tests.certificates.conftest import data_url, record_form, record_url, signature_png
from tests.hostile_files import jpeg_declaring, png_cut, png_declaring, white_picture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=[False, True], ids=["pillow-strict", "after-weasyprint"])
def _truncated_switch(request, monkeypatch):
    """Pillow's process-wide switch, off by default, on once WeasyPrint is imported (every worker)."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", request.param)


def test_the_hostile_files_are_what_they_claim():
    assert len(png_declaring(20000, 20000)) <= 80
    assert len(jpeg_declaring(14000, 12000)) < 1000


@pytest.mark.parametrize(
    ("png", "message"),
    [
        (png_declaring(20000, 20000), "trop grande"),  # Pillow's decompression-bomb error
        (png_declaring(9000, 9000), "trop grande"),  # under Pillow's limit, over the pad's
        (png_cut(400, 150), "n'a pas pu être lue"),  # cut short
        (jpeg_declaring(400, 150, truncate=False), "n'a pas pu être lue"),  # not a PNG
    ],
    ids=["png-20000", "png-9000", "png-cut", "jpeg"],
)
def test_a_hostile_signature_is_a_field_error(png, message):
    with pytest.raises(ValidationError) as error:
        services.clean_signature(png, field="association_signature")
    assert message in error.value.message_dict["association_signature"][0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (png_declaring(20000, 20000), "trop grande"),
        (jpeg_declaring(14000, 12000), "trop grande (14000 × 12000 pixels)"),
        (jpeg_declaring(9000, 6000), "trop grande"),  # 54 megapixels
        (jpeg_declaring(2000, 1500), "incomplète ou endommagée"),  # in bounds, data cut short
        (png_cut(1200, 1600), "incomplète ou endommagée"),
        (b"GIF89a" + b"\x00" * 64, "Envoyez un PDF, ou une photo JPEG ou PNG"),
    ],
    ids=["png-20000", "jpeg-14000", "jpeg-54mp", "jpeg-truncated", "png-truncated", "gif"],
)
def test_a_hostile_scan_is_a_field_error(content, message):
    with pytest.raises(ValidationError) as error:
        services.clean_scan(content)
    assert message in error.value.message_dict["signed_scan"][0]


def test_an_honest_scan_and_signature_still_pass():
    assert services.clean_scan(white_picture(2480, 3508, "JPEG"))[1] == "jpg"
    assert services.clean_scan(white_picture(2480, 3508))[1] == "png"
    assert services.clean_signature(signature_png(), field="x").startswith(b"\x89PNG")


@pytest.mark.parametrize(("width", "height"), [(6000, 4000), (4000, 6000), (1200, 1700), (9000, 4000)])
def test_a_scanned_picture_prints_on_at_most_an_a4_page(width, height):
    page = PdfReader(__import__("io").BytesIO(image_to_pdf(white_picture(width, height)))).pages[0]
    short, long = sorted((float(page.mediabox.width), float(page.mediabox.height)))
    assert short <= 595.5 and long <= 842.5, (short, long)  # A4 in points, either orientation


# Through the desk's real form -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"association_signature": data_url(png_declaring(20000, 20000))}, "La signature est trop grande"),
        ({"operator_signature": data_url(png_declaring(20000, 20000))}, "La signature est trop grande"),
        (
            {"mode": "paper", "signed_scan": ("scan.jpg", jpeg_declaring(14000, 12000), "image/jpeg")},
            "Cette image est trop grande",
        ),
        (
            {"mode": "paper", "signed_scan": ("scan.png", png_declaring(20000, 20000), "image/png")},
            "Cette image est trop grande",
        ),
        (
            {"mode": "paper", "signed_scan": ("scan.jpg", jpeg_declaring(2000, 1500), "image/jpeg")},
            "incomplète ou endommagée",
        ),
    ],
    ids=["bomb-association", "bomb-operator", "huge-jpeg-scan", "bomb-png-scan", "truncated-jpeg-scan"],
)
def test_the_desk_form_answers_a_field_error_and_records_nothing(client, desk, handover, data, message):
    if "signed_scan" in data:
        name, content, kind = data["signed_scan"]
        data = {**data, "signed_scan": SimpleUploadedFile(name, content, content_type=kind)}
    client.force_login(desk)
    response = client.post(record_url(handover), record_form(**data))
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert message in page and "rien n'a été enregistré" in page
    handover.refresh_from_db()
    assert not handover.is_signed and not handover.signed_scan and not handover.association_signature
