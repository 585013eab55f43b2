"""Uploaded supporting documents: PDF checked by content, size capped, stored under a random name."""

import io
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PdfReadError


def document_upload_to(instance, filename: str) -> str:
    # Never reuse the visitor's file name: it may carry anything.
    return f"associations/{instance.association_id}/{uuid.uuid4().hex}.pdf"


def validate_pdf_document(upload) -> None:
    """A real PDF (by its content, not its name) of at most MAX_DOCUMENT_SIZE bytes."""
    if upload is None:
        return
    limit = settings.MAX_DOCUMENT_SIZE
    if upload.size > limit:
        raise ValidationError(
            _("Ce fichier pèse %(size)s ; la limite est de %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="file_too_large",
        )
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    if b"%PDF-" not in head:
        raise ValidationError(
            _("Ce fichier n'est pas un PDF. Enregistrez votre document au format PDF."), code="not_pdf"
        )
    try:
        reader = PdfReader(io.BytesIO(upload.read()))
        if len(reader.pages) < 1:
            raise PdfReadError("no page")
    except Exception:
        raise ValidationError(
            _("Ce PDF est illisible ou endommagé. Essayez de l'enregistrer à nouveau."), code="bad_pdf"
        ) from None
    finally:
        upload.seek(0)
