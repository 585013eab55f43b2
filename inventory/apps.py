from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = _("Stock")

    def ready(self) -> None:
        from campaigns.models import Campaign
        from inventory.signals import give_new_campaign_default_checklist

        post_save.connect(
            give_new_campaign_default_checklist, sender=Campaign, dispatch_uid="inventory_campaign_default_checklist"
        )
