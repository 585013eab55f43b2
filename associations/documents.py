"""Uploaded supporting documents: PDF checked by content, size capped, stored under a random name."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.pdfcheck import pdf_problem
from core.sizes import file_size


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
            % {"size": file_size(upload.size), "limit": file_size(limit)},
            code="file_too_large",
        )
    upload.seek(0)
    try:
        problem = pdf_problem(upload.read())
    finally:
        upload.seek(0)
    if problem == "not_pdf":
        raise ValidationError(
            _("Ce fichier n'est pas un PDF. Enregistrez votre document au format PDF."), code="not_pdf"
        )
    if problem == "encrypted":
        raise ValidationError(
            _("Ce PDF est protégé par un mot de passe ou chiffré : enregistrez-le sans protection."),
            code="encrypted_pdf",
        )
    if problem == "active":
        raise ValidationError(
            _(
                "Ce PDF contient du contenu actif (JavaScript, lancement d'application) : "
                "enregistrez-le à nouveau avec « Imprimer » puis « Enregistrer au format PDF »."
            ),
            code="active_pdf",
        )
    if problem:
        raise ValidationError(
            _("Ce PDF est illisible ou endommagé. Essayez de l'enregistrer à nouveau."), code="bad_pdf"
        )
