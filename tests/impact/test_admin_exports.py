"""Staff: roles and permissions, return for correction, dashboard, overdue list, CSV and XLSX exports."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts import roles
from impact import services
from impact.models import ImpactReport
from tests.factories.accounts import StaffFactory, UserFactory, staff_with_role
from tests.impact.conftest import GOOD

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(reports):
    services.impact_report_save(report=reports[0], by=None, submit=True, **GOOD)
    reports[0].refresh_from_db()
    return reports[0]


def _users():
    return {
        "reviewer": staff_with_role(roles.REVIEWER, email="r@staff.example.org"),
        "manager": staff_with_role(roles.CAMPAIGN_MANAGER, email="m@staff.example.org"),
        "stock": staff_with_role(roles.INVENTORY_OPERATOR, email="s@staff.example.org"),
        "desk": staff_with_role(roles.HANDOVER_OPERATOR, email="d@staff.example.org"),
        "bare_staff": StaffFactory(email="nobody@staff.example.org"),
        "superuser": UserFactory(email="root@staff.example.org", is_staff=True, is_superuser=True),
    }


def test_role_permissions():
    users = _users()
    for name in ("reviewer", "manager"):
        user = users[name]
        assert user.has_perm("impact.view_impactreport") and user.has_perm("impact.change_impactreport")
        assert user.has_perm("impact.review_impactreport") and user.has_perm("impact.export_data")
        assert not user.has_perm("impact.delete_impactreport")
        assert not user.has_perm("impact.delete_impactreportevent")
    for name in ("stock", "desk", "bare_staff"):
        assert not users[name].has_perm("impact.view_impactreport")
        assert not users[name].has_perm("impact.export_data")
    assert users["manager"].has_perm("impact.change_campaignreporting")
    assert not users["reviewer"].has_perm("impact.change_campaignreporting")


@pytest.mark.parametrize(
    "who, status",
    [("reviewer", 200), ("manager", 200), ("superuser", 200), ("stock", 403), ("desk", 403), ("bare_staff", 403)],
)
def test_admin_pages_per_role(client, submitted, who, status):
    client.force_login(_users()[who])
    for url in (
        reverse("admin:impact_impactreport_changelist"),
        reverse("admin:impact_impactreport_change", args=[submitted.pk]),
        reverse("admin:impact_dashboard"),
        reverse("admin:impact_impactreport_overdue"),
        reverse("admin:impact_impactreport_return", args=[submitted.pk]),
        reverse("admin:impact_export", kwargs={"key": "reports", "fmt": "csv"}),
    ):
        assert client.get(url).status_code == status, url


def test_return_for_correction_requires_a_message(client, submitted):
    client.force_login(_users()["reviewer"])
    url = reverse("admin:impact_impactreport_return", args=[submitted.pk])
    response = client.post(url, {"message": "   "})
    assert response.status_code == 200 and "corriger" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    response = client.post(url, {"message": "Merci de vérifier les heures."})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "returned" and submitted.return_message == "Merci de vérifier les heures."
    event = submitted.events.order_by("-pk").first()
    assert event.actor.email == "r@staff.example.org" and event.note == "Merci de vérifier les heures."


def test_accept_button_and_action(client, reports, submitted):
    client.force_login(_users()["manager"])
    response = client.post(reverse("admin:impact_impactreport_accept", args=[submitted.pk]))
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "accepted"
    # The bulk action reports per object: one accepted before, one still draft (refused).
    response = client.post(
        reverse("admin:impact_impactreport_changelist"),
        {"action": "accept_selected", "_selected_action": [r.pk for r in reports]},
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]][1:]  # after the first message, still queued
    assert len(texts) == 2 and all("Impossible" in t for t in texts)


def test_admin_cannot_edit_figures_nor_delete(client, submitted):
    client.force_login(_users()["superuser"])
    url = reverse("admin:impact_impactreport_change", args=[submitted.pk])
    client.post(url, {"people_trained": 9999})
    submitted.refresh_from_db()
    assert submitted.people_trained == 70
    assert client.get(reverse("admin:impact_impactreport_delete", args=[submitted.pk])).status_code == 403


def test_changelist_query_count(client, reports, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(_users()["manager"])
    url = reverse("admin:impact_impactreport_changelist")
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    services.impact_reports_schedule(today=datetime.date(2026, 12, 1))
    assert ImpactReport.objects.count() == 8
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_dashboard_shows_funnel_stock_waves_and_overdue(client, reports):
    client.force_login(_users()["manager"])
    response = client.get(reverse("admin:impact_dashboard"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Associations équipées" in body and "Stock des donateurs" in body and "Vague 1" in body
    funnel = {row["key"]: row["value"] for row in response.context["dashboard"]["funnel"]}
    assert funnel == {"applications": 2, "approved": 2, "allocated": 2, "handed_over": 2}
    # Reports of Q1 2026 are overdue today (their due date is long past).
    assert response.context["dashboard"]["reports"]["overdue"] == 2
    assert reports[0].association.legal_name in body
    granted = response.context["dashboard"]["granted_units"]
    assert granted > 1 and f"{granted} ordinateurs accordés au total." in body


def _rows_csv(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def _rows_xlsx(response):
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [[c for c in row] for row in sheet.iter_rows(values_only=True)]


def test_export_reports_csv_and_xlsx_filtered_like_the_list(client, reports, submitted):
    client.force_login(_users()["manager"])
    url = reverse("admin:impact_export", kwargs={"key": "reports", "fmt": "csv"})
    rows = _rows_csv(client.get(url))
    assert rows[0][:3] == ["id", "campagne", "association"] and len(rows) == 3
    rows = _rows_csv(client.get(url, {"status__exact": "submitted"}))
    assert len(rows) == 2
    header, row = rows
    record = dict(zip(header, row, strict=True))
    assert record["association"] == submitted.association.legal_name
    assert (
        record["people_trained"] == "70"
        and record["age_75_plus"] == "10"
        and record["commentaire"] == "Ateliers le mardi."
    )
    # Same filter, XLSX.
    url = reverse("admin:impact_export", kwargs={"key": "reports", "fmt": "xlsx"})
    response = client.get(url, {"status__exact": "submitted"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = _rows_xlsx(response)
    assert len(sheet) == 2 and sheet[1][sheet[0].index("people_trained")] == 70
    # Search, as in the admin list (each word of the search must match: a name of its own, so that no
    # factory-numbered word such as "1" also matches a postal code).
    association = reports[1].association
    association.legal_name = "Les Claviers du Panier"
    association.save(update_fields=["legal_name"])
    rows = _rows_csv(
        client.get(
            reverse("admin:impact_export", kwargs={"key": "reports", "fmt": "csv"}),
            {"q": "Claviers Panier"},
        )
    )
    assert len(rows) == 2 and rows[1][2] == "Les Claviers du Panier"


def test_export_applications_and_allocations(client, wave):
    client.force_login(_users()["manager"])
    rows = _rows_csv(client.get(reverse("admin:impact_export", kwargs={"key": "applications", "fmt": "csv"})))
    assert len(rows) == 3 and rows[0][:3] == ["id", "campagne", "association"]
    sheet = _rows_xlsx(
        client.get(
            reverse("admin:impact_export", kwargs={"key": "allocations", "fmt": "xlsx"}),
            {"status__exact": "handed_over"},
        )
    )
    assert len(sheet) == 3 and {r[sheet[0].index("quantite")] for r in sheet[1:]} == {10}
    sheet = _rows_xlsx(
        client.get(
            reverse("admin:impact_export", kwargs={"key": "allocations", "fmt": "xlsx"}), {"status__exact": "cancelled"}
        )
    )
    assert len(sheet) == 1


def test_export_handovers_one_row_per_serial(client, wave):
    from inventory.models import Computer

    client.force_login(_users()["superuser"])
    rows = _rows_csv(client.get(reverse("admin:impact_export", kwargs={"key": "handovers", "fmt": "csv"})))
    header = rows[0]
    serials = {r[header.index("numero_serie")] for r in rows[1:]}
    assert len(rows) == 21
    assert serials == set(Computer.objects.filter(status="handed_over").values_list("serial_number", flat=True))
    sheet = _rows_xlsx(client.get(reverse("admin:impact_export", kwargs={"key": "handovers", "fmt": "xlsx"})))
    assert len(sheet) == 21


def test_export_permissions(client, wave):
    users = _users()
    client.force_login(users["reviewer"])  # may export applications and reports, not allocations
    assert client.get(reverse("admin:impact_export", kwargs={"key": "applications", "fmt": "csv"})).status_code == 200
    assert client.get(reverse("admin:impact_export", kwargs={"key": "allocations", "fmt": "csv"})).status_code == 403
    client.force_login(users["manager"])  # follows the handovers, so may export them
    assert client.get(reverse("admin:impact_export", kwargs={"key": "handovers", "fmt": "csv"})).status_code == 200
    client.force_login(users["desk"])  # no export permission
    assert client.get(reverse("admin:impact_export", kwargs={"key": "handovers", "fmt": "csv"})).status_code == 403
    client.force_login(users["stock"])
    assert client.get(reverse("admin:impact_export", kwargs={"key": "applications", "fmt": "csv"})).status_code == 403
    client.force_login(users["superuser"])
    assert client.get(reverse("admin:impact_export", kwargs={"key": "nothing", "fmt": "csv"})).status_code == 404
    assert client.get(reverse("admin:impact_export", kwargs={"key": "reports", "fmt": "pdf"})).status_code == 404
    client.logout()
    response = client.get(reverse("admin:impact_export", kwargs={"key": "reports", "fmt": "csv"}))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_export_neutralises_formulas(client, reports):
    client.force_login(_users()["superuser"])
    services.impact_report_save(report=reports[0], by=None, submit=True, **{**GOOD, "comment": "=HYPERLINK(1)"})
    sheet = _rows_xlsx(client.get(reverse("admin:impact_export", kwargs={"key": "reports", "fmt": "xlsx"})))
    assert sheet[1][-1] == "'=HYPERLINK(1)"
    rows = _rows_csv(client.get(reverse("admin:impact_export", kwargs={"key": "reports", "fmt": "csv"})))
    assert rows[1][-1] == "'=HYPERLINK(1)"


def test_admin_lists_offer_an_export_of_what_they_show(client, wave):
    users = _users()
    client.force_login(users["manager"])
    page = client.get(reverse("admin:associations_application_changelist") + "?status__exact=approved").content.decode()
    assert (
        reverse("admin:impact_export", kwargs={"key": "applications", "fmt": "csv"}) + "?status__exact=approved" in page
    )
    page = client.get(reverse("admin:donations_allocation_changelist")).content.decode()
    assert reverse("admin:impact_export", kwargs={"key": "allocations", "fmt": "xlsx"}) in page
    page = client.get(reverse("admin:certificates_handover_changelist")).content.decode()
    assert reverse("admin:impact_export", kwargs={"key": "handovers", "fmt": "csv"}) in page
    client.force_login(users["desk"])  # may see handovers but not export them
    page = client.get(reverse("admin:certificates_handover_changelist")).content.decode()
    assert "impact/impactreport/export" not in page


@pytest.mark.parametrize("comment", ["+1+1", "-1+1", "@SUM(A1:A9)", "\t=1+1", " =HYPERLINK(1)"])
def test_every_formula_prefix_is_neutralised_in_both_formats(client, reports, comment):
    client.force_login(_users()["superuser"])
    services.impact_report_save(report=reports[0], by=None, submit=True, **{**GOOD, "comment": comment})
    sheet = _rows_xlsx(client.get(reverse("admin:impact_export", kwargs={"key": "reports", "fmt": "xlsx"})))
    rows = _rows_csv(client.get(reverse("admin:impact_export", kwargs={"key": "reports", "fmt": "csv"})))
    stored = reports[0].__class__.objects.get(pk=reports[0].pk).comment
    assert sheet[1][-1] == "'" + stored and rows[1][-1] == "'" + stored
