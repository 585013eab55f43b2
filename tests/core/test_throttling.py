"""Login throttling and rate limits on sign-up, password reset and /verify/ (issue 7), per client address."""

import pytest
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import User
from core.client_ip import client_ip
from tests.factories.accounts import UserFactory

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


def test_the_admin_login_goes_through_the_sites_login_and_its_limits(client):
    staff = UserFactory(email="chef@ville.example.org", is_staff=True, is_superuser=True)
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login") + "?next=")
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": staff.email, "password": "mauvais-mot-de-passe"})
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    response = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert "Trop de tentatives de connexion échouées" in response.content.decode()


def test_the_admin_login_still_works_and_sends_members_back_to_their_space(client):
    staff = UserFactory(email="agent@ville.example.org", is_staff=True)
    response = client.post(
        f"{reverse('account_login')}?next=/admin/", {"login": " Agent@Ville.example.org", "password": PASSWORD}
    )
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(staff.pk)
    client.logout()
    member = UserFactory(email="membre@asso.example.org")
    client.force_login(member)
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302 and response["Location"] == reverse("associations:space")
    assert client.get(reverse("admin:index")).status_code == 302


def test_wrong_passwords_from_one_client_do_not_lock_the_account_for_the_others(client):
    """Five wrong passwords lock this account for *this* client only: nobody locks a staff member out."""
    staff = UserFactory(email="chef@ville.example.org", is_staff=True)
    attacker = {"REMOTE_ADDR": "203.0.113.66"}
    for _ in range(6):
        client.post(reverse("account_login"), {"login": staff.email, "password": "mauvais"}, **attacker)
    response = client.post(reverse("account_login"), {"login": staff.email, "password": PASSWORD}, **attacker)
    assert "_auth_user_id" not in client.session
    assert "Trop de tentatives de connexion échouées" in response.content.decode()
    # The staff member, from their own office, signs in.
    office = Client()
    response = office.post(
        reverse("account_login"), {"login": staff.email, "password": PASSWORD}, REMOTE_ADDR="198.51.100.10"
    )
    assert response.status_code == 302 and office.session["_auth_user_id"] == str(staff.pk)


def test_many_clients_failing_on_one_account_lock_it_behind_a_higher_threshold(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed_account": "12/h/key"}
    staff = UserFactory(email="chef@ville.example.org", is_staff=True)
    for i in range(12):  # 3 clients x 4 failures: no client reaches its own limit of 5
        address = f"203.0.113.{i % 3 + 1}"
        client.post(reverse("account_login"), {"login": staff.email, "password": "mauvais"}, REMOTE_ADDR=address)
    fresh = Client()
    response = fresh.post(
        reverse("account_login"), {"login": staff.email, "password": PASSWORD}, REMOTE_ADDR="198.51.100.10"
    )
    assert "_auth_user_id" not in fresh.session
    assert "Trop de tentatives de connexion échouées" in response.content.decode()


def test_the_default_account_threshold_is_well_above_one_clients():
    from allauth.core.internal.ratelimit import parse_rates
    from django.conf import settings

    per_client = [r for r in parse_rates(settings.ACCOUNT_RATE_LIMITS["login_failed"]) if r.per == "key"]
    per_account = parse_rates(settings.ACCOUNT_RATE_LIMITS["login_failed_account"])
    assert per_client and per_account
    assert min(r.amount for r in per_account) >= 5 * max(r.amount for r in per_client)


def test_a_429_says_when_to_come_back(client, settings):
    for i in range(10):
        client.post(
            reverse("account_signup"), {"email": f"asso{i}@example.org", "password1": PASSWORD, "password2": PASSWORD}
        )
    response = client.post(
        reverse("account_signup"), {"email": "de-trop@example.org", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 429 and response["Retry-After"] == "60"
    settings.CERTIFICATES_VERIFY_RATE = "1/m"
    url = reverse("certificates:verify", args=["INCONNU"])
    client.get(url)
    response = client.get(url)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_a_password_reset_for_an_unknown_address_sends_nothing(client):
    response = client.post(reverse("account_reset_password"), {"email": "inconnue@nulle-part.example.org"})
    assert response.status_code == 302  # the same answer as for a known address: nothing revealed
    assert mail.outbox == []
