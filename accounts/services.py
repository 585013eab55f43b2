from django.conf import settings

from accounts.models import User


def user_set_language(*, user: User, language: str) -> None:
    """Emails to this person follow the language they last chose on the site."""
    if language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def user_add_totp(*, user: User, secret: str) -> bool:
    """Give ``user`` an authenticator app with a known secret (and recovery codes), unless they have one.

    For the demo accounts only (seed_demo): everyone else scans their own QR code in their space.
    Returns True when it was added.
    """
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return False
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return True
