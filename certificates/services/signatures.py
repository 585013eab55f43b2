"""Pure checks of what the print desk uploads: signature pads' PNGs and scans signed on paper (no database)."""

from __future__ import annotations

import base64
import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from certificates.pdf import page_count
from core.imagecheck import MAX_PHOTO_PIXELS, MAX_PHOTO_SIDE, ImageRefused, checked_image
from core.pdfcheck import pdf_problem

MAX_SIGNATURE_BYTES = 600 * 1024
MAX_SIGNATURE_SIDE = 4000
MAX_SCAN_BYTES = 10 * 1024 * 1024
MAX_SCAN_PAGES = 30
# A photo or scan of one A4 page (core.imagecheck: the same bounds as every uploaded photo).
MAX_SCAN_SIDE = MAX_PHOTO_SIDE
MAX_SCAN_PIXELS = MAX_PHOTO_PIXELS


def decode_data_url(value: str, *, field: str) -> bytes:
    """The bytes of a ``data:image/png;base64,...`` URL sent by the signature pad."""
    value = (value or "").strip()
    prefix = "data:image/png;base64,"
    if not value.startswith(prefix):
        raise ValidationError({field: _("La signature n'a pas pu être lue : signez à nouveau.")})
    try:
        return base64.b64decode(value[len(prefix) :], validate=True)
    except (ValueError, TypeError):
        raise ValidationError({field: _("La signature n'a pas pu être lue : signez à nouveau.")})


def clean_signature(png: bytes, *, field: str) -> bytes:
    """A PNG signature, not empty, re-encoded (nothing but pixels is kept)."""
    unreadable = ValidationError({field: _("La signature n'a pas pu être lue : signez à nouveau.")})
    if not png:
        raise ValidationError({field: _("La signature est vide.")})
    if len(png) > MAX_SIGNATURE_BYTES:
        raise ValidationError({field: _("La signature est trop lourde : effacez-la et signez à nouveau.")})
    try:
        image = checked_image(
            png, formats=("PNG",), max_side=MAX_SIGNATURE_SIDE, max_pixels=MAX_SIGNATURE_SIDE * MAX_SIGNATURE_SIDE
        )
    except ImageRefused as refused:
        if refused.reason == "too_large":
            raise ValidationError(
                {field: _("La signature est trop grande : effacez-la et signez à nouveau dans le cadre.")}
            ) from None
        raise unreadable from None
    image = image.convert("RGBA")
    ink = image.getchannel("A").point(lambda a: 255 if a > 32 else 0)
    box = ink.getbbox()
    if box is None or (box[2] - box[0]) < 15 and (box[3] - box[1]) < 15:
        raise ValidationError({field: _("La signature est vide : signez dans le cadre.")})
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def clean_signatures(pads, *, errors: dict[str, str]) -> dict[str, bytes]:
    """The pads' signatures, each ``(field, png, message when missing)``: the cleaned PNGs by field; a missing or
    refused one adds its field's error to ``errors`` (the caller raises them with its other fields' errors)."""
    cleaned: dict[str, bytes] = {}
    for field, png, missing in pads:
        if not png:
            errors[field] = missing
            continue
        try:
            cleaned[field] = clean_signature(png, field=field)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    return cleaned


def clean_scan(content: bytes, *, field: str = "signed_scan") -> tuple[bytes, str]:
    """A scan of the certificate signed on paper: a PDF, or a JPEG or PNG picture. Returns (bytes, extension)."""
    if not content:
        raise ValidationError({field: _("Le fichier est vide.")})
    if len(content) > MAX_SCAN_BYTES:
        raise ValidationError({field: _("Le fichier dépasse %(n)s Mo.") % {"n": MAX_SCAN_BYTES // (1024 * 1024)}})
    if content.startswith(b"%PDF"):
        problem = pdf_problem(content)
        if problem == "encrypted":
            raise ValidationError(
                {field: _("Ce PDF est protégé par un mot de passe ou chiffré : enregistrez-le sans protection.")}
            )
        if problem == "active":
            raise ValidationError(
                {
                    field: _(
                        "Ce PDF contient du contenu actif (JavaScript, lancement d'application) : "
                        "enregistrez-le à nouveau avec « Imprimer » puis « Enregistrer au format PDF »."
                    )
                }
            )
        try:
            if problem:
                raise ValueError(problem)
            pages = page_count(content)
        except Exception:
            raise ValidationError({field: _("Ce PDF est illisible.")})
        if not 1 <= pages <= MAX_SCAN_PAGES:
            raise ValidationError({field: _("Le scan doit compter de 1 à %(n)s pages.") % {"n": MAX_SCAN_PAGES}})
        return content, "pdf"
    try:
        picture = checked_image(content, formats=("JPEG", "PNG"), max_side=MAX_SCAN_SIDE, max_pixels=MAX_SCAN_PIXELS)
    except ImageRefused as refused:
        if refused.reason == "too_large":
            size = (
                _(" (%(w)s × %(h)s pixels)") % {"w": refused.size[0], "h": refused.size[1]} if refused.size[0] else ""
            )
            raise ValidationError(
                {
                    field: _(
                        "Cette image est trop grande%(size)s : envoyez une photo ou un scan de %(side)s pixels "
                        "de côté au plus (une page A4 à 300 dpi suffit)."
                    )
                    % {"size": size, "side": f"{MAX_SCAN_SIDE:,}".replace(",", "\u202f")}
                }
            ) from None
        if refused.reason == "truncated":
            raise ValidationError(
                {
                    field: _(
                        "Cette image est incomplète ou endommagée : numérisez ou photographiez à nouveau l'attestation."
                    )
                }
            ) from None
        raise ValidationError({field: _("Envoyez un PDF, ou une photo JPEG ou PNG.")}) from None
    return content, "jpg" if picture.format == "JPEG" else "png"
