"""The test client the suite uses (fixtures ``client`` and ``admin_client`` in tests/conftest.py)."""

import django.test

from accounts.middleware import MFA_VERIFIED_SESSION_KEY


class Client(django.test.Client):
    """``force_login`` stands for a completed login: the password and, for staff, the second factor.

    It writes in the session what a code typed at login writes (accounts/middleware.py). Tests of the
    second factor itself log in through the real pages, or pass ``mfa=False``.
    """

    def force_login(self, user, backend=None, *, mfa: bool = True):
        super().force_login(user, backend)
        if mfa:
            self.mark_mfa_verified(user)

    def mark_mfa_verified(self, user) -> None:
        session = self.session
        session[MFA_VERIFIED_SESSION_KEY] = user.pk
        session.save()
