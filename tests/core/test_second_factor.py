"""Staff sign in with a second factor (issue 12, point 15): TOTP with recovery codes, through the site's login.

These tests log in through the real pages (allauth's login, then its code step), never with ``force_login``.
"""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.test import Client
from django.urls import reverse

from accounts.middleware import LAST_SEEN_SESSION_KEY
from accounts.services import user_add_totp
from tests.factories.accounts import UserFactory, reviewer
from tests.factories.associations import AssociationFactory, member_of

pytestmark = pytest.mark.django_db
PASSWORD = "motdepasse-solide-42"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def code(secret: str = SECRET, *, offset: int = 0) -> str:
    """What the person's authenticator app shows (allauth's own algorithm)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def log_in(client, email: str, *, next_url: str = "/admin/"):
    return client.post(f"{reverse('account_login')}?next={next_url}", {"login": email, "password": PASSWORD})


def signed_in_as(client):
    return client.session.get("_auth_user_id")


def test_the_admin_login_is_the_sites_with_its_code_step():
    staff = reviewer(email="instructrice@ville.example.org")
    user_add_totp(user=staff, secret=SECRET)
    client = Client()
    # The admin sends to its login, which is the site's, coming back to the admin.
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login") + "?next=")
    # The password alone does not sign in: the code is asked for.
    response = log_in(client, staff.email)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert signed_in_as(client) is None
    assert client.get("/admin/").status_code == 302
    # A wrong code: still not signed in.
    wrong = f"{(int(code()) + 1) % 1_000_000:06d}"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200 and signed_in_as(client) is None
    response = client.post(reverse("mfa_authenticate"), {"code": code()})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert signed_in_as(client) == str(staff.pk)
    assert client.get("/admin/").status_code == 200


def test_a_recovery_code_replaces_a_lost_phone():
    staff = reviewer(email="instructrice@ville.example.org")
    user_add_totp(user=staff, secret=SECRET)
    recovery = RecoveryCodes(Authenticator.objects.get(user=staff, type=Authenticator.Type.RECOVERY_CODES))
    client = Client()
    log_in(client, staff.email)
    response = client.post(reverse("mfa_authenticate"), {"code": recovery.get_unused_codes()[0]})
    assert response.status_code == 302 and client.get("/admin/").status_code == 200


@pytest.mark.django_db(transaction=True)  # allauth announces the new authenticator on commit, within the request
def test_staff_without_a_second_factor_set_it_up_before_reaching_the_admin():
    staff = reviewer(email="nouvelle@ville.example.org")
    client = Client()
    response = log_in(client, staff.email)
    assert signed_in_as(client) == str(staff.pk)  # no authenticator yet: the password signs in...
    for path in ("/admin/", "/admin/associations/application/", "/space/"):
        response = client.get(path)
        # ...but every page sends to the set-up, coming back afterwards.
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("mfa_activate_totp") + "?next="), path
    # Setting up a second factor asks for the password once more (allauth's reauthentication).
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(response["Location"], {"password": PASSWORD})
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]  # the QR code's secret, scanned by the app
    response = client.post(reverse("mfa_activate_totp"), {"code": code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.RECOVERY_CODES).exists()
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("kind", ["superuser", "no role"])
def test_every_staff_account_needs_it(kind):
    staff = UserFactory(email="chef@ville.example.org", is_staff=True, is_superuser=kind == "superuser")
    client = Client()
    log_in(client, staff.email)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_activate_totp"))


def test_a_staff_session_that_skipped_the_code_must_give_one():
    """force_login stands for a password-only sign-in here: an authenticator exists, the code was not given."""
    staff = reviewer(email="instructrice@ville.example.org")
    user_add_totp(user=staff, secret=SECRET)
    client = Client()
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_reauthenticate") + "?next=")
    response = client.post(reverse("mfa_reauthenticate"), {"code": code()})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_associations_are_offered_it_and_not_forced():
    member = member_of(AssociationFactory(), email="membre@asso.example.org")
    client = Client()
    response = log_in(client, member.email, next_url="/space/")
    assert response.status_code == 302 and signed_in_as(client) == str(member.pk)
    page = client.get(reverse("associations:space"))
    assert page.status_code == 200
    assert reverse("mfa_index") in page.content.decode()
    assert client.get(reverse("mfa_index")).status_code == 200


def last_seen(client, minutes_ago: int) -> int:
    """Pretend the session's last request was ``minutes_ago`` minutes ago; returns the stamp written."""
    seen = int(time.time()) - minutes_ago * 60
    session = client.session
    session[LAST_SEEN_SESSION_KEY] = seen
    session.save()
    return seen


def idle_staff_client() -> Client:
    """A reviewer signed in (both factors), who has made one request."""
    client = Client()
    client.force_login(reviewer(email="instructrice@ville.example.org"))
    client.get(reverse("associations:space"))
    return client


def test_an_idle_staff_session_ends_after_the_setting(settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    staff = reviewer(email="instructrice@ville.example.org")
    user_add_totp(user=staff, secret=SECRET)
    client = Client()
    log_in(client, staff.email)
    client.post(reverse("mfa_authenticate"), {"code": code()})
    assert client.get("/admin/").status_code == 200
    last_seen(client, 29)  # 29 minutes without a request: still open
    assert client.get("/admin/").status_code == 200
    last_seen(client, 31)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert signed_in_as(client) is None
    # A member's session is not a staff session: no idle limit of this kind.
    member = member_of(AssociationFactory(), email="membre@asso.example.org")
    other = Client()
    other.force_login(member)
    last_seen(other, 120)
    assert other.get(reverse("associations:space")).status_code == 200


def test_the_print_desk_polling_does_not_keep_an_idle_session_open(settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 5
    client = idle_staff_client()
    seen = last_seen(client, 4)
    client.get("/admin/", HTTP_ACCEPT="application/json")  # what print_desk.js sends while it waits
    assert client.session[LAST_SEEN_SESSION_KEY] == seen
    last_seen(client, 6)
    client.get("/admin/", HTTP_ACCEPT="application/json")
    assert signed_in_as(client) is None


def test_the_idle_limit_is_a_setting(settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 5
    client = idle_staff_client()
    last_seen(client, 6)
    client.get(reverse("associations:space"))
    assert signed_in_as(client) is None


def test_the_suite_client_marks_force_login_as_a_complete_login(client):
    """tests/clients.py: what the suite's other tests rely on, and nothing more."""
    staff = reviewer(email="instructrice@ville.example.org")
    user_add_totp(user=staff, secret=SECRET)
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    client.logout()
    client.force_login(staff, mfa=False)
    assert client.get("/admin/").status_code == 302
