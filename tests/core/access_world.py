"""The world of the access-control matrix (tests/core/test_access_matrix.py).

Association A owns one object of every kind that has a URL; association B has a member and nothing
else; each staff role of ``accounts.roles`` has one account, plus a superuser. Built through the
factories and the builders of ``tests.factories.<app>`` (so through the apps' services), once per module.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.test import TestCase
from django.utils import timezone

from accounts import roles
from tests.roles import STAFF_ROLES

ROLES = ("anonymous", "member_a", "member_b", "reviewer", "inventory", "manager", "handover", "superuser")


@dataclass
class World:
    users: dict  # role -> User (no entry for "anonymous")
    association_a: object
    association_b: object
    campaign: object  # public campaign where A has an application in progress (editable, with documents)
    application: object  # A's application asking for more information (editable, documents attached)
    message: object  # the team's question on ``application``, with a PDF attached
    submitted_application: object  # A's application waiting for review (every review step is open)
    signed_campaign: object  # campaign of A's signed, handed-over allocation and of its impact report
    signed_handover: object  # A's signed certificate (handed over)
    report: object  # A's impact report, still to file
    wave: object  # confirmed wave of A's allocation with a proposed appointment
    allocation: object  # A's confirmed allocation, its appointment proposed
    slot: object  # a free slot of the wave's handover schedule
    handover: object  # its certificate, rendered (ready, not signed)
    lot: object  # the lot of A's reserved computers
    computer: object  # one of A's reserved computers
    wipe_record: object
    functional_test: object
    checklist_item: object  # an item of the functional test checklist of ``campaign``
    computer_event: object
    donor: object
    reporting: object  # the reporting calendar of ``signed_campaign``
    mission: object
    email_address: object  # member A's address (allauth)
    email_key: str  # a valid confirmation key for that address
    reset_key: tuple[str, str]  # (uidb36, key) of a valid password-reset link of member A, set after the logins
    group: object  # the reviewers' group
    outbox_email: object  # an email of the outbox (core.OutboxEmail), superusers only
    join_request: object  # a pending request of someone outside the world to join A
    invitation_token: str  # a valid invitation to A, for an address nobody in the world has
    donor_offer: object  # a pending offer of computers from /donate/ to ``campaign``
    ticket: object  # A's report of a faulty unit of its signed handover (support), with one photo
    replaced_ticket: object  # another of A's reports, replaced: its certificate's addendum is rendered
    spare_unit: object  # another unit of that handover, not reported (the report form's target)
    organiser: object  # the organiser of every campaign and lot of the world (Marseille), whose team the staff are
    lyon_users: dict  # staff role -> the same role's account in the team of another organiser (Lyon)
    sessions: dict = field(default_factory=dict)  # role -> session key (set by the test module)
    lyon_sessions: dict = field(default_factory=dict)  # staff role -> session key of ``lyon_users``
    wipe_evidence: object = None  # an imported wipe report (nwipe log) of ``computer``'s drive
    stock_partner: object = None  # the refurbisher of A's lot
    api_token: object = None  # an API token of the donor (api app)
    donor_document: object = None  # the traceability report of ``lot`` for its donor, rendered (impact app)
    receipt: object = None  # A's in-kind gift receipt for the donor of its signed handover, issued and rendered
    receipt_eligibility: object = None  # A's declaration that it may issue receipts
    lot_valuation: object = None  # the value per unit the donor declared for the lot of that handover
    collection: object = None  # the donor's proposal of slots to collect A's lot (two slots)
    pledge: object = None  # the donor's pledge to ``campaign``


def _reassign(wave, association) -> None:
    """Builders create an association per application: give the wave's application to ``association``."""
    from associations.models import Application

    Application.objects.filter(allocations__wave=wave).update(association=association)


