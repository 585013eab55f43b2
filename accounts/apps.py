from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles_after_migrate(sender, **kwargs):
    # Permissions of models added after accounts.0002 exist only once their app is migrated:
    # re-apply the roles table after every migrate so that the groups are always complete.
    if sender.name == "accounts":
        from accounts.roles import sync_roles

        sync_roles()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Utilisateurs et rôles")

    def ready(self):
        post_migrate.connect(_sync_roles_after_migrate, sender=self)
