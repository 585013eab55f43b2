"""Donor companies' people and a donor with something of everything for its space (campaigns app, portal)."""

import datetime
from dataclasses import dataclass

from accounts.models import User
from campaigns.models import Donor
from tests.factories.accounts import UserFactory
from tests.factories.campaigns import CampaignFactory, DonorFactory


def donor_member(donor: Donor, **kwargs) -> User:
    """A person who acts for ``donor`` in the donor space (through the campaigns service)."""
    from campaigns.services import donor_member_add

    user = UserFactory(**kwargs)
    donor_member_add(donor=donor, user=user)
    return user


@dataclass
class DonorWorld:
    donor: Donor
    person: User
    wave: object  # handed over: 2 associations × 10 of the donor's units
    report: object  # the first association's report, sent: 70 people trained
    lot: object  # a second lot of the donor, announced 12, 3 units received (one scrapped)
    other_donor: Donor
    other_lot: object


HANDOVER_DAY = datetime.date(2026, 1, 10)


def donor_world() -> DonorWorld:
    """Orange: a campaign handed over (its units from an Orange lot), a report sent, a lot in the workshop; and
    another donor with a lot of its own. Fixed dates (the handover on 10 January 2026)."""
    from impact.services import impact_report_save
    from inventory.models import Computer
    from tests.factories.associations import member_of
    from tests.factories.impact import handed_over_wave, impact_reports_for
    from tests.factories.inventory import ComputerFactory, LotFactory
    from tests.impact.conftest import GOOD

    campaign = CampaignFactory(name="Campagne des donateurs", slug="campagne-donateurs")
    donor = Donor.objects.get(name="Orange")
    wave = handed_over_wave(2, 10, campaign=campaign, on=HANDOVER_DAY)
    reports = impact_reports_for(wave, today=datetime.date(2026, 2, 1), starts_on=datetime.date(2026, 1, 1))
    report = reports[0]
    member = member_of(report.association, email="membre-bilan@asso.example.org")
    impact_report_save(report=report, by=member, submit=True, **GOOD)
    report.refresh_from_db()

    lot = LotFactory(donor=donor, reference="ORANGE-ATELIER", expected_count=12)
    ComputerFactory(lot=lot, status="received")
    ComputerFactory(lot=lot, status="ready")
    ComputerFactory(lot=lot, status="scrapped")
    Computer.objects.filter(lot=lot, status="ready").update(form_factor="desktop")

    other = DonorFactory(name="Autre Entreprise", siret="73282932000074")
    other_lot = LotFactory(donor=other, reference="AUTRE-LOT-1", expected_count=5)
    ComputerFactory(lot=other_lot, status="received")
    person = donor_member(donor, email="donateur@orange.example.com")
    return DonorWorld(donor, person, wave, report, lot, other, other_lot)
