"""The benchmarks' logged-in test client: a completed login, second factor included (staff must have one)."""

from django.test import Client


def logged_in(user, **client_options) -> Client:
    """A client whose session holds what a login with the password and, for staff, the TOTP code writes."""
    from accounts.middleware import MFA_VERIFIED_SESSION_KEY

    client = Client(**client_options)
    client.force_login(user)
    session = client.session
    session[MFA_VERIFIED_SESSION_KEY] = user.pk
    session.save()
    return client
