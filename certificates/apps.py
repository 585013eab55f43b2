from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    label = "certificates"
    verbose_name = _("Attestations de remise")

    def ready(self) -> None:
        # The apps below never import this one: it subscribes to what they announce (core.hooks, accounts.privacy).
        from accounts.privacy import register_personal_data
        from certificates import privacy
        from certificates.services import handover_ensure_for_allocations
        from donations.hooks import allocations_confirmed

        allocations_confirmed.subscribe(handover_ensure_for_allocations)
        register_personal_data(self.label, export=privacy.export)
