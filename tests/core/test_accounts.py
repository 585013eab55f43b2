import re

import pytest
from django.core import mail
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "motdepasse-solide-42"


def test_sign_up_requires_email_confirmation_before_login(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "Nouvelle@Asso.example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "nouvelle@asso.example.org"
    assert not user.is_staff
    assert len(mail.outbox) == 1
    # Not confirmed yet: the login leads to the confirmation notice, not the space.
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert "/accounts/confirm-email/" in response["Location"]
    key_url = re.search(r"https?://\S+(/accounts/confirm-email/\S+)", mail.outbox[-1].body).group(1)
    client.post(key_url)
    assert user.emailaddress_set.get().verified
    assert client.get(reverse("associations:space")).status_code == 200


def test_sign_up_refuses_a_weak_password(client):
    response = client.post(
        reverse("account_signup"), {"email": "a@asso.example.org", "password1": "1234", "password2": "1234"}
    )
    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    assert "trop court" in " ".join(response.context["form"].errors["password1"])
    assert not User.objects.exists()


def test_sign_up_with_a_taken_email_reveals_nothing_and_creates_nothing(client):
    """Account enumeration prevention: same answer as a new sign-up, the owner is told by email."""
    UserFactory(email="prise@asso.example.org")
    response = client.post(
        reverse("account_signup"), {"email": "prise@asso.example.org", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302 and "/accounts/confirm-email/" in response["Location"]
    assert User.objects.count() == 1
    assert mail.outbox and mail.outbox[-1].to == ["prise@asso.example.org"]


def test_password_reset_by_email(client):
    user = UserFactory(email="oubli@asso.example.org")
    client.post(reverse("account_reset_password"), {"email": user.email})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+(/accounts/password/reset/key/\S+)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(form_url, {"password1": "nouveau-mot-de-passe-77", "password2": "nouveau-mot-de-passe-77"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("nouveau-mot-de-passe-77")


def test_login_logout(client):
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("associations:space")
    client.post(reverse("account_logout"))
    assert client.get(reverse("associations:space")).status_code == 302


text = st.text(alphabet=st.characters(codec="utf-8"), max_size=60)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=text, address=text, postal=text, rna=text)
def test_association_form_never_fails_on_arbitrary_text(client, name, address, postal, rna):
    """Any text, NUL characters included (PostgreSQL refuses them), gets a clear answer, never a 500."""
    from associations.models import Association

    user = UserFactory(email="hypothesis@asso.example.org")
    client.force_login(user)
    before = Association.objects.count()
    response = client.post(
        reverse("associations:association_create"),
        {
            "legal_name": name,
            "rna": rna,
            "address": address,
            "postal_code": postal,
            "city": name,
            "beneficiaries_per_year": "10",
            "contact_name": name,
            "contact_email": "a@b.example.org",
            "missions": [],
        },
    )
    assert response.status_code == 200  # missions missing: always refused, with field errors
    assert response.context["form"].errors
    assert Association.objects.count() == before
