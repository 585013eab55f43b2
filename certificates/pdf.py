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


def image_to_pdf(image: bytes) -> bytes:
    """A one-page PDF of a scanned image (JPEG or PNG), 150 dpi."""
    from PIL import Image

    with Image.open(io.BytesIO(image)) as picture:
        buffer = io.BytesIO()
        picture.convert("RGB").save(buffer, "PDF", resolution=150.0)
    return buffer.getvalue()
