"""seed_national: the national-scale dataset, built small (--scale 0.05), consistent and usable."""

import datetime
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q, Sum

from accounts import roles
from accounts.models import User
from associations.models import Application, Association, Membership
from associations.validators import validate_postal_code, validate_rna
from campaigns.models import Campaign, CampaignDonor
from certificates.models import Handover
from demo import national
from donations.models import Allocation, AllocationUnit, Wave
from impact.models import ImpactReport
from inventory.models import Computer, Lot

pytestmark = pytest.mark.django_db

SCALE = "0.05"


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    call_command("seed_national", "--scale", SCALE)


def test_refused_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_national", "--scale", SCALE)
    assert not Campaign.objects.exists()
    call_command("seed_national", "--scale", SCALE, "--force")
    assert Campaign.objects.filter(slug__in=national.SLUGS).count() == 3


def test_counts_at_small_scale(seeded):
    per_city = national.MIN_ASSOCIATIONS_PER_CITY
    campaigns = Campaign.objects.filter(slug__in=national.SLUGS)
    assert sorted(campaigns.values_list("city", flat=True)) == ["Lille", "Lyon", "Marseille"]
    assert all(c.is_open_for_applications() for c in campaigns)
    # 20 donors pledging across the three campaigns, some to two of them.
    pledges = CampaignDonor.objects.filter(campaign__in=campaigns)
    assert pledges.values("donor").distinct().count() == 20
    assert pledges.values("donor").annotate(n=Count("campaign")).filter(n=2).exists()
    lots = Lot.objects.filter(reference__startswith=national.LOT_PREFIX)
    assert lots.count() == 20
    units = Computer.objects.filter(lot__in=lots)
    assert units.count() == lots.aggregate(n=Sum("expected_count"))["n"] >= 1000
    assert Computer.objects.count() == units.count()
    assert set(units.values_list("status", flat=True)) == set(Computer.Status.values)

    associations = Association.objects.filter(contact_email__endswith=f"@{national.DOMAIN}")
    assert associations.count() == 3 * per_city
    for association in associations:
        validate_rna(association.rna)
        validate_postal_code(association.postal_code)
    assert Membership.objects.filter(association__in=associations).count() == 3 * per_city
    statuses = Counter(Application.objects.filter(campaign__in=campaigns).values_list("status", flat=True))
    assert set(statuses) == set(Application.Status.values)
    assert statuses["approved"] > sum(statuses.values()) * 0.7
    # Registered associations that have not applied yet.
    assert associations.filter(applications__isnull=True).count() == 3 * per_city // 20

    assert Wave.objects.filter(campaign__in=campaigns).count() == 9
    for campaign in campaigns:
        waves = {w.number: w.status for w in campaign.waves.all()}
        assert waves == {1: "closed", 2: "distributing", 3: "planning"}
    handovers = Handover.objects.filter(wave__campaign__in=campaigns)
    assert handovers.filter(signed_at__isnull=False).count() > handovers.count() / 2
    assert ImpactReport.objects.filter(campaign__in=campaigns).count() > 0

    staff = {u.email: u for u in User.objects.filter(is_staff=True, email__endswith=f"@{national.DOMAIN}")}
    assert staff["admin@national.test"].is_superuser
    for email, role in [
        ("reviewer@national.test", roles.REVIEWER),
        ("stock@national.test", roles.INVENTORY_OPERATOR),
        ("manager@national.test", roles.CAMPAIGN_MANAGER),
        ("desk@national.test", roles.HANDOVER_OPERATOR),
    ]:
        assert staff[email].has_role(role) and not staff[email].is_superuser


def test_invariants(seeded):
    check_invariants()


