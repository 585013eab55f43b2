"""Structured logging (issue 7): one JSON line per request, with an id shared by every line of the request."""

import copy
import io
import json
import logging
import logging.config

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from tests.factories.accounts import UserFactory
from tests.factories.associations import AssociationFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """The project's JSON formatter and request filter, writing into a buffer instead of stderr."""
    config = copy.deepcopy(django_settings.LOGGING)  # dictConfig pops keys from what it reads
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.config.DictConfigurator(config).configure_formatter(config["formatters"]["json"]))
    handler.addFilter(logging.config.DictConfigurator(config).configure_filter(config["filters"]["request_context"]))
    loggers = [logging.getLogger("portal.request"), logging.getLogger("accounts.privacy")]
    for logger in loggers:
        logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    for logger in loggers:
        logger.removeHandler(handler)


def test_each_request_writes_one_json_line_with_its_id(client, json_lines):
    response = client.get(reverse("privacy"))
    [line] = json_lines()
    assert line["message"] == "request" and line["logger"] == "portal.request" and line["level"] == "INFO"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/privacy/", 200)
    assert line["duration_ms"] >= 0 and line["time"]
    assert line["request_id"] == response["X-Request-ID"] and len(line["request_id"]) == 32


def test_the_proxy_request_id_is_kept_and_a_forged_one_replaced(client, json_lines, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client.get("/privacy/", HTTP_X_REQUEST_ID="abc123-proxy.42")["X-Request-ID"] == "abc123-proxy.42"
    forged = client.get("/privacy/", HTTP_X_REQUEST_ID='x"\n{"level":"ERROR"}')["X-Request-ID"]
    assert forged != 'x"\n{"level":"ERROR"}' and len(forged) == 32
    assert [line["request_id"] for line in json_lines()] == ["abc123-proxy.42", forged]


def test_without_a_trusted_proxy_a_client_cannot_choose_its_request_id(client, json_lines):
    response = client.get("/privacy/", HTTP_X_REQUEST_ID="chosen-by-the-client")
    assert response["X-Request-ID"] != "chosen-by-the-client"


def test_lines_written_during_a_request_carry_its_id_and_the_user(client, json_lines):
    """A service's line, written in the middle of the request, names the request and the staff member."""
    root = UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    member = member_of(AssociationFactory(), email="m@example.org")
    client.force_login(root)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "anonymise_selected", "_selected_action": [member.pk], "apply": "yes"},
    )
    lines = json_lines()
    [service_line] = [line for line in lines if line["logger"] == "accounts.privacy"]
    assert service_line["message"] == "user anonymised" and service_line["subject_id"] == member.pk
    assert service_line["user_id"] == root.pk and service_line["request_id"] == response["X-Request-ID"]
    assert lines[-1]["message"] == "request" and lines[-1]["user_id"] == root.pk
    client.logout()
    assert client.get("/space/applications/999999/").status_code == 302
    assert json_lines()[-1]["status"] == 302 and json_lines()[-1]["user_id"] is None


@pytest.mark.parametrize(("debug", "expected"), [("0", "json"), ("1", "text")])
def test_production_logs_json_and_development_text(debug, expected):
    import os
    import subprocess
    import sys

    env = {**os.environ, "DEBUG": debug, "SECRET_KEY": "x", "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    env.pop("LOG_FORMAT", None)
    code = "import django; django.setup(); from django.conf import settings; print(settings.LOG_FORMAT)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == expected
