"""Files chosen on a form that was refused for another reason are kept for the next try.

A browser never sends a chosen file again: after any validation error, the person would have to choose
it again, and a form that says nothing about it loses it silently. ``KeepsUploadsMixin`` holds every file
that passed its own checks (``HeldUpload``: stored under a random name, its owner's only), shows it as
« fichier déjà joint » with a hidden token, and feeds it back to the field on the next submission unless a
new file is chosen. The view calls ``keep_uploads()`` before showing the form again and
``release_uploads()`` once the form went through; the hourly sweep deletes what was never sent again.
"""

from __future__ import annotations

import datetime
import logging
import uuid

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from core.models import HeldUpload

logger = logging.getLogger(__name__)

TOKEN_SUFFIX = "_held"


def _cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(hours=settings.HELD_UPLOAD_HOURS)


def hold_upload(upload, *, user, field: str, name: str) -> HeldUpload:
    """Store ``upload`` for ``user``'s next try at ``field`` (``name``: already made safe to show)."""
    content_type = getattr(upload, "content_type", "") or "application/octet-stream"
    held = HeldUpload(user=user, field=field, name=name, content_type=content_type)
    upload.seek(0)
    held.file.save(held.token.hex, upload, save=False)
    upload.seek(0)
    held.save()
    return held


def held_upload(user, token: str | None, *, field: str) -> HeldUpload | None:
    """``user``'s own held file for ``field``, still fresh; None for anything else (someone else's token too)."""
    if not token or user is None or not user.is_authenticated:
        return None
    try:
        token = uuid.UUID(str(token))
    except ValueError:
        return None
    return HeldUpload.objects.filter(user=user, token=token, field=field, created_at__gte=_cutoff()).first()


def as_upload(held: HeldUpload) -> UploadedFile | None:
    """The held file, as the field would have received it from the browser; None when it is gone."""
    try:
        handle = held.file.storage.open(held.file.name, "rb")
        size = held.file.storage.size(held.file.name)
    except (FileNotFoundError, OSError):
        return None
    return UploadedFile(file=handle, name=held.name, content_type=held.content_type, size=size)


def _delete_files(storage, names: list[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # left on the storage: the next sweep will not see it, but it is under held/
            logger.warning("Could not delete held upload %s", name, exc_info=True)


def release(rows: list[HeldUpload]) -> None:
    """Delete held files (rows now, files once the transaction commits)."""
    rows = [row for row in rows if row.pk]
    if not rows:
        return
    storage = HeldUpload._meta.get_field("file").storage
    names = [row.file.name for row in rows]
    HeldUpload.objects.filter(pk__in=[row.pk for row in rows]).delete()
    transaction.on_commit(lambda: _delete_files(storage, names), robust=True)


def sweep_held_uploads(*, now: datetime.datetime | None = None) -> int:
    """Periodic: delete the held files older than HELD_UPLOAD_HOURS. Returns how many. Safe to run twice."""
    old = list(HeldUpload.objects.filter(created_at__lt=_cutoff(now)).order_by("pk")[:1000])
    with transaction.atomic():
        release(old)
    return len(old)


class KeepsUploadsMixin:
    """A form whose file fields (``kept_file_fields``) survive a refused submission. Takes ``holder=user``."""

    kept_file_fields: tuple[str, ...] = ()

    def __init__(self, *args, holder=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.holder = holder
        self.held: dict[str, HeldUpload] = {}
        if not self.is_bound or holder is None:
            return
        files = self.files.copy() if self.files else MultiValueDict()
        for name in self.kept_file_fields:
            if files.get(name):
                continue  # a file chosen now replaces the one kept
            held = held_upload(holder, self.data.get(name + TOKEN_SUFFIX), field=name)
            upload = as_upload(held) if held else None
            if upload is not None:
                files[name] = upload
                self.held[name] = held
        self.files = files

    def keep_uploads(self) -> None:
        """Before showing the refused form again: hold each file that passed its own checks."""
        if self.holder is None or not self.holder.is_authenticated:
            return
        cleaned = getattr(self, "cleaned_data", {}) or {}
        for name in self.kept_file_fields:
            value = cleaned.get(name)
            if name in self.errors or name in self.held or not isinstance(value, UploadedFile):
                continue
            self.held[name] = hold_upload(value, user=self.holder, field=name, name=self.held_display_name(value))

    def held_display_name(self, upload) -> str:
        return str(upload.name or "")[:100]

    def release_uploads(self) -> None:
        """Once the form went through: the held files were copied where they belong, delete them."""
        release(list(self.held.values()))
        self.held = {}
