from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme

from core.client_ip import client_ip

# The links allauth puts in its emails, built from the host the request came through: sent from SITE_URL.
LINKS_IN_EMAILS = ("activate_url", "password_reset_url", "signup_url")


def on_site(url: str) -> str:
    """``url`` (absolute or a path) on the portal's address, SITE_URL."""
    parts = urlsplit(url)
    return settings.SITE_URL + parts.path + (f"?{parts.query}" if parts.query else "")


def _stored_after_login(request) -> str | None:
    """A page that sent a visitor to log in or sign up, without a ``next`` that survives the email confirmation
    (an invitation link), stores where to come back to in the session (``after_login``): a path on this site."""
    after = request.session.pop("after_login", None)
    if isinstance(after, str) and after.startswith("/") and url_has_allowed_host_and_scheme(after, allowed_hosts=None):
        return after
    return None


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # Emails to this person later follow the language they signed up in.
        user.language = (translation.get_language() or "fr")[:2]
        return super().save_user(request, user, form, commit=commit)

    def render_mail(self, template_prefix, email, context, headers=None):
        """allauth's emails in the portal's voice and layout: its address (SITE_URL, not the host the request
        came through), and the HTML part of every other email of the portal (core.emails: the text, escaped)."""
        context = {**context, "site_url": settings.SITE_URL}
        for key in LINKS_IN_EMAILS:
            if isinstance(context.get(key), str):
                context[key] = on_site(context[key])
        message = super().render_mail(template_prefix, email, context, headers=headers)
        if not getattr(message, "alternatives", None) and hasattr(message, "attach_alternative"):
            subject = message.subject.removeprefix(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX)
            html = render_to_string("emails/base.html", {"text": escape(message.body), "subject": subject})
            message.attach_alternative(html, "text/html")
        return message

    def get_login_redirect_url(self, request):
        stored = _stored_after_login(request)
        if stored:
            return stored
        user = request.user
        # A donor company's person (campaigns.DonorMembership) with no association: the donor space.
        if (
            user.is_authenticated
            and not user.is_staff
            and user.donor_memberships.exists()
            and not user.memberships.exists()
        ):
            return reverse("donors:space")
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request):
        # After signing up, the login happens when the address is confirmed: back to the stored page too.
        return _stored_after_login(request) or super().get_signup_redirect_url(request)

    def get_client_ip(self, request):
        # The same client address as every other rate limit (TRUSTED_PROXY_COUNT, core/client_ip.py).
        return client_ip(request)

    def _client_key(self, request, account_key: str) -> str:
        return f"{account_key}:{client_ip(request)}"

    def pre_authenticate(self, request, **credentials):
        """Count failed logins per account *and* client, then per account behind a higher threshold.

        allauth counts ``login_failed`` per account only: five wrong passwords typed by anyone,
        anywhere, would lock a staff member out of their own account. Here the five are counted for
        this account from this client (ACCOUNT_RATE_LIMITS["login_failed"]); the account itself is
        locked only by many failures from many clients (["login_failed_account"]). A successful
        login rolls back both counts (allauth's ``authenticate``), as it does for its own.
        """
        account_key = self._get_login_attempts_cache_key(request, **credentials)
        per_client = ratelimit.consume(
            request, app="allauth.account", action="login_failed", key=self._client_key(request, account_key)
        )
        if not per_client:
            raise self.validation_error("too_many_login_attempts")
        per_account = ratelimit.consume(request, app="allauth.account", action="login_failed_account", key=account_key)
        if not per_account:
            per_client.rollback()
            raise self.validation_error("too_many_login_attempts")
        self._login_failed_rl_usage = ratelimit.RateLimitUsage(usage=[*per_client.usage, *per_account.usage])

    def _delete_login_attempts_cached_email(self, request, **credentials):
        # A successful password reset clears the counts of this account (allauth's own), here and for
        # the client that reset it.
        account_key = self._get_login_attempts_cache_key(request, **credentials)
        for action, key in (
            ("login_failed", self._client_key(request, account_key)),
            ("login_failed_account", account_key),
        ):
            ratelimit.clear(request, app="allauth.account", action=action, key=key)
