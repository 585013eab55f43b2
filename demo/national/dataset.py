"""What the national dataset holds, and removing or rendering it (the command, the tests, the benchmarks)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Q

from demo.national.data import DOMAIN, DONOR_NAMES, LOT_PREFIX, PARTNER_NAMES, SLUGS


def exists() -> bool:
    from campaigns.models import Campaign

    return Campaign.objects.filter(slug__in=SLUGS).exists()


def counts() -> dict[str, int]:
    """What the national dataset holds (the command's summary and the test's assertions)."""
    from accounts.models import User
    from associations.models import Application, Association, Membership
    from campaigns.models import Campaign, CampaignDonor, DonorMembership, StaffMembership
    from certificates.models import Handover
    from donations.models import Allocation, AllocationUnit, Wave
    from impact.models import ImpactReport
    from inventory.models import Computer, WipeRecord

    campaigns = {"campaign__slug__in": SLUGS}
    computers = Computer.objects.filter(lot__reference__startswith=LOT_PREFIX)
    ours = {"user__email__endswith": f"@{DOMAIN}"}
    return {
        "organisateurs": Campaign.objects.filter(slug__in=SLUGS).values("organiser").distinct().count(),
        "campagnes": len(SLUGS) if exists() else 0,
        "équipes (rôles par organisateur)": StaffMembership.objects.filter(**ours).count(),
        "donateurs": CampaignDonor.objects.filter(**campaigns).values("donor").distinct().count(),
        "personnes des donateurs": DonorMembership.objects.filter(**ours).count(),
        "ordinateurs": computers.count(),
        "ordinateurs prêts": computers.filter(status="ready").count(),
        "ordinateurs réservés": computers.filter(status="reserved").count(),
        "ordinateurs remis": computers.filter(status="handed_over").count(),
        "effacements": WipeRecord.objects.filter(computer__in=computers).count(),
        "associations": Association.objects.filter(contact_email__endswith=f"@{DOMAIN}").count(),
        "membres": Membership.objects.filter(user__email__endswith=f"@{DOMAIN}").count(),
        "comptes": User.objects.filter(email__endswith=f"@{DOMAIN}").count(),
        "candidatures": Application.objects.filter(**campaigns).count(),
        "candidatures acceptées": Application.objects.filter(**campaigns, status="approved").count(),
        "vagues": Wave.objects.filter(**campaigns).count(),
        "attributions": Allocation.objects.filter(wave__campaign__slug__in=SLUGS).count(),
        "unités attribuées (vivantes)": AllocationUnit.objects.filter(
            allocation__wave__campaign__slug__in=SLUGS, released_at__isnull=True
        ).count(),
        "attestations": Handover.objects.filter(wave__campaign__slug__in=SLUGS).count(),
        "remises signées": Handover.objects.filter(wave__campaign__slug__in=SLUGS, signed_at__isnull=False).count(),
        "bilans d'impact": ImpactReport.objects.filter(**campaigns).count(),
    }


def render_pdfs(limit: int) -> tuple[int, int]:
    """Render ``limit`` certificates in-process (signed ones first). Returns (rendered, failed)."""
    from certificates.models import Handover
    from certificates.services import handovers_render_now

    ids = list(
        Handover.objects.filter(wave__campaign__slug__in=SLUGS, state="pending")
        .exclude(allocation__status="cancelled")
        .order_by(F("signed_at").asc(nulls_last=True), "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return handovers_render_now(ids)


@transaction.atomic
def reset() -> None:
    """Remove the national dataset (and only it), in the order the foreign keys require."""
    from accounts.models import User
    from associations.models import Application, ApplicationEvent, Association
    from campaigns.models import Campaign, Donor
    from certificates.models import Handover, HandoverEvent
    from donations.models import Allocation, AllocationEvent, AllocationUnit, Wave
    from impact.models import ImpactReport, ImpactReportEvent
    from inventory.models import (
        Computer,
        ComputerEvent,
        FunctionalTest,
        FunctionalTestResult,
        Lot,
        StockPartner,
        WipeRecord,
    )

    campaigns = Campaign.objects.filter(slug__in=SLUGS)
    associations = Association.objects.filter(contact_email__endswith=f"@{DOMAIN}")
    ImpactReportEvent.objects.filter(report__campaign__in=campaigns).delete()
    ImpactReportEvent.objects.filter(report__association__in=associations).delete()
    ImpactReport.objects.filter(campaign__in=campaigns).delete()
    ImpactReport.objects.filter(association__in=associations).delete()
    HandoverEvent.objects.filter(handover__wave__campaign__in=campaigns).delete()
    Handover.objects.filter(wave__campaign__in=campaigns).delete()
    allocations = Allocation.objects.filter(wave__campaign__in=campaigns)
    AllocationEvent.objects.filter(allocation__in=allocations).delete()
    AllocationUnit.objects.filter(allocation__in=allocations).delete()
    allocations.delete()
    Wave.objects.filter(campaign__in=campaigns).delete()
    # Applications of the campaigns, and any other of the associations (a load test may file some).
    applications = Application.objects.filter(Q(campaign__in=campaigns) | Q(association__in=associations))
    ApplicationEvent.objects.filter(application__in=applications).delete()
    applications.delete()
    campaigns.delete()
    associations.delete()
    # The stock: clear the gate, then the history, the wipe records, the units, the lots.
    lots = Lot.objects.filter(reference__startswith=LOT_PREFIX)
    computers = Computer.objects.filter(lot__in=lots)
    computers.update(
        wipe_record=None,
        functional_test=None,
        status="received",
        scrap_reason="",
        scrap_cause="",
        storage_outcome="",
        storage_certificate="",
        recycler="",
    )
    ComputerEvent.objects.filter(computer__in=computers).delete()
    WipeRecord.objects.filter(computer__in=computers).delete()
    FunctionalTestResult.objects.filter(test__computer__in=computers).delete()
    FunctionalTest.objects.filter(computer__in=computers).delete()
    computers.delete()
    lots.delete()
    # The dataset's refurbishers (the benchmarks remove the API tokens they issue to them and to the donors).
    donors = Donor.objects.filter(name__in=DONOR_NAMES, lots__isnull=True, pledges__isnull=True)
    partners = StockPartner.objects.filter(name__in=PARTNER_NAMES, lots__isnull=True)
    partners.delete()
    donors.delete()
    User.objects.filter(email__endswith=f"@{DOMAIN}").delete()
