"""Namespace ``impact``: the app's public figures, and the association's reports in its space."""

from django.urls import path

from impact.urls import urlpatterns as impact_urlpatterns
from portal.views import receipts, reports

app_name = "impact"

urlpatterns = [
    *impact_urlpatterns,
    path("space/reports/", reports.report_list, name="reports"),
    path("space/reports/<int:pk>/", reports.report_detail, name="report"),
    path("space/reports/<int:pk>/reopen/", reports.report_reopen, name="report_reopen"),
    path("space/receipts/", receipts.receipt_list, name="receipts"),
    path("space/receipts/<int:association_pk>/eligibility/", receipts.receipt_eligibility, name="receipt_eligibility"),
    path("space/receipts/<int:association_pk>/<int:donor_pk>/<int:year>/", receipts.receipt_detail, name="receipt"),
    path("space/receipts/<int:pk>/pdf/", receipts.receipt_pdf, name="receipt_pdf"),
    path("space/receipts/<int:pk>/cancel/", receipts.receipt_cancel, name="receipt_cancel"),
]
