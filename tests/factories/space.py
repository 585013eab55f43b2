"""One association member's space with something waiting of every kind (the space home's tests, its screenshots)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from accounts import roles
from associations.models import Application, Message
from tests.factories.accounts import UserFactory, staff_with_role
from tests.factories.associations import ApplicationFactory, AssociationFactory, approved_application
from tests.factories.campaigns import CampaignFactory
from tests.factories.certificates import confirmed_wave
from tests.factories.donations import WaveFactory
from tests.factories.impact import impact_reports_for
from tests.factories.inventory import ready_computers

PASSWORD = "motdepasse-solide-42"


def first_of_a_coming_month(today: datetime.date | None = None) -> datetime.date:
    """The 1st of the month after next: in the future whatever today is, and a day that reads « 1er »."""
    today = today or timezone.localdate()
    return (today.replace(day=1) + datetime.timedelta(days=40)).replace(day=1)


@dataclass
class Space:
    member: object
    application: Application
    question: Application
    allocation: object
    appointment_day: datetime.date


def space_with_everything(*, email: str = "presidente@claviers.example.org") -> Space:
    """« Les Claviers solidaires »: 25 computers granted, 12 in wave 2 with an appointment to confirm on the 1st
    of a coming month at 9 h, a message from the team not read yet; « Le Club numérique du Panier »: a question
    from the team to answer; « Emmaüs Connect »: equipped in another campaign, its certificate signed, an impact
    report to file."""
    from associations import services as association_services
    from donations import services as donation_services
    from tests.certificates.conftest import record_handover

    member = UserFactory(email=email, password=PASSWORD)
    manager = staff_with_role(roles.CAMPAIGN_MANAGER, email="responsable-espace@example.org")
    reviewer = staff_with_role(roles.REVIEWER, email="instructrice-espace@example.org")

    campaign = CampaignFactory(name="1000 ordinateurs pour Marseille", min_per_association=10, max_per_association=30)
    claviers = AssociationFactory(legal_name="Les Claviers solidaires", members=[member])
    application = approved_application(campaign, 25, association=claviers)
    WaveFactory(campaign=campaign, number=1, capacity=10, status="closed")
    wave = WaveFactory(campaign=campaign, number=2, capacity=12, place="Gymnase Ruffi, 12 rue Ruffi, Marseille")
    ready_computers(12)
    donation_services.wave_plan(wave=wave, by=manager)
    donation_services.wave_confirm(wave=wave, by=manager, notify=False)
    allocation = wave.allocations.get()
    day = first_of_a_coming_month()
    donation_services.allocation_set_appointment(
        allocation=allocation, by=manager, date=day, start=datetime.time(9), end=datetime.time(10, 30)
    )
    Message.objects.create(
        application=application, from_staff=True, body="Pensez à venir avec un véhicule : 12 unités centrales."
    )

    club = AssociationFactory(legal_name="Le Club numérique du Panier", members=[member])
    question = ApplicationFactory(association=club, campaign=campaign, statutes="", activity_report="")
    association_services.application_request_info(
        application=question, by=reviewer, message="Combien de personnes accueillez-vous par atelier ?"
    )

    # Emmaüs Connect: its 10 computers handed over at the desk today, its certificate signed.
    other = confirmed_wave(1, 10, campaign=CampaignFactory(name="Lyon équipe ses associations"))
    desk = staff_with_role(roles.HANDOVER_OPERATOR, email="guichet-espace@example.org")
    record_handover(other.allocations.get().handover, desk, notify=False)
    emmaus = other.allocations.get().application.association
    emmaus.legal_name = "Emmaüs Connect"
    emmaus.save(update_fields=["legal_name"])
    association_services_join(member, emmaus)
    today = timezone.localdate()
    impact_reports_for(other, today=today, starts_on=today - datetime.timedelta(days=100), period_months=3)
    return Space(member, application, question, allocation, day)


def association_services_join(member, association) -> None:
    from associations.models import Membership

    Membership.objects.get_or_create(user=member, association=association)
