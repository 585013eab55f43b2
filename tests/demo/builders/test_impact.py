"""seed_demo: after wave 1 is handed over, the associations have filed reports, one is overdue; idempotent."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from impact.models import ImpactReport, ImpactReportEvent

pytestmark = pytest.mark.django_db


def test_seed_demo_files_reports_after_wave_1(settings, client):
    settings.DEBUG = True
    call_command("seed_demo")
    reports = ImpactReport.objects.all()
    assert reports.exists()
    first_start = reports.order_by("period_start").first().period_start
    first = reports.filter(period_start=first_start)
    assert first.filter(status__in=["submitted", "accepted"]).count() >= 5
    assert first.filter(status="returned").count() == 1
    never_filed = first.filter(status="draft")
    assert never_filed.count() == 1 and never_filed.get().is_overdue()
    # The demo association: its first report accepted, the current one to fill.
    own = reports.filter(association__memberships__user__email="association@demo.test")
    assert set(own.values_list("status", flat=True)) == {"accepted", "draft"}

    # The public page shows machines delivered and people trained.
    stats = client.get(reverse("impact:stats_json", args=["marseille-2026"])).json()
    assert stats["handed_over"] > 0 and stats["impact"]["people_trained"] > 0

    counts = (ImpactReport.objects.count(), ImpactReportEvent.objects.count())
    call_command("seed_demo")
    assert (ImpactReport.objects.count(), ImpactReportEvent.objects.count()) == counts
