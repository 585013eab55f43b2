"""Login throttling and rate limits on sign-up, password reset and /verify/ (issue 7), per client address."""

import pytest
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import User
from core.client_ip import client_ip
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "motdepasse-solide-42"


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client):
    user = UserFactory(email="cible@asso.example.org")
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": user.email, "password": "mauvais-mot-de-passe"})
        assert response.status_code == 200
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200
    assert "Trop de tentatives de connexion échouées" in response.content.decode()
    # Another account from the same address is not locked by this one.
    other = UserFactory(email="voisine@asso.example.org")
    response = client.post(reverse("account_login"), {"login": other.email, "password": PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(other.pk)


def test_sign_up_is_limited_per_address_and_the_refusal_creates_nothing(client):
    for i in range(10):
        response = client.post(
            reverse("account_signup"),
            {"email": f"asso{i}@example.org", "password1": PASSWORD, "password2": PASSWORD},
        )
        assert response.status_code == 302
    response = client.post(
        reverse("account_signup"), {"email": "de-trop@example.org", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 429
    assert "Trop de demandes" in response.content.decode()
    assert not User.objects.filter(email="de-trop@example.org").exists()
    assert User.objects.count() == 10


def test_password_reset_is_limited_per_email(client):
    user = UserFactory(email="oubli@asso.example.org")
    for _ in range(3):
        assert client.post(reverse("account_reset_password"), {"email": user.email}).status_code == 302
    sent = len(mail.outbox)
    assert sent == 3
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 429
    assert len(mail.outbox) == sent


def test_verify_is_limited_per_client_behind_the_proxy(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.CERTIFICATES_VERIFY_RATE = "3/m"
    url = reverse("certificates:verify", args=["INCONNU"])
    first = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    for _ in range(3):
        assert client.get(url, **first).status_code == 404
    assert client.get(url, **first).status_code == 429
    # Another visitor through the same proxy still gets an answer.
    assert client.get(url, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.9").status_code == 404


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "203.0.113.7", "10.0.0.1"),  # no trusted proxy: the header is ignored
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # a client cannot choose its address by writing the header
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, "", "10.0.0.1"),
        (1, "unknown", "10.0.0.1"),  # a hop that is not an address: REMOTE_ADDR, never a 500
        (1, "203.0.113.7:51234", "203.0.113.7"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
        (1, "2001:db8::2", "2001:db8::2"),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_verify_survives_a_malformed_forwarded_header(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    url = reverse("certificates:verify", args=["INCONNU"])
    assert client.get(url, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="unknown").status_code == 404


def test_the_admin_login_is_throttled_like_the_site_login(client):
    staff = UserFactory(email="chef@ville.example.org", is_staff=True, is_superuser=True)
    url = reverse("admin:login")
    for _ in range(5):
        response = client.post(url, {"username": staff.email, "password": "mauvais-mot-de-passe"})
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    response = client.post(url, {"username": staff.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert "Trop de tentatives de connexion échouées" in response.content.decode()
    # The site's login counts the same failures for the same account.
    response = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_the_admin_login_still_works_and_refuses_members(client):
    staff = UserFactory(email="agent@ville.example.org", is_staff=True)
    response = client.post(reverse("admin:login"), {"username": " Agent@Ville.example.org", "password": PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(staff.pk)
    client.logout()
    member = UserFactory(email="membre@asso.example.org")
    response = client.post(reverse("admin:login"), {"username": member.email, "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
