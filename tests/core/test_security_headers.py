import pytest

pytestmark = pytest.mark.django_db


def test_pages_send_a_strict_content_security_policy(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_no_template_holds_an_inline_script():
    """Inline scripts would be refused by the policy: every script is a static file."""
    import re
    from pathlib import Path

    from django.conf import settings

    offenders = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        for match in re.finditer(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", path.read_text()):
            offenders.append(f"{path}: {match.group(0)}")
    assert not offenders


@pytest.mark.parametrize("path", ["/", "/admin/", "/accounts/login/", "/verify/"])
def test_trace_is_refused(client, path):
    response = client.generic("TRACE", path)
    assert response.status_code == 405
    assert "TRACE" not in response["Allow"]


def test_the_messages_cookie_never_holds_an_email_address(client):
    """allauth's « Connexion avec x@y réussie » stays in the session, server side."""
    from django.urls import reverse

    from tests.factories.accounts import UserFactory

    user = UserFactory(email="confidentielle@asso.example.org")
    response = client.post(reverse("account_login"), {"login": user.email, "password": "motdepasse-solide-42"})
    assert response.status_code == 302
    for name, cookie in response.cookies.items():
        assert "confidentielle" not in cookie.value, name
    assert "messages" not in client.cookies
    page = client.get(response["Location"])
    assert "confidentielle@asso.example.org" in page.content.decode()  # the message is still shown


def test_gunicorn_sends_no_server_banner(tmp_path):
    """config/gunicorn.py, as production starts it: no ``Server: gunicorn/<version>`` header."""
    import http.client
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    env.pop("REDIS_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--config", "config/gunicorn.py"],
        cwd=base,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz")
                response = connection.getresponse()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"gunicorn did not answer: {server.stderr.read().decode()[-2000:]}")
                time.sleep(0.2)
        assert response.status == 200
        assert response.getheader("Server") is None, response.getheaders()
        assert "gunicorn" not in str(response.getheaders()).lower()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