def check_invariants():
    campaigns = Campaign.objects.filter(slug__in=national.SLUGS)
    allocations = Allocation.objects.filter(wave__campaign__in=campaigns)
    live = AllocationUnit.objects.filter(released_at__isnull=True)
    # Every allocated unit is in exactly one live allocation, which holds units (confirmed or handed over).
    assert live.count() == live.values("computer").distinct().count() > 0
    assert not live.filter(allocation__status__in=["proposed", "cancelled"]).exists()
    for allocation in allocations.annotate(n=Count("units", filter=Q(units__released_at__isnull=True))):
        if allocation.status in ("confirmed", "handed_over"):
            assert allocation.n == allocation.quantity, allocation
        else:
            assert allocation.n == 0, allocation
    # Unit statuses follow their allocation.
    assert set(live.filter(allocation__status="confirmed").values_list("computer__status", flat=True)) == {"reserved"}
    assert set(live.filter(allocation__status="handed_over").values_list("computer__status", flat=True)) == {
        "handed_over"
    }
    assert Computer.objects.filter(status="reserved").count() == live.filter(allocation__status="confirmed").count()
    assert (
        Computer.objects.filter(status="handed_over").count() == live.filter(allocation__status="handed_over").count()
    )
    released = AllocationUnit.objects.filter(released_at__isnull=False)
    assert released.exists() and set(released.values_list("computer__status", flat=True)) == {"ready"}
    # The wipe gate: every cleared unit points to a passed wipe of its own.
    for computer in Computer.objects.filter(status__in=Computer.CLEARED_STATUSES).select_related("wipe_record"):
        assert computer.wipe_record.computer_id == computer.pk and computer.wipe_record.clears
    # Waves: the first closed and handed over, the third only proposed; within capacity.
    for wave in Wave.objects.filter(campaign__in=campaigns).with_totals():
        statuses = set(wave.allocations.values_list("status", flat=True))
        expected = {1: {"handed_over"}, 2: {"handed_over", "confirmed", "cancelled"}, 3: {"proposed"}}[wave.number]
        assert statuses == expected, (wave.number, statuses)
        assert wave.proposed_total + wave.allocated_total <= wave.capacity
    # Nobody receives more than granted.
    for application in Application.objects.filter(campaign__in=campaigns).annotate(
        held=Sum("allocations__quantity", filter=Q(allocations__status__in=["confirmed", "handed_over"]))
    ):
        assert (application.held or 0) <= (application.granted_quantity or 0)
        if application.held:
            assert application.status == "approved"
    # Certificates: one per confirmed allocation, signed exactly when handed over, with a derived code.
    for handover in Handover.objects.filter(wave__campaign__in=campaigns).select_related("allocation"):
        assert handover.code == national.verification_code(handover.number)
        assert handover.is_signed == (handover.allocation.status == "handed_over")
        if handover.is_signed:
            assert handover.handed_over_count == handover.allocation.quantity
            assert handover.association_signature and handover.operator_signature
    assert Handover.objects.count() == allocations.exclude(status="proposed").count()
    # Impact reports only for equipped associations; sent ones are dated.
    equipped = set(allocations.filter(status="handed_over").values_list("application__association", flat=True))
    reports = ImpactReport.objects.filter(campaign__in=campaigns)
    assert set(reports.values_list("association", flat=True)) == equipped
    assert not reports.filter(status__in=["submitted", "accepted"], submitted_at__isnull=True).exists()
    assert {"draft", "submitted", "accepted"} <= set(reports.values_list("status", flat=True))


