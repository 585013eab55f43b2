"""HTML to PDF, kept apart from HTTP and from the database: a pure function of its input."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader, PdfWriter

# WeasyPrint logs every layout step at INFO: keep the workers' logs readable.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def html_to_pdf(html: str, base_url: str) -> bytes:
    """Render ``html`` with WeasyPrint; relative URLs resolve against ``base_url``.

    Only ``data:`` and ``file:`` resources are fetched: a certificate never reaches the network.
    """
    from weasyprint import HTML, URLFetcher  # imported late: Pango loads only where PDFs are made

    fetcher = URLFetcher(allowed_protocols={"data", "file"}, timeout=5)
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def merge_pdfs(documents: list[bytes]) -> bytes:
    """One PDF with the pages of every document, in order (for the printer)."""
    writer = PdfWriter()
    for document in documents:
        writer.append(PdfReader(io.BytesIO(document)))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


A4_INCHES = (8.27, 11.69)


def scan_resolution(width: int, height: int, *, minimum: float = 150.0) -> float:
    """The dpi at which a ``width`` x ``height`` picture fits on an A4 page, in either orientation."""
    short, long = sorted((width, height))
    return max(minimum, short / A4_INCHES[0], long / A4_INCHES[1])


def image_to_pdf(image: bytes) -> bytes:
    """A one-page PDF of a scanned image (JPEG or PNG): 150 dpi, or more so that the page is at most A4."""
    from PIL import Image

    with Image.open(io.BytesIO(image)) as picture:
        buffer = io.BytesIO()
        resolution = scan_resolution(*picture.size)
        picture.convert("RGB").save(buffer, "PDF", resolution=resolution)
    return buffer.getvalue()
