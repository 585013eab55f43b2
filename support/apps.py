from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    label = "support"
    verbose_name = _("Après la remise (pannes)")

    def ready(self) -> None:
        # accounts, the lowest app, never imports this one: it subscribes to the export (accounts.privacy).
        from accounts.privacy import register_personal_data
        from inventory.hooks import lot_page_panels
        from support import panels, privacy

        register_personal_data(self.label, export=privacy.export)
        lot_page_panels.subscribe(panels.lot_fault_rates)
