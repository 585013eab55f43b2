from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DonationsConfig(AppConfig):
    name = "donations"
    verbose_name = _("Campagnes et dons")

    def ready(self):
        from associations.hooks import decision_correcting
        from donations.services.grants import check_decision_correction

        # associations, below, never imports this app: a correction of an approval asks the waves first.
        decision_correcting.subscribe(check_decision_correction)
