from allauth.account.adapter import DefaultAccountAdapter
from django.utils import translation


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # Emails to this person later follow the language they signed up in.
        user.language = (translation.get_language() or "fr")[:2]
        return super().save_user(request, user, form, commit=commit)
