"""Desk operators and confirmed waves with their certificates (certificates app)."""

from accounts import roles
from accounts.models import User
from tests.factories.accounts import staff_with_role
from tests.factories.associations import approved_application
from tests.factories.campaigns import CampaignFactory
from tests.factories.donations import WaveFactory
from tests.factories.inventory import ready_computers


def desk_operator(**kwargs) -> User:
    return staff_with_role(roles.HANDOVER_OPERATOR, **kwargs)


def confirmed_wave(allocations: int = 1, units: int = 12, *, campaign=None, wave_number: int = 1):
    """A confirmed wave of ``allocations`` associations with ``units`` reserved computers each, and their
    certificates (pending, not rendered). Built through the donations services, in a few dozen queries.
    Returns the wave; its allocations are ``wave.allocations.order_by("position")``.
    """
    from certificates.services import handover_ensure_for_allocations
    from donations import services as donation_services

    campaign = campaign or CampaignFactory()
    manager = staff_with_role(roles.CAMPAIGN_MANAGER, email="responsable-certificats@example.org")
    wave = WaveFactory(campaign=campaign, number=wave_number, capacity=allocations * units)
    for _i in range(allocations):
        approved_application(campaign, units)
    ready_computers(allocations * units)
    donation_services.wave_plan(wave=wave, by=manager)
    donation_services.wave_confirm(wave=wave, by=manager, notify=False)
    ids = list(wave.allocations.values_list("pk", flat=True))
    handover_ensure_for_allocations(ids, by=manager)  # a no-op when the donations app already did it
    wave.refresh_from_db()
    return wave
