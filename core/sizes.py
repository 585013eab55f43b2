"""File sizes as people read them: "5 Mo", "1,3 Mo", "600 Ko" (MB and kB in English).

Django's ``filesizeformat`` writes binary-prefixed units in French (mébioctets); the portal says "Mo" and "Ko"
everywhere, in its help texts and in its errors alike. The limits are set in binary units (5 × 1024 × 1024
bytes): 1 Mo here is 1,048,576 bytes, so that "5 Mo au plus" and the size of a refused file count alike.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

KB = 1024
MB = 1024 * 1024


def file_size(size: int) -> str:
    if size >= MB:
        value = round(size / MB, 1)
        return _("%(n)s Mo") % {"n": number_format(value, decimal_pos=0 if value == int(value) else 1)}
    value = max(1, round(size / KB))
    return _("%(n)s Ko") % {"n": number_format(value, decimal_pos=0)}


def check_size(upload, refused: str) -> None:
    """Refuses an upload over MAX_DOCUMENT_SIZE; ``refused`` says so with the file's %(size)s and the %(limit)s."""
    limit = settings.MAX_DOCUMENT_SIZE
    if upload.size > limit:
        raise ValidationError(
            refused % {"size": file_size(upload.size), "limit": file_size(limit)}, code="file_too_large"
        )
