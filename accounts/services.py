from django.conf import settings

from accounts.models import User


def user_set_language(*, user: User, language: str) -> None:
    """Emails to this person follow the language they last chose on the site."""
    if language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
