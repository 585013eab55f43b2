import functools
import json
import os
import subprocess
import sys

import pytest

if os.environ.get("FAKETIME"):
    # Under libfaketime, whose time functions read the environment, pytest's setenv of PYTEST_CURRENT_TEST before
    # each test raced with an xdist worker's receiving thread and crashed the worker (a segfault in setenv, twice
    # in the clock-moved runs of CI). Nothing reads that variable here: it is not set in those runs.
    import _pytest.runner

    _pytest.runner._update_current_test_var = lambda item, when: None

# Browser tests drive Debian's chromium from the live server's thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(condition: bool, reason: str) -> None:
    """Skip locally when a service is missing; in CI the same condition fails the test."""
    if condition:
        return
    if IN_CI or os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def client():
    """Django's test client, whose ``force_login`` includes the staff's second factor (tests/clients.py)."""
    from tests.clients import Client

    return Client()


@pytest.fixture
def admin_client(db, admin_user):
    from tests.clients import Client

    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's language: a request in English (its cookie) leaves English active in the
    thread after the response, and a later test's service messages would then read in English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached aggregates never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def campaign(db):
    from tests.factories.campaigns import CampaignFactory

    return CampaignFactory(name="Des ordinateurs pour les associations marseillaises", slug="marseille")


@pytest.fixture
def member(db):
    from tests.factories.associations import AssociationFactory, member_of

    association = AssociationFactory(legal_name="Les Amis du Numérique")
    return member_of(association, email="membre@asso-a.example.org")


@pytest.fixture
def other_member(db):
    from tests.factories.associations import AssociationFactory, member_of

    association = AssociationFactory(legal_name="Quartiers Connectés")
    return member_of(association, email="membre@asso-b.example.org")


def _database_url_for_subprocess() -> str:
    """The URL of the database this test uses, for a process started by the test (a worker)."""
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
        return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    return "sqlite:////tmp/portal-worker-unused.sqlite3"


def fresh_broker_connections(app) -> None:
    """Forget the connection and producer pools: the next task is published to ``app.conf.broker_url``.

    Celery keeps the pools it opened on the broker of the moment; a test that points the app at another
    broker (its own Redis, a dead address) would otherwise leave later tests publishing to that one.
    """
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def celery_worker_process(tmp_path, settings):
    """A real Celery worker (separate process) on Redis, consuming a queue of its own.

    Yields a helper with ``queue`` (route tasks there with ``apply_async(queue=...)``),
    ``mail_dir`` (where the worker writes emails) and ``env``. Needs REDIS_URL; the test
    must use ``django_db(transaction=True)`` for the worker to see its rows.
    """
    redis_url = os.environ.get("REDIS_URL", "")
    require(bool(redis_url), "REDIS_URL is not set: no Redis for a real worker")
    yield from start_celery_worker(tmp_path, settings, redis_url)


def wait_for(predicate, worker, timeout: float = 90, what: str = ""):
    """Poll ``predicate`` until it returns something true (returned); on timeout, fail with the worker's log."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}: {worker.log.read_text()[-4000:]}")


def start_celery_worker(tmp_path, settings, redis_url: str, extra_env: dict | None = None):
    """The body of ``celery_worker_process``, for a test that brings its own Redis (a generator: yield from)."""
    import signal
    import subprocess
    import time
    import uuid

    from config.celery import app
    from config.celery_worker import worker_command

    queue = f"test-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    media = settings.MEDIA_ROOT
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},  # moto answers AWS's addresses only
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "0",
        "SECRET_KEY": "test-worker-not-secret",
        "DATABASE_URL": _database_url_for_subprocess(),
        "REDIS_URL": redis_url,
        "EMAIL_URL": f"filemail:///{mail_dir}",  # environ drops one leading slash
        "MEDIA_ROOT": str(media),
        **(extra_env or {}),
    }
    pidfile = tmp_path / "worker.pid"
    log = tmp_path / "worker.log"
    log_handle = log.open("w")
    worker = subprocess.Popen(
        worker_command(queue, concurrency=2, pidfile=pidfile),
        env=env,
        stdout=log_handle,
        stderr=subprocess.STDOUT,
        text=True,
    )
    old = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = redis_url
    fresh_broker_connections(app)
    settings.CELERY_TASK_ALWAYS_EAGER = False

    class Worker:
        pass

    handle = Worker()
    handle.queue, handle.mail_dir, handle.env, handle.process, handle.log = queue, mail_dir, env, worker, log
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and worker.poll() is None and "ready." not in log.read_text():
        time.sleep(0.2)
    if "ready." not in log.read_text():
        worker.kill()
        pytest.fail(f"the Celery worker did not start: {log.read_text()[-3000:]}")
    try:
        yield handle
    finally:
        app.conf.task_always_eager, app.conf.broker_url = old
        fresh_broker_connections(app)
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log_handle.close()


@pytest.fixture
def page(page):
    """pytest-playwright's page, failing the test on any Content-Security-Policy violation or JS error."""
    problems: list[str] = []

    def on_console(message):
        if message.type == "error" and ("Content Security Policy" in message.text or "Refused to" in message.text):
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    yield page
    assert not problems, "\n".join(problems)


S3_BUCKET = "portal-test-private"
S3_REGION = "eu-west-3"
PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


def bucket_keys(s3) -> set[str]:
    """The keys stored in the test bucket (``s3`` is the client the ``s3_storage`` fixture yields)."""
    return {item["Key"] for item in s3.list_objects_v2(Bucket=S3_BUCKET).get("Contents", [])}


def granted_to_the_public(s3, key: str) -> list:
    """The grants of ``key`` that open it to anyone (expected: none)."""
    grants = s3.get_object_acl(Bucket=S3_BUCKET, Key=key)["Grants"]
    return [g for g in grants if g["Grantee"].get("URI") in PUBLIC_GROUPS]


@pytest.fixture
def s3_storage(settings, tmp_path):
    """The default file storage on an S3 bucket (moto's in-process fake of S3), as in production with
    AWS_STORAGE_BUCKET_NAME set: same backend and options as config/settings/base.py. Yields the boto3
    client, to look at the bucket from outside the portal. MEDIA_ROOT points at a folder that must stay
    absent: nothing may be written on the local disk."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client(
            "s3", region_name=S3_REGION, aws_access_key_id="test-key", aws_secret_access_key="test-secret"
        )
        client.create_bucket(
            Bucket=S3_BUCKET, ACL="private", CreateBucketConfiguration={"LocationConstraint": S3_REGION}
        )
        settings.MEDIA_ROOT = tmp_path / "media-never-written"
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    **_s3_options_from_settings(),
                    "bucket_name": S3_BUCKET,
                    "region_name": S3_REGION,
                    "access_key": "test-key",
                    "secret_key": "test-secret",
                },
            },
        }
        yield client
        assert not settings.MEDIA_ROOT.exists(), "a file was written on the local disk, not in the bucket"


@functools.cache
def _s3_options_from_settings() -> dict:
    """The S3 storage options that config/settings/base.py builds from the environment (once per session)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},  # moto answers AWS's addresses only
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "0",
        "SECRET_KEY": "not-secret-settings-probe",
        "AWS_STORAGE_BUCKET_NAME": S3_BUCKET,
    }
    code = "import json; from django.conf import settings as s; print(json.dumps(s.STORAGES['default']))"
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    storage = json.loads(out.strip().splitlines()[-1])
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    return storage["OPTIONS"]
