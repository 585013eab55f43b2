from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AccountEvent, User
from core.emails import notify
from core.errors import DomainError


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


def deletion_request_of(user: User) -> AccountEvent | None:
    """The person's request to delete their account, still waiting (the account is not anonymised yet)."""
    return (
        AccountEvent.objects.filter(user=user, kind=AccountEvent.Kind.DELETION_REQUESTED)
        .order_by("-created_at")
        .first()
    )


@transaction.atomic
def user_request_deletion(*, user: User) -> AccountEvent:
    """The person asks for their account to be deleted: the request is recorded in the account's history and the
    privacy contact is told by email. Staff erase it with the admin's anonymisation (accounts.privacy), which keeps
    the history of what the person did without their name."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # one request at a time
    existing = deletion_request_of(user)
    if existing is not None:
        raise DomainError(
            _("Votre demande du %(date)s est déjà enregistrée : l'équipe la traite dans un délai d'un mois.")
            % {"date": timezone.localtime(existing.created_at).strftime("%d/%m/%Y")}
        )
    event = AccountEvent.record(user=user, by=user, kind=AccountEvent.Kind.DELETION_REQUESTED)
    notify(
        {settings.PRIVACY_CONTACT_EMAIL: "fr"},
        "account_deletion_requested",
        {
            "email": user.email,
            "admin_path": reverse("admin:accounts_user_change", args=[user.pk]),
        },
    )
    return event
