"""Bump the version of the cached public statistics when the data behind them changes."""

from django.db.models.signals import post_delete, post_save

from impact.selectors import invalidate_stats

WATCHED = (
    "impact.ImpactReport",
    "impact.CampaignReporting",
    "campaigns.Campaign",
    "campaigns.CampaignDonor",
    "donations.Wave",
    "donations.Allocation",
    "donations.AllocationEvent",
    "donations.WaveEvent",
    "certificates.Handover",
    "certificates.HandoverEvent",
)


def _changed(sender, **kwargs) -> None:
    invalidate_stats()


def connect() -> None:
    from django.apps import apps

    for label in WATCHED:
        try:
            model = apps.get_model(label)
        except LookupError:  # an app not installed here
            continue
        post_save.connect(_changed, sender=model, dispatch_uid=f"impact-stats-{label}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"impact-stats-{label}-delete")


connect()
