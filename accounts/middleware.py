"""Staff sessions: a second factor before anything else, and an end after a while without use.

Every staff account and superuser signs in with a password *and* a one-time code (allauth.mfa,
TOTP with recovery codes). A staff session that did not prove the second factor reaches only the
account pages (``/accounts/``: set it up, enter a code, log out); any other page sends it to set up
its authenticator app, or to enter a code when it has one. A staff session also ends after
``STAFF_SESSION_IDLE_MINUTES`` without a request.
"""

import time
from functools import cache

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

# Set when this session proved the second factor (accounts.apps: allauth's "authenticator used/added").
MFA_VERIFIED_SESSION_KEY = "accounts.mfa_verified_user"
LAST_SEEN_SESSION_KEY = "accounts.staff_seen_at"
# The last-seen time is written at most this often (seconds): not one session write per request.
LAST_SEEN_RESOLUTION = 60


def is_staff_account(user) -> bool:
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser))


def mark_mfa_verified(request, user) -> None:
    """This session proved the second factor of ``user`` (a code, a recovery code, or a new authenticator)."""
    request.session[MFA_VERIFIED_SESSION_KEY] = user.pk


def session_is_mfa_verified(request) -> bool:
    return request.session.get(MFA_VERIFIED_SESSION_KEY) == request.user.pk


@cache
def _open_prefixes() -> tuple[str, ...]:
    accounts = reverse("account_login").rsplit("login/", 1)[0]  # "/accounts/": allauth, the second factor included
    return (accounts, settings.STATIC_URL, reverse("healthz"), reverse("set_language"))


class StaffSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_staff_account(request.user):
            response = self._check(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request):
        now = int(time.time())
        seen = request.session.get(LAST_SEEN_SESSION_KEY)
        idle = settings.STAFF_SESSION_IDLE_MINUTES * 60
        if seen is not None and now - seen > idle:
            logout(request)
            messages.info(
                request,
                _("Votre session a expiré après %(minutes)s minutes sans activité : reconnectez-vous.")
                % {"minutes": settings.STAFF_SESSION_IDLE_MINUTES},
            )
            return self._to(request, "account_login")
        # A page's own polling (the print desk asks for its renders' progress as JSON) is not a person at work:
        # it must not keep an unattended session open.
        polling = "application/json" in request.headers.get("Accept", "")
        if not polling and (seen is None or now - seen >= LAST_SEEN_RESOLUTION):
            request.session[LAST_SEEN_SESSION_KEY] = now
        if not settings.MFA_REQUIRED_FOR_STAFF or session_is_mfa_verified(request):
            return None
        if request.path.startswith(_open_prefixes()):
            return None
        from allauth.mfa.models import Authenticator

        if Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists():
            return self._to(request, "mfa_reauthenticate")
        messages.warning(
            request,
            _(
                "Les comptes de l'équipe se connectent avec une double authentification : activez-la avec "
                "une application d'authentification (code à 6 chiffres) avant d'ouvrir l'administration."
            ),
        )
        return self._to(request, "mfa_activate_totp")

    @staticmethod
    def _to(request, name: str) -> HttpResponseRedirect:
        return HttpResponseRedirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")
