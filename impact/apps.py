from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImpactConfig(AppConfig):
    name = "impact"
    label = "impact"
    verbose_name = _("Impact et suivi")

    def ready(self) -> None:
        from accounts.privacy import register_personal_data
        from impact import (
            privacy,
            signals,  # noqa: F401  (cache invalidation of the public statistics)
        )

        register_personal_data(self.label, export=privacy.export, anonymise=privacy.anonymise)

        from impact import panels
        from inventory.hooks import lot_page_panels

        lot_page_panels.subscribe(panels.lot_documents)
