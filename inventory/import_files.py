"""The stock import's temporary files, and the sweep that deletes those left behind.

The import of computers (django-import-export's ``MediaStorage``, ``tmp_storage_class`` of ``ComputerAdmin``)
keeps two kinds of files in one folder of the file storage: the copy of an uploaded file, from its preview until
the import is confirmed, and the CSV of the rows a partial import refused, downloaded from the message shown after
the import. A preview never confirmed and every CSV of refused rows would stay there forever: the hourly sweep
(Celery beat, ``inventory.tasks.sweep_import_files``) deletes the files older than ``IMPORT_FILES_KEEP_HOURS``.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.utils import timezone

logger = logging.getLogger(__name__)

# MediaStorage's folder (its MEDIA_FOLDER, which the admin leaves as it is), in the storage MediaStorage picks:
# the "import_export" one when STORAGES names it, the default one otherwise.
FOLDER = "django-import-export"


def import_files_storage() -> Storage:
    return storages["import_export"] if "import_export" in settings.STORAGES else storages["default"]


def import_files_sweep(*, now: datetime.datetime | None = None) -> int:
    """Periodic: delete the import's temporary files older than IMPORT_FILES_KEEP_HOURS; returns how many.
    Only that folder is looked at. Safe to run twice, and next to an import (a file gone meanwhile is skipped)."""
    storage = import_files_storage()
    cutoff = (now or timezone.now()) - datetime.timedelta(hours=settings.IMPORT_FILES_KEEP_HOURS)
    try:
        _folders, names = storage.listdir(FOLDER)
    except FileNotFoundError:  # no import yet on this storage
        names = []
    removed = 0
    for name in sorted(names):
        path = f"{FOLDER}/{name}"
        try:
            if storage.get_modified_time(path) >= cutoff:
                continue
            storage.delete(path)
        except FileNotFoundError:  # confirmed or deleted meanwhile
            continue
        removed += 1
    logger.info("Import files sweep: %s file(s) older than %s h removed", removed, settings.IMPORT_FILES_KEEP_HOURS)
    return removed