def build_world() -> World:
    from allauth.account.models import EmailAddress, EmailConfirmationHMAC
    from django.contrib.auth.models import Group

    from associations.models import Application, Invitation, JoinRequest, Mission
    from associations.services import invitation_token
    from campaigns.models import Donor
    from campaigns.services import donor_offer_create
    from certificates import services as certificate_services
    from certificates.models import Handover
    from donations import services as donation_services
    from impact.models import CampaignReporting
    from inventory.models import Computer, ComputerEvent
    from support.services import ticket_replace, ticket_report
    from tests.certificates.conftest import record_handover
    from tests.factories.accounts import UserFactory, staff_with_role
    from tests.factories.associations import ApplicationFactory, AssociationFactory, member_of
    from tests.factories.campaigns import DONOR_OFFER_FIELDS, CampaignFactory, OrganiserFactory, lyon
    from tests.factories.certificates import confirmed_wave
    from tests.factories.impact import impact_reports_for
    from tests.factories.inventory import nwipe_record, ready_computers
    from tests.factories.support import photo_upload

    association_a = AssociationFactory(legal_name="Association A du numérique")
    association_b = AssociationFactory(legal_name="Association B du quartier")
    users = {
        "member_a": member_of(association_a, email="membre@asso-a.example.org"),
        "member_b": member_of(association_b, email="membre@asso-b.example.org"),
        **{key: staff_with_role(role, email=f"{key}@ville.example.org") for key, role in STAFF_ROLES.items()},
        "superuser": UserFactory(email="root@ville.example.org", is_staff=True, is_superuser=True),
    }
    # The same roles in another organiser's team: they see none of the world's campaigns, stock or certificates.
    lyon_users = {
        key: staff_with_role(role, organiser=lyon(), email=f"{key}@lyon.example.org")
        for key, role in STAFF_ROLES.items()
    }
    desk, manager = users["handover"], users["manager"]

    # 1. A signed, handed-over allocation and the impact report it owes.
    signed_campaign = CampaignFactory(name="Campagne remise", slug="matrice-remise")
    signed_wave = confirmed_wave(1, 10, campaign=signed_campaign)
    _reassign(signed_wave, association_a)
    signed_handover = Handover.objects.get(wave=signed_wave)
    certificate_services.handover_render(handover_id=signed_handover.pk)
    with TestCase.captureOnCommitCallbacks(execute=True):
        record_handover(Handover.objects.get(pk=signed_handover.pk), desk, notify=False)
    signed_handover.refresh_from_db()
    assert signed_handover.signed_pdf, "the signed certificate was not rendered"
    (report,) = impact_reports_for(signed_wave, starts_on=timezone.localdate() - datetime.timedelta(days=10))

    # 1b. A faulty unit of that handover, reported by A (under warranty: handed over today), with a photo.
    signed_units = list(
        Computer.objects.filter(allocation_links__allocation=signed_handover.allocation).order_by("asset_tag")
    )
    ticket = ticket_report(
        by=users["member_a"], computer_id=signed_units[0].pk, description="Écran noir.", photos=[photo_upload()]
    )
    replaced_ticket = ticket_report(by=users["member_a"], computer_id=signed_units[2].pk, description="Carte mère.")
    (spare,) = ready_computers(1)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the addendum's render task
        replaced_ticket = ticket_replace(ticket=replaced_ticket, by=users["inventory"], replacement_id=spare.pk)

    # 2. A confirmed allocation with a proposed appointment, and its rendered certificate.
    wave = confirmed_wave(1, 10, campaign=CampaignFactory(name="Campagne en cours", slug="matrice-vague"))
    _reassign(wave, association_a)
    allocation = wave.allocations.get()
    donation_services.allocation_set_appointment(
        allocation=allocation,
        by=manager,
        date=timezone.localdate() + datetime.timedelta(days=15),
        start=datetime.time(10),
        end=datetime.time(11),
        place="Cité des associations",
    )
    handover = Handover.objects.get(allocation=allocation)
    certificate_services.handover_render(handover_id=handover.pk)
    handover.refresh_from_db()
    assert handover.state == Handover.State.READY and handover.pdf, handover.state

    # 3. An application in progress, with its documents.
    campaign = CampaignFactory(name="Campagne ouverte", slug="matrice-ouverte")
    application = ApplicationFactory(
        association=association_a, campaign=campaign, status=Application.Status.INFO_REQUESTED
    )
    submitted_application = ApplicationFactory(
        association=association_a,
        campaign=CampaignFactory(name="Campagne en instruction", slug="matrice-instruction"),
        status=Application.Status.SUBMITTED,
    )

    from django.core.files.base import ContentFile

    from associations.models import Message
    from tests.factories.associations import make_pdf_bytes

    message = Message(
        application=application,
        from_staff=True,
        body="Pouvez-vous préciser le local ?",
        attachment_type="pdf",
        attachment_name="plan.pdf",
    )
    message.attachment.save("plan.pdf", ContentFile(make_pdf_bytes("Plan")), save=False)
    message.save()

    computer = (
        allocation.units.select_related("computer__lot", "computer__wipe_record", "computer__functional_test")
        .first()
        .computer
    )
    # The report is the evidence of the unit's wipe: staff see it through the unit's lot (scoped per organiser).
    wipe_evidence = nwipe_record(computer, reference="NWIPE-MATRICE-1", disk_serial="WD-MATRICE-1").evidence
    from api.services import api_token_create
    from campaigns.models import CampaignDonor
    from inventory.models import Lot
    from tests.factories.inventory import CollectionFactory, StockPartnerFactory

    stock_partner = StockPartnerFactory(name="Atelier du monde")
    Lot.objects.filter(pk=computer.lot_id).update(partner=stock_partner)
    api_token, _secret = api_token_create(by=users["superuser"], name="ERP", donor=Donor.objects.get(name="Orange"))
    email_address = EmailAddress.objects.get(user=users["member_a"])
    from core.models import OutboxEmail
    from impact.donor_documents import donor_document_render, traceability_report_request

    lot = Lot.objects.select_related("donor").get(pk=computer.lot_id)
    donor_document = traceability_report_request(donor=lot.donor, lot=lot, by=users["inventory"])
    donor_document = donor_document_render(document_id=donor_document.pk)

    # 4. A's in-kind gift receipt for the units of its signed handover (eligible, the lot valued), rendered.
    from impact import receipts as receipt_services

    receipt_eligibility = receipt_services.receipt_eligibility_declare(association=association_a, by=users["member_a"])
    from impact.receipt_selectors import received_units

    signed_lot = signed_units[1].lot
    lot_valuation = receipt_services.lot_valuation_declare(lot=signed_lot, unit_value="90", by=None)
    for lot in Lot.objects.filter(pk__in=received_units([association_a.pk]).values("computer__lot_id")):
        if lot.pk != signed_lot.pk:  # the replacement unit's lot
            receipt_services.lot_valuation_declare(lot=lot, unit_value="90", by=None)
    receipt = receipt_services.receipt_issue(
        association=association_a, donor=signed_lot.donor, year=signed_handover.handed_over_on.year, by=None
    )
    receipt = receipt_services.receipt_render(receipt_id=receipt.pk)
    assert receipt.pdf, "the receipt was not rendered"

    return World(
        organiser=OrganiserFactory(),
        lyon_users=lyon_users,
        users=users,
        association_a=association_a,
        association_b=association_b,
        campaign=campaign,
        application=application,
        message=message,
        submitted_application=submitted_application,
        signed_campaign=signed_campaign,
        signed_handover=signed_handover,
        report=report,
        wave=wave,
        allocation=allocation,
        slot=wave.slots.order_by("date", "start").last(),
        handover=handover,
        lot=computer.lot,
        computer=computer,
        wipe_record=computer.wipe_record,
        functional_test=computer.functional_test,
        checklist_item=campaign.checklist_items.first(),
        computer_event=ComputerEvent.objects.filter(computer=computer).first(),
        wipe_evidence=wipe_evidence,
        donor=Donor.objects.get(name="Orange"),
        reporting=CampaignReporting.objects.get(campaign=signed_campaign),
        mission=Mission.objects.filter(associations=association_a).first(),
        email_address=email_address,
        email_key=EmailConfirmationHMAC(email_address).key,
        reset_key=("", ""),  # see password_reset_key: it depends on the last login
        group=Group.objects.get(name=roles.REVIEWER),
        outbox_email=OutboxEmail.objects.create(template="application_submitted", to=[users["member_a"].email]),
        join_request=JoinRequest.objects.create(
            association=association_a, user=UserFactory(email="candidate@exterieur.example.org"), message="Bonjour"
        ),
        invitation_token=invitation_token(
            Invitation.objects.create(association=association_a, email="invitee@exterieur.example.org")
        ),
        stock_partner=stock_partner,
        api_token=api_token,
        donor_document=donor_document,
        receipt=receipt,
        receipt_eligibility=receipt_eligibility,
        lot_valuation=lot_valuation,
        donor_offer=donor_offer_create(
            campaign=campaign,
            **DONOR_OFFER_FIELDS,
        ),
        ticket=ticket,
        replaced_ticket=replaced_ticket,
        spare_unit=signed_units[1],
        collection=CollectionFactory(lot=computer.lot),
        pledge=CampaignDonor.objects.get_or_create(
            campaign=campaign, donor=Donor.objects.get(name="Orange"), defaults={"pledged_units": 100}
        )[0],
    )


def password_reset_key(user) -> tuple[str, str]:
    """A valid password-reset link of ``user`` (uidb36, key): valid until their next login."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    return user_pk_to_url_str(user), default_token_generator.make_token(user)
