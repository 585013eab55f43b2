"""HTML to PDF, kept apart from HTTP and from the database: a pure function of its input."""

from __future__ import annotations

import functools
import io
import logging
import mimetypes
import os
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from pypdf import PdfReader, PdfWriter

# WeasyPrint logs every layout step at INFO: keep the workers' logs readable.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def allowed_file_roots() -> list[str]:
    """The folders a rendered document may read: the project's static files and its media."""
    from django.conf import settings

    roots = [*settings.STATICFILES_DIRS, settings.STATIC_ROOT, settings.MEDIA_ROOT]
    return [os.path.realpath(root) for root in roots if root]


@functools.cache
def _fetcher_class():
    from weasyprint import URLFetcher  # imported late: Pango loads only where PDFs are made
    from weasyprint.urls import URLFetcherResponse

    class LocalOnlyFetcher(URLFetcher):
        """WeasyPrint's URL fetcher for our documents: ``data:`` URLs, and files under ``roots`` only.

        A ``file:`` URL is resolved to its real path (``..`` and symbolic links followed) and must
        land on a regular file inside one of ``roots``; anything else (``/etc/passwd``, a link out of
        the static folder, ``http(s):``, ``ftp:``...) raises, and WeasyPrint renders without it.
        """

        def __init__(self, roots: Iterable[str]):
            super().__init__(allowed_protocols={"data", "file"}, timeout=5, allow_redirects=False)
            self.roots = [os.path.realpath(root) for root in roots]

        def _inside(self, path: str) -> bool:
            return any(os.path.commonpath([root, path]) == root for root in self.roots)

        def fetch(self, url, headers=None):
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme != "file":
                raise ValueError(f"Refused URL scheme for a rendered document: {scheme or url[:20]}")
            path = os.path.realpath(url2pathname(unquote(urlsplit(url).path)))
            if not self._inside(path) or not os.path.isfile(path):
                raise ValueError(f"Refused file outside the static and media folders: {url[:200]}")
            with open(path, "rb") as handle:
                body = handle.read()
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

    return LocalOnlyFetcher


def local_only_fetcher(roots: Iterable[str]):
    """A WeasyPrint URL fetcher that reads ``data:`` URLs and regular files under ``roots``, nothing else."""
    return _fetcher_class()(roots)


def html_to_pdf(html: str, base_url: str, *, allowed_roots: Iterable[str] | None = None) -> bytes:
    """Render ``html`` with WeasyPrint; relative URLs resolve against ``base_url``.

    Only ``data:`` URLs and files under ``allowed_roots`` (by default the static files and media)
    are read: a document never reaches the network nor any other local file.
    """
    from weasyprint import HTML  # imported late: Pango loads only where PDFs are made

    roots = allowed_file_roots() if allowed_roots is None else allowed_roots
    return HTML(string=html, base_url=base_url, url_fetcher=local_only_fetcher(roots)).write_pdf()


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def merge_pdfs(documents: list[bytes], *, copies: int = 1, pad_to_even: bool = False) -> bytes:
    """One PDF with the pages of every document, in order (for the printer).

    ``copies``: each document repeated that many times in a row. ``pad_to_even``: a blank page after each
    copy that has an odd number of pages, so that a duplex printer starts every copy on a new sheet.
    """
    writer = PdfWriter()
    for document in documents:
        for _copy in range(copies):
            reader = PdfReader(io.BytesIO(document))  # a fresh reader per copy: each copy gets its own pages
            writer.append(reader)
            if pad_to_even and len(reader.pages) % 2:
                writer.add_blank_page()
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