def test_pages_answer_with_the_dataset(seeded, client):
    signed = Handover.objects.filter(signed_at__isnull=False).first()
    response = client.get(f"/verify/{national.verification_code(signed.number)}/")
    assert response.status_code == 200
    assert signed.number in response.content.decode()
    for slug in national.SLUGS:
        assert client.get(f"/campaigns/{slug}/").status_code == 200

    # A member logs in through allauth with the documented password and sees their association.
    member = national.member_email(1)
    response = client.post("/accounts/login/", {"login": member, "password": national.PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/space/"
    association = Association.objects.get(memberships__user__email=member)
    space = client.get("/space/")
    assert space.status_code == 200
    assert association.legal_name in space.content.decode()
    handover = Handover.objects.filter(allocation__application__association=association).first()
    assert handover is not None
    certificates = client.get("/space/certificates/")
    assert certificates.status_code == 200 and handover.number in certificates.content.decode()
    # The member may apply to another city's campaign.
    assert client.get("/space/apply/national-lyon/").status_code == 200

    client.logout()
    # Staff give the code of the demo authenticator (seed_demo's documented secret) after the password.
    from demo.management.commands.demo_totp_code import current_code

    response = client.post("/accounts/login/", {"login": "admin@national.test", "password": national.PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    client.post("/accounts/2fa/authenticate/", {"code": current_code()})
    for url in (
        "/admin/associations/application/",
        "/admin/inventory/computer/",
        "/admin/donations/allocation/",
        "/admin/certificates/handover/",
    ):
        assert client.get(url).status_code == 200, url


def test_refuses_twice_and_reset_replaces_only_the_national_data(seeded, settings):
    from tests.factories.inventory import ComputerFactory

    other = ComputerFactory(asset_tag="AUTRE-0001", status="ready")
    before = national.counts()
    with pytest.raises(CommandError, match="--reset"):
        call_command("seed_national", "--scale", SCALE)
    call_command("seed_national", "--scale", SCALE, "--reset")
    assert national.counts() == before
    assert Computer.objects.filter(pk=other.pk).exists()
    national.reset()
    assert set(national.counts().values()) == {0}
    assert Computer.objects.filter(pk=other.pk).exists()


def _mix() -> dict:
    """How many rows of each kind are in each state: what must not depend on ids or on the day."""
    campaigns = Campaign.objects.filter(slug__in=national.SLUGS)

    def by_status(queryset):
        return Counter(queryset.values_list("status", flat=True))

    return {
        "applications": by_status(Application.objects.filter(campaign__in=campaigns)),
        "units": by_status(Computer.objects.filter(lot__reference__startswith=national.LOT_PREFIX)),
        "allocations": by_status(Allocation.objects.filter(wave__campaign__in=campaigns)),
        "reports": by_status(ImpactReport.objects.filter(campaign__in=campaigns)),
        "signed": Handover.objects.filter(wave__campaign__in=campaigns, signed_at__isnull=False).count(),
    }


def test_same_mix_of_states_whatever_ids_the_database_hands_out(seeded, settings):
    from tests.factories.associations import AssociationFactory
    from tests.factories.inventory import ComputerFactory

    before = _mix()
    ours = Association.objects.filter(contact_email__endswith=f"@{national.DOMAIN}")
    first_ids = set(ours.values_list("pk", flat=True))
    national.reset()
    # PostgreSQL's sequences move on by themselves; SQLite would hand the same ids out again: rows with
    # high ids make every later id different, on both.
    AssociationFactory(pk=90_001, legal_name="Association sentinelle")
    ComputerFactory(pk=90_001, asset_tag="SENTINELLE-1")
    call_command("seed_national", "--scale", SCALE)
    again = set(ours.values_list("pk", flat=True))
    assert again and not again & first_ids
    assert _mix() == before


# Whatever the day the dataset is built (the quarter's start or end, a year's turn), every state the
# pages, the benchmarks and the tests rely on exists.
@pytest.mark.parametrize("day", ["2027-01-01", "2027-03-31", "2027-07-14", "2028-02-29"])
def test_every_state_exists_whatever_the_day(day, settings):
    settings.DEBUG = True
    moment = datetime.datetime.fromisoformat(f"{day}T10:00:00+01:00")
    with time_machine.travel(moment, tick=False):
        call_command("seed_national", "--scale", SCALE)
        check_invariants()
        mix = _mix()
    assert set(mix["applications"]) == set(Application.Status.values)
    assert set(mix["units"]) == set(Computer.Status.values)
    assert {"draft", "submitted", "accepted", "returned"} <= set(mix["reports"])


def test_three_organisers_each_with_its_team_and_twenty_donors_with_accounts(seeded, client):
    from campaigns.models import DonorMembership, Organiser, StaffMembership
    from campaigns.scoping import scope_to_user
    from inventory.models import StockPartner

    campaigns = Campaign.objects.filter(slug__in=national.SLUGS).select_related("organiser")
    organisers = {c.city: c.organiser for c in campaigns}
    assert len(set(organisers.values())) == 3
    assert {o.name for o in organisers.values()} == {
        "Ville de Marseille",
        "Métropole de Lyon",
        "Métropole européenne de Lille",
    }
    # Each lot is received by the organiser of one city, reconditioned by that city's refurbisher, which works
    # for that organiser only.
    for lot in Lot.objects.filter(reference__startswith=national.LOT_PREFIX).select_related("partner"):
        assert list(lot.partner.organisers.all()) == [lot.organiser]
    assert StockPartner.objects.filter(name__in=national.PARTNER_NAMES).count() == 3

    # Each organiser's team works for it alone, in the role of its group; the national team for the three.
    for city, organiser in organisers.items():
        for kind, _first, _last, group in national.TEAM:
            user = User.objects.get(email=national.team_email(kind, city))
            assert user.has_role(getattr(roles, group)) and not user.is_superuser
            assert list(StaffMembership.objects.filter(user=user).values_list("organiser", "role")) == [
                (organiser.pk, kind)
            ]
    reviewer = User.objects.get(email=national.team_email("reviewer", "Lyon"))
    seen = scope_to_user(Application.objects.all(), reviewer)
    assert seen.exists() and set(seen.values_list("campaign__city", flat=True)) == {"Lyon"}
    national_reviewer = User.objects.get(email="reviewer@national.test")
    assert StaffMembership.objects.filter(user=national_reviewer).count() == 3
    coordinator = User.objects.get(email=national.COORDINATOR[0])
    assert coordinator.has_role(roles.NATIONAL_COORDINATOR) and not StaffMembership.objects.filter(user=coordinator)
    assert scope_to_user(Organiser.objects.all(), coordinator, "").count() >= 3

    # 20 donors, each with a person who sees its own lots in the donor space.
    people = DonorMembership.objects.filter(user__email__endswith=f"@{national.DOMAIN}").select_related("donor")
    assert people.count() == 20 and people.values("donor").distinct().count() == 20
    first = people.get(user__email=national.donor_email(1))
    response = client.post("/accounts/login/", {"login": first.user.email, "password": national.PASSWORD})
    assert response.status_code == 302
    page = client.get("/donor/").content.decode()
    mine = Lot.objects.filter(donor=first.donor).values_list("reference", flat=True)
    assert mine and all(reference in page for reference in mine)
    others = Lot.objects.filter(reference__startswith=national.LOT_PREFIX).exclude(donor=first.donor)
    assert not any(reference in page for reference in others.values_list("reference", flat=True))
    counts = national.counts()
    assert (counts["organisateurs"], counts["personnes des donateurs"]) == (3, 20)
    assert counts["équipes (rôles par organisateur)"] == 3 * 4 + 4 * 3
