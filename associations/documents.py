"""Uploaded files: PDFs checked by content, pictures by core.imagecheck, size capped, stored under a random name."""

import re
import unicodedata
import uuid

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.imagecheck import MAX_PHOTO_PIXELS, MAX_PHOTO_SIDE, ImageRefused, checked_image
from core.pdfcheck import pdf_problem
from core.sizes import check_size

ATTACHMENT_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}
ATTACHMENT_ACCEPT = ",".join(ATTACHMENT_TYPES.values())


def document_upload_to(instance, filename: str) -> str:
    # Never reuse the visitor's file name: it may carry anything.
    return f"associations/{instance.association_id}/{uuid.uuid4().hex}.pdf"


def attachment_upload_to(instance, filename: str) -> str:
    """A message's attachment, beside its association's documents; the extension is the checked type's."""
    extension = instance.attachment_type if instance.attachment_type in ATTACHMENT_TYPES else "bin"
    return f"associations/{instance.application.association_id}/messages/{uuid.uuid4().hex}.{extension}"


def display_name(filename: str, *, default: str = "document") -> str:
    """A visitor's file name made safe to show and to send back in a header: no folder, no control
    character, no quote, at most 100 characters (the extension kept)."""
    name = unicodedata.normalize("NFC", str(filename or "")).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'["<>:|?*;]', "_", name).strip(" .")
    if len(name) > 100:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 100 - len(extension) - 1] + "." + extension) if dot and len(extension) <= 8 else name[:100]
    return name or default


def _check_size(upload) -> None:
    check_size(upload, _("Ce fichier pèse %(size)s ; la limite est de %(limit)s."))


def _read(upload) -> bytes:
    upload.seek(0)
    try:
        return upload.read()
    finally:
        upload.seek(0)


def _refuse_pdf(problem: str | None) -> None:
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


def validate_pdf_document(upload) -> None:
    """A real PDF (by its content, not its name) of at most MAX_DOCUMENT_SIZE bytes."""
    if upload is None:
        return
    _check_size(upload)
    _refuse_pdf(pdf_problem(_read(upload)))


def validate_attachment(upload) -> str:
    """A PDF (the documents' checks) or a JPEG or PNG photo (core.imagecheck), of at most MAX_DOCUMENT_SIZE
    bytes, recognised by its content whatever its name says. Returns its type: "pdf", "jpg" or "png"."""
    _check_size(upload)
    content = _read(upload)
    if not content:
        raise ValidationError(_("Le fichier est vide."), code="empty")
    if content.startswith(b"%PDF-"):
        _refuse_pdf(pdf_problem(content))
        return "pdf"
    return photo_extension(content, refused=_("Joignez un PDF, ou une photo JPEG ou PNG."), code="bad_attachment")


def photo_extension(content: bytes, *, refused: str, code: str) -> str:
    """``jpg`` or ``png`` for a photo that opens and fits the limits (core.imagecheck); otherwise a French
    ValidationError: too large, truncated, or ``refused`` (with ``code``) for anything that is not such a photo."""
    try:
        picture = checked_image(content, formats=("JPEG", "PNG"), max_side=MAX_PHOTO_SIDE, max_pixels=MAX_PHOTO_PIXELS)
    except ImageRefused as refusal:
        if refusal.reason == "too_large":
            raise ValidationError(
                _("Cette image est trop grande : envoyez une photo de %(side)s pixels de côté au plus.")
                % {"side": f"{MAX_PHOTO_SIDE:,}".replace(",", "\u202f")},
                code="image_too_large",
            ) from None
        if refusal.reason == "truncated":
            raise ValidationError(
                _("Cette image est incomplète ou endommagée : enregistrez-la ou photographiez à nouveau."),
                code="image_truncated",
            ) from None
        raise ValidationError(refused, code=code) from None
    return "jpg" if picture.format == "JPEG" else "png"
