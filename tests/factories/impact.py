"""Handed-over waves and the impact reports they owe (impact app)."""

import datetime

from django.utils import timezone

from accounts import roles
from tests.factories.accounts import staff_with_role
from tests.factories.certificates import confirmed_wave


def handed_over_wave(allocations: int = 2, units: int = 10, *, campaign=None, wave_number: int = 1, on=None):
    """A wave whose allocations are all handed over (through the donations service), optionally dated ``on``."""
    from donations import services as donation_services
    from donations.models import Allocation

    wave = confirmed_wave(allocations, units, campaign=campaign, wave_number=wave_number)
    desk = staff_with_role(roles.HANDOVER_OPERATOR, email="guichet-impact@example.org")
    for allocation in wave.allocations.order_by("position"):
        donation_services.allocation_hand_over(allocation=allocation, by=desk)
    if on is not None:
        moment = timezone.make_aware(datetime.datetime.combine(on, datetime.time(10)))
        Allocation.objects.filter(wave=wave).update(handed_over_at=moment)
    wave.refresh_from_db()
    return wave


def impact_reports_for(wave, *, today=None, period_months: int = 3, starts_on=None, grace_days: int = 15):
    """Set the campaign's reporting calendar and schedule the reports owed; returns them by association."""
    from impact import services as impact_services
    from impact.models import CampaignReporting, ImpactReport

    CampaignReporting.objects.update_or_create(
        campaign=wave.campaign,
        defaults={"period_months": period_months, "starts_on": starts_on, "grace_days": grace_days},
    )
    impact_services.impact_reports_schedule(today=today, campaign=wave.campaign)
    return list(ImpactReport.objects.filter(campaign=wave.campaign).order_by("association__legal_name", "period_start"))
