from allauth.account.adapter import DefaultAccountAdapter
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
