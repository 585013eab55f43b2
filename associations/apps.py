from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_missions_after_migrate(sender, **kwargs):
    # The fixed list of missions is reference data: make it whole after every migrate, and after every flush
    # (which emits post_migrate too: a transactional test, a `manage.py flush`), not only in migration 0002.
    from associations.models import Mission

    for position, (code, _label) in enumerate(Mission.Code.choices):
        Mission.objects.using(kwargs.get("using", "default")).update_or_create(
            code=code, defaults={"position": position}
        )


class AssociationsConfig(AppConfig):
    name = "associations"
    verbose_name = _("Associations et candidatures")

    def ready(self):
        from accounts.admin import register_user_inline
        from accounts.privacy import register_personal_data
        from associations import privacy
        from associations.user_admin import UserMembershipInline

        post_migrate.connect(_ensure_missions_after_migrate, sender=self)
        # accounts, below, never imports this app: the associations' part of a person's data and the user
        # page's memberships are registered with it.
        register_personal_data(
            self.label,
            export=privacy.export,
            anonymise=privacy.anonymise,
            keeps_members=privacy.keeps_members,
            retention=privacy.retention,
        )
        register_user_inline(UserMembershipInline)
