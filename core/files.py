"""Stored files served by views: open one, or answer 404 when it is missing (never a 500)."""

from django.db.models.fields.files import FieldFile
from django.http import Http404


def open_or_404(document: FieldFile | None):
    """The stored file opened for reading; 404 when the field is empty or the file is gone from the storage."""
    if not document:
        raise Http404
    try:
        return document.storage.open(document.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
