"""A rendered document reads data: URLs and the project's static files and media, nothing else."""

import io
import os
from unittest import mock

import pytest
from pypdf import PdfReader

from certificates.pdf import html_to_pdf


@pytest.fixture
def places(tmp_path):
    """An allowed root with an image, a secret outside it, and a symbolic link from inside to the secret."""
    from PIL import Image

    static = tmp_path / "static"
    (static / "img").mkdir(parents=True)
    Image.new("RGB", (40, 20), (10, 90, 170)).save(static / "img" / "logo.png")
    (static / "notes.txt").write_text("PUBLIC-NOTE")
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("SECRET-6b1f0c")
    os.symlink(secret, static / "img" / "link.txt")
    return {"static": static, "secret": secret}


def _attachments(pdf: bytes) -> dict:
    return {name: b"".join(data) for name, data in PdfReader(io.BytesIO(pdf)).attachments.items()}


def _images(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def _render(html: str, places) -> bytes:
    import socket

    with (
        mock.patch.object(socket, "create_connection", side_effect=AssertionError("network")) as connect,
        mock.patch.object(socket.socket, "connect", side_effect=AssertionError("network")) as raw_connect,
    ):
        pdf = html_to_pdf(html, base_url=str(places["static"]) + "/", allowed_roots=[str(places["static"])])
    connect.assert_not_called()
    raw_connect.assert_not_called()
    return pdf


@pytest.mark.parametrize(
    "href",
    [
        "file:///etc/passwd",
        "file://{secret}",
        "../outside/secret.txt",
        "img/../../outside/secret.txt",
        "file://{static}/../outside/secret.txt",
        "img/link.txt",  # a symbolic link inside the static folder that points out of it
        "http://example.com/",
        "https://example.com/x.txt",
        "ftp://example.com/x.txt",
    ],
)
def test_nothing_outside_the_allowed_folders_is_read(places, href):
    href = href.format(secret=places["secret"], static=places["static"])
    pdf = _render(
        f'<p>x</p><link rel="attachment" href="{href}"><a rel="attachment" href="{href}">a</a>'
        f'<img src="{href}"><style>@import url("{href}");</style>',
        places,
    )
    assert _attachments(pdf) == {}
    assert b"SECRET-6b1f0c" not in pdf and b"root:x:0" not in pdf


def test_files_inside_the_allowed_folders_and_data_urls_are_read(places):
    pdf = _render(
        '<link rel="attachment" href="notes.txt"><img src="img/logo.png">'
        '<img src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwAD'
        'hgGAWjR9awAAAABJRU5ErkJggg==">',
        places,
    )
    assert _attachments(pdf) == {"notes.txt": b"PUBLIC-NOTE"}
    assert _images(pdf) == 2


def test_the_certificate_still_renders_with_its_qr_code(handover):
    from certificates import services
    from certificates.pdf import _fetcher_class

    fetcher = _fetcher_class()
    fetched, refused = [], []
    original = fetcher.fetch

    def spy(self, url, headers=None):
        try:
            response = original(self, url, headers)
        except Exception:
            refused.append(url)
            raise
        fetched.append(url)
        return response

    with mock.patch.object(fetcher, "fetch", spy):
        pdf = services.build_certificate_pdf(handover_id=handover.pk, signed=False)
    assert pdf.startswith(b"%PDF")
    assert refused == []
    assert any(url.startswith("data:image/svg+xml") for url in fetched)  # the QR code


def test_with_the_default_folders_etc_passwd_is_never_embedded(settings):
    html = '<p>x</p><link rel="attachment" href="file:///etc/passwd"><img src="../../../../../../etc/passwd">'
    pdf = html_to_pdf(html, base_url=str(settings.BASE_DIR))
    assert _attachments(pdf) == {} and b"root:x:0" not in pdf
