"""The stock import's temporary files (a preview's upload, the CSV of refused rows) are swept after a day;
recent ones and the other folders of the storage are left alone."""

import datetime
import logging
import os

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from inventory.import_files import FOLDER, import_files_storage, import_files_sweep
from inventory.tasks import sweep_import_files
from tests.inventory.test_import import HEADER, csv_bytes
from tests.inventory.test_import_options import CONFIRM, hostile_body, upload_with

pytestmark = pytest.mark.django_db


def import_files() -> set[str]:
    storage = import_files_storage()
    try:
        return set(storage.listdir(FOLDER)[1])
    except FileNotFoundError:
        return set()


def age(name: str, hours: float) -> None:
    """Set a file's modified time on the local storage to ``hours`` ago."""
    path = import_files_storage().path(name)
    when = (timezone.now() - datetime.timedelta(hours=hours)).timestamp()
    os.utime(path, (when, when))


def test_the_files_the_admin_leaves_go_after_a_day_and_recent_ones_stay(lot, operator_client, settings, caplog):
    assert settings.IMPORT_FILES_KEEP_HOURS == 24
    # A preview never confirmed keeps its upload; a partial import confirmed leaves the CSV of its refused rows.
    preview = upload_with(operator_client, csv_bytes(HEADER, hostile_body()), partial="on")
    assert preview.status_code == 200 and "confirm_form" in preview.context
    kept_upload = preview.context["confirm_form"].initial["import_file_name"]
    confirmed = upload_with(operator_client, csv_bytes(HEADER, hostile_body()), partial="on")
    assert operator_client.post(reverse(CONFIRM), confirmed.context["confirm_form"].initial).status_code == 302
    left = import_files()
    refused_csv = next(name for name in left if name.startswith("refus-"))
    assert left == {kept_upload, refused_csv}
    # Another file of the import's folder, written an hour ago; files of other folders, older still.
    storage = import_files_storage()
    recent = storage.save(f"{FOLDER}/recent", ContentFile(b"x"))
    elsewhere = [storage.save(name, ContentFile(b"x")) for name in ("held/old.pdf", f"{FOLDER}-other/old.csv")]
    for name in elsewhere:
        age(name, 48)
    age(recent, 1)
    age(f"{FOLDER}/{kept_upload}", 24.5)
    age(f"{FOLDER}/{refused_csv}", 30)

    with caplog.at_level(logging.INFO, logger="inventory.import_files"):
        assert sweep_import_files.apply().get() == 2  # through Celery, as beat sends it
    assert import_files() == {"recent"}
    assert all(storage.exists(name) for name in elsewhere)
    assert "Import files sweep: 2 file(s) older than 24 h removed" in caplog.text
    assert sweep_import_files.apply().get() == 0  # safe to run again

    # The refused rows' link now says the file is gone, without an error page.
    url = reverse("admin:inventory_computer_import_rejected", args=[refused_csv])
    assert operator_client.get(url).status_code == 404

    with time_machine.travel(timezone.now() + datetime.timedelta(hours=22), tick=False):
        assert import_files_sweep() == 0  # 24 h after it was written (an hour ago), not before
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=24), tick=False):
        assert import_files_sweep() == 1
    assert import_files() == set()


def test_the_delay_is_a_setting(settings):
    settings.IMPORT_FILES_KEEP_HOURS = 2
    storage = import_files_storage()
    three_hours, one_hour = (storage.save(f"{FOLDER}/{n}", ContentFile(b"x")) for n in ("three", "one"))
    age(three_hours, 3)
    age(one_hour, 1)
    assert import_files_sweep() == 1
    assert import_files() == {"one"}


def test_nothing_to_sweep_before_the_first_import():
    assert not import_files_storage().exists(FOLDER)
    assert import_files_sweep() == 0


def test_the_sweep_works_through_the_storage_api_on_s3_too(s3_storage):
    from tests.conftest import bucket_keys

    storage = import_files_storage()
    storage.save(f"{FOLDER}/old", ContentFile(b"x"))
    storage.save("held/old.pdf", ContentFile(b"x"))
    assert import_files_sweep() == 0
    later = timezone.now() + datetime.timedelta(hours=25)
    assert import_files_sweep(now=later) == 1
    assert bucket_keys(s3_storage) == {"held/old.pdf"}


def test_the_sweep_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["import-files-sweep"]
    assert entry == {"task": "inventory.tasks.sweep_import_files", "schedule": 3600.0}
    assert entry["task"] in app.tasks


def test_confirming_a_preview_whose_file_is_gone_says_so_and_starts_again(lot, operator_client):
    from django.contrib.messages import get_messages

    from inventory.models import Computer

    preview = upload_with(operator_client, csv_bytes(HEADER, hostile_body()), partial="on")
    confirm = preview.context["confirm_form"].initial
    age(f"{FOLDER}/{confirm['import_file_name']}", 25)
    assert import_files_sweep() == 1
    response = operator_client.post(reverse(CONFIRM), confirm)
    assert response.status_code == 302 and response["Location"] == reverse("admin:inventory_computer_import")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Cet aperçu n'est plus disponible (import déjà confirmé, ou aperçu de plus de 24 h) : "
        "importez le fichier de nouveau."
    ]
    assert not Computer.objects.exists()


def test_a_preview_confirmed_twice_imports_once(lot, operator_client):
    from inventory.models import Computer

    preview = upload_with(operator_client, csv_bytes(HEADER, hostile_body()), partial="on")
    confirm = preview.context["confirm_form"].initial
    assert operator_client.post(reverse(CONFIRM), confirm).status_code == 302
    assert Computer.objects.count() == 2
    again = operator_client.post(reverse(CONFIRM), confirm)
    assert again.status_code == 302 and again["Location"] == reverse("admin:inventory_computer_import")
    assert Computer.objects.count() == 2
