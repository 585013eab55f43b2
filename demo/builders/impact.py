"""Demo impact reports for seed_demo: after wave 1 is handed over, the associations report.

The Marseille demo campaign reports monthly (not quarterly as by default) and its calendar
ends just after wave 1's handover days, so that the first period is already due: all the associations
equipped by wave 1 have filed their first report (most accepted, some waiting for review, one
returned for correction) except one, which is overdue; the second period is open. The demo
association (association@demo.test) has its first report accepted and the current one to fill.

Idempotent: reports that exist are left alone; the overdue association is chosen the same way
every time and never files.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from core.formatting import count_by_label
from demo.national.data import people_breakdown
from impact import services
from impact.models import CampaignReporting, ImpactReport


def _figures(seed: int, received: int) -> dict:
    rng = random.Random(seed)
    workshops = rng.randint(4, 14)
    trained = workshops * rng.randint(5, 9)
    seniors_60 = rng.randint(trained // 5, trained // 2)
    over_75 = rng.randint(0, seniors_60 // 3)
    under_26 = rng.randint(0, (trained - seniors_60) // 3)
    women = rng.randint(trained // 3, (2 * trained) // 3)
    out_of_order = rng.randint(0, 2)
    lent = rng.randint(0, 3)
    in_use = max(received - out_of_order - lent, 0)
    return {
        "workshops_held": workshops,
        "workshop_hours": workshops * rng.choice([1, 1.5, 2]),
        "people_trained": trained,
        **people_breakdown(trained=trained, over_60=seniors_60, over_75=over_75, under_26=under_26, women=women),
        "situation_job_seekers": rng.randint(0, trained // 3),
        "situation_young_out_of_school": min(under_26, rng.randint(0, 6)),
        "machines_in_use": in_use,
        "machines_out_of_order": out_of_order if received >= out_of_order + lent else 0,
        "machines_lent": lent if received >= out_of_order + lent else 0,
        "comment": rng.choice(
            [
                "Ateliers d'initiation le mardi et le jeudi matin, très demandés par les seniors.",
                "Les ordinateurs servent aussi aux démarches en ligne (CAF, France Travail).",
                "Deux ateliers CV et candidature en ligne par semaine.",
                "",
            ]
        ),
    }


def seed(context: dict) -> None:
    from donations.models import Wave

    campaign = context["campaign"]
    users = context["users"]
    stdout = context.get("stdout")

    def say(text: str) -> None:
        if stdout:
            stdout.write(f"  {text}")

    wave = Wave.objects.filter(campaign=campaign, number=1).first()
    if wave is None or not wave.handover_starts_on or not wave.allocations.filter(status="handed_over").exists():
        say("bilans d'impact : vague 1 pas encore remise, rien à faire")
        return
    today = timezone.localdate()
    # The first monthly period ends the day after the last handover day of wave 1 (due that day).
    first_end = (wave.handover_ends_on or wave.handover_starts_on) + datetime.timedelta(days=1)
    CampaignReporting.objects.get_or_create(
        campaign=campaign,
        defaults={
            "period_months": 1,
            "starts_on": services.add_months(first_end + datetime.timedelta(days=1), -1),
            "grace_days": 0,
        },
    )
    services.impact_reports_schedule(today=today, campaign=campaign)

    reports = list(
        ImpactReport.objects.filter(campaign=campaign)
        .select_related("association")
        .prefetch_related("events")
        .order_by("period_start", "association__legal_name")
    )
    if not reports:
        return
    first_start = reports[0].period_start
    first = [r for r in reports if r.period_start == first_start]
    member = users.get("association@demo.test")
    own = set(member.memberships.values_list("association_id", flat=True)) if member else set()
    others = [r for r in first if r.association_id not in own]
    overdue = others[-1] if others else None
    manager = users["manager@demo.test"]
    reviewer = users["reviewer@demo.test"]
    filed = 0
    for index, report in enumerate(first):
        if report is overdue or report.status != ImpactReport.Status.DRAFT or report.events.all():
            continue
        by = member if report.association_id in own else None
        services.impact_report_save(report=report, by=by, submit=True, **_figures(index, report.machines_received))
        filed += 1
        if report.association_id in own or index % 4 in (0, 1):
            services.impact_report_accept(report=report, by=manager)
        elif index == 2:
            services.impact_report_return(
                report=report,
                by=reviewer,
                message="Le nombre d'heures semble bas pour 10 ateliers : pouvez-vous vérifier ?",
            )
    counts = count_by_label(
        ImpactReport.objects.filter(campaign=campaign).values_list("status", flat=True), ImpactReport.Status
    )
    say(
        f"bilans d'impact : {len(reports)} attendus, {filed} déposés maintenant, "
        f"({counts}) ; en retard : {ImpactReport.objects.filter(campaign=campaign).overdue(today).count()}"
    )
