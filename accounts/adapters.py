from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from django.utils import translation

from core.client_ip import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # Emails to this person later follow the language they signed up in.
        user.language = (translation.get_language() or "fr")[:2]
        return super().save_user(request, user, form, commit=commit)

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
