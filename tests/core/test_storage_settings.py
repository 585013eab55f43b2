"""Settings for several hosts: S3-compatible storage and PgBouncer, read from the environment."""

import json
import os
import subprocess
import sys

PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'storage': s.STORAGES['default'], 'db': s.DATABASES['default']}, default=str))"
)


def settings_with(**environment) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "DISABLE_SERVER_SIDE_CURSORS"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="s" * 50,
        ALLOWED_HOSTS="dons.example.org",
        DEBUG="0",
        **environment,
    )
    return subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60)


def loaded(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_s3_storage_is_configured_from_the_environment():
    result = settings_with(
        AWS_STORAGE_BUCKET_NAME="dons-pc-fichiers",
        AWS_S3_ENDPOINT_URL="https://s3.fr-par.scw.cloud",
        AWS_S3_REGION_NAME="fr-par",
        AWS_S3_ADDRESSING_STYLE="path",
        AWS_ACCESS_KEY_ID="SCWKEY",
        AWS_SECRET_ACCESS_KEY="scw-secret",
        AWS_LOCATION="portail",
    )
    storage = loaded(result)["storage"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "dons-pc-fichiers"
    assert options["endpoint_url"] == "https://s3.fr-par.scw.cloud"
    assert options["region_name"] == "fr-par"
    assert options["addressing_style"] == "path"
    assert (options["access_key"], options["secret_key"]) == ("SCWKEY", "scw-secret")
    assert options["location"] == "portail"
    # Private objects, short-lived signed URLs, and no silent overwrite of a name already taken.
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is True and options["querystring_expire"] <= 300
    assert options["file_overwrite"] is False


def test_without_a_bucket_files_stay_on_the_local_disk():
    storage = loaded(settings_with())["storage"]
    assert storage["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_a_wrong_addressing_style_is_refused_at_start():
    result = settings_with(AWS_STORAGE_BUCKET_NAME="b-1", AWS_S3_ADDRESSING_STYLE="virtual-host")
    assert result.returncode != 0 and "AWS_S3_ADDRESSING_STYLE" in result.stderr


def test_server_side_cursors_can_be_disabled_for_pgbouncer():
    url = "postgres://app@127.0.0.1:6432/portal"
    assert loaded(settings_with(DATABASE_URL=url))["db"]["DISABLE_SERVER_SIDE_CURSORS"] is False
    db = loaded(settings_with(DATABASE_URL=url, DISABLE_SERVER_SIDE_CURSORS="1"))["db"]
    assert db["DISABLE_SERVER_SIDE_CURSORS"] is True
