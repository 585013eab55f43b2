from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles_after_migrate(sender, **kwargs):
    # Permissions of models added after accounts.0002 exist only once their app is migrated:
    # re-apply the roles table after every migrate so that the groups are always complete.
    if sender.name == "accounts":
        from accounts.roles import sync_roles

        sync_roles()


def _second_factor_used(sender, request, user, **kwargs):
    # A code (or recovery code) typed at login or reauthentication: this session passed the second
    # factor (accounts/middleware.py).
    from accounts.middleware import mark_mfa_verified

    if request is not None and user is not None:
        mark_mfa_verified(request, user)


def _second_factor_added(sender, request, user, authenticator, **kwargs):
    # A new authenticator app whose first code was just checked (new recovery codes prove nothing).
    if authenticator.type == authenticator.Type.TOTP:
        _second_factor_used(sender, request, user)


def _session_starts(sender, request, user, **kwargs):
    # A staff session's idle time counts from its login (accounts/middleware.py).
    from accounts.middleware import LAST_SEEN_SESSION_KEY, is_staff_account

    if request is not None and hasattr(request, "session") and is_staff_account(user):
        import time

        request.session[LAST_SEEN_SESSION_KEY] = int(time.time())


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Utilisateurs et rôles")

    def ready(self):
        from allauth.mfa import signals as mfa_signals
        from django.contrib.auth.signals import user_logged_in

        post_migrate.connect(_sync_roles_after_migrate, sender=self)
        user_logged_in.connect(_session_starts, dispatch_uid="accounts-staff-session-starts")
        mfa_signals.authenticator_used.connect(_second_factor_used, dispatch_uid="accounts-mfa-used")
        mfa_signals.authenticator_added.connect(_second_factor_added, dispatch_uid="accounts-mfa-added")
