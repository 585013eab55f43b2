"""The account page (/space/account/), the deletion request, and allauth's emails in the portal's voice."""

import re

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.urls import reverse

from accounts.models import AccountEvent
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def test_the_header_links_to_the_account_page_when_logged_in(client, member):
    assert reverse("account") not in client.get(reverse("home")).content.decode()
    client.force_login(member)
    assert f'href="{reverse("account")}"' in client.get(reverse("home")).content.decode()


def test_the_account_page_gathers_email_password_second_factor_data_and_deletion(client, member):
    client.force_login(member)
    response = client.get(reverse("account"))
    assert response.status_code == 200
    body = response.content.decode()
    for url in (
        reverse("account_email"),
        reverse("account_change_password"),
        reverse("mfa_index"),
        reverse("my_data"),
        reverse("account_delete"),
    ):
        assert f'href="{url}"' in body, url
    assert member.email in body and "Activer la double authentification" in body


def test_the_account_page_says_when_the_second_factor_is_on(client, member):
    from accounts.services import user_add_totp

    user_add_totp(user=member, secret="JBSWY3DPEHPK3PXP")
    client.force_login(member)
    assert "Gérer la double authentification" in client.get(reverse("account")).content.decode()


def test_anonymous_visitors_are_sent_to_the_login(client):
    for name in ("account", "account_delete"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_deletion_needs_the_confirmation_box(client, member):
    client.force_login(member)
    response = client.post(reverse("account_delete"), {})
    assert response.status_code == 400 and response.context["form"].errors["confirm"]
    assert not AccountEvent.objects.filter(kind=AccountEvent.Kind.DELETION_REQUESTED).exists()


def test_a_deletion_request_is_recorded_and_sent_to_the_privacy_contact(
    client, member, settings, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(member)
    assert client.get(reverse("account_delete")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_delete"), {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("account")
    event = AccountEvent.objects.get(user=member, kind=AccountEvent.Kind.DELETION_REQUESTED)
    assert event.actor == member
    (email,) = mailoutbox
    assert email.to == [settings.PRIVACY_CONTACT_EMAIL] and member.email in email.body
    assert reverse("admin:accounts_user_change", args=[member.pk]) in email.body
    # The account stays open until the team handles it; the page says the request is recorded.
    member.refresh_from_db()
    assert member.is_active
    assert "est enregistrée" in client.get(reverse("account")).content.decode()
    # Asking twice records nothing more.
    client.post(reverse("account_delete"), {"confirm": "on"})
    assert AccountEvent.objects.filter(user=member, kind=AccountEvent.Kind.DELETION_REQUESTED).count() == 1


def test_staff_find_the_requests_in_the_user_list(client, member, other_member):
    from accounts.services import user_request_deletion

    user_request_deletion(user=member)
    root = UserFactory(email="root@ville.example.org", is_staff=True, is_superuser=True)
    client.force_login(root)
    response = client.get(reverse("admin:accounts_user_changelist"), {"deletion": "requested"})
    users = list(response.context["cl"].result_list)
    assert users == [member]


def test_an_anonymised_account_leaves_the_list_of_requests(client, member):
    from accounts.privacy import user_anonymise
    from accounts.services import user_request_deletion

    user_request_deletion(user=member)
    root = UserFactory(email="root@ville.example.org", is_staff=True, is_superuser=True)
    user_anonymise(user=member, by=root)
    client.force_login(root)
    response = client.get(reverse("admin:accounts_user_changelist"), {"deletion": "requested"})
    assert list(response.context["cl"].result_list) == []


# allauth's emails -------------------------------------------------------------------------------------


SIGNUP = {"email": "nouvelle@asso.example.org", "password1": "Un-mot-de-passe-42", "password2": "Un-mot-de-passe-42"}


@pytest.fixture(autouse=True)
def _local_host(settings):
    # The development server's address: the one allauth's emails used to name.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]


def _signup(client, mailoutbox, settings):
    settings.SITE_URL = "https://dons-pc.example.fr"
    response = client.post(reverse("account_signup"), SIGNUP, HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 302
    (email,) = mailoutbox
    return email


def test_the_signup_confirmation_speaks_as_the_portal(client, mailoutbox, settings):
    email = _signup(client, mailoutbox, settings)
    assert email.subject.startswith(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX)
    assert "Confirmez votre adresse" in email.subject
    assert "127.0.0.1" not in email.body and "127.0.0.1" not in email.subject
    assert "example.com" not in email.body
    assert "portail des dons d’ordinateurs" in email.body
    assert "https://dons-pc.example.fr/accounts/confirm-email/" in email.body
    # The HTML part: the portal's layout (core.emails), with the text escaped.
    html = dict((mimetype, content) for content, mimetype in email.alternatives)["text/html"]
    assert "border-top: 6px solid #0b5cad" in html and "https://dons-pc.example.fr/accounts/confirm-email/" in html


def test_the_confirmation_in_english(client, mailoutbox, settings):
    settings.SITE_URL = "https://dons-pc.example.fr"
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    client.post(reverse("account_signup"), SIGNUP)
    (email,) = mailoutbox
    assert "Confirm your email address" in email.subject
    assert "computer donations portal" in email.body and "Bonjour" not in email.body


def test_the_password_reset_email_speaks_as_the_portal(client, member, mailoutbox, settings):
    settings.SITE_URL = "https://dons-pc.example.fr"
    client.post(reverse("account_reset_password"), {"email": member.email}, HTTP_HOST="127.0.0.1:8000")
    (email,) = mailoutbox
    assert "Choisir un nouveau mot de passe" in email.subject
    assert "127.0.0.1" not in email.body
    assert re.search(r"https://dons-pc\.example\.fr/accounts/password/reset/key/\S+", email.body)


def test_a_confirmation_link_opened_twice_says_already_confirmed(client, mailoutbox, settings):
    email = _signup(client, mailoutbox, settings)
    path = re.search(r"https://dons-pc\.example\.fr(/accounts/confirm-email/[^/\s]+/)", email.body).group(1)
    first = client.get(path)
    assert first.status_code == 200 and first.context["confirmation"]
    assert client.post(path).status_code == 302
    assert EmailAddress.objects.get(email=SIGNUP["email"]).verified
    again = client.get(path)
    assert again.status_code == 200
    body = again.content.decode()
    assert "est déjà confirmée" in body and "expiré" not in body


def test_a_broken_confirmation_link_still_says_invalid(client):
    response = client.get(reverse("account_confirm_email", args=["abc:def"]))
    assert "a expiré ou n'est pas valide" in response.content.decode()


def test_a_link_of_an_unconfirmed_address_still_asks_to_confirm(client):
    user = UserFactory(email="a-confirmer@example.org")
    address = EmailAddress.objects.get(user=user)
    address.verified = False
    address.save()
    response = client.get(reverse("account_confirm_email", args=[EmailConfirmationHMAC(address).key]))
    assert response.context["can_confirm"] and "déjà confirmée" not in response.content.decode()


def test_changing_ones_address_takes_effect_once_the_new_one_is_confirmed(client, member, mailoutbox, settings):
    settings.SITE_URL = "https://dons-pc.example.fr"
    old = member.email
    client.force_login(member)
    response = client.post(reverse("account_email"), {"email": "nouvelle-adresse@asso.example.org", "action_add": ""})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.email == old  # not before the new address is confirmed
    assert "nouvelle-adresse@asso.example.org" in client.get(reverse("account_email")).content.decode()
    (email,) = mailoutbox
    assert email.to == ["nouvelle-adresse@asso.example.org"]
    path = re.search(r"https://dons-pc\.example\.fr(/accounts/confirm-email/[^/\s]+/)", email.body).group(1)
    client.post(path)
    member.refresh_from_db()
    assert member.email == "nouvelle-adresse@asso.example.org"
    assert list(EmailAddress.objects.filter(user=member).values_list("email", "verified", "primary")) == [
        ("nouvelle-adresse@asso.example.org", True, True)
    ]


@pytest.mark.parametrize("email", ["", "pas-une-adresse"])
def test_a_bad_new_address_is_a_field_error(client, member, email):
    client.force_login(member)
    response = client.post(reverse("account_email"), {"email": email, "action_add": ""})
    assert response.status_code == 200 and 'aria-invalid="true"' in response.content.decode()
    assert EmailAddress.objects.filter(user=member).count() == 1
