"""What the stock does when a campaign is created: its functional test checklist starts from the default.

The campaigns app sits below the stock and does not know it: the stock subscribes to the campaign's creation.
The checklist is written in the caller's transaction, so a campaign is never saved without it.
"""


def give_new_campaign_default_checklist(sender, instance, created, raw=False, **kwargs) -> None:
    if created and not raw:
        from inventory.services import checklist_create_default

        checklist_create_default(campaign=instance)
