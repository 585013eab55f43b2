"""The portal's URLs, one list per namespace; config/urls.py includes each under its prefix and namespace.

The names and namespaces are the apps' (templates and tests reverse them): where an app keeps pages of its own in
a namespace (certificates' verification page, impact's public figures), the portal's list extends that app's
patterns."""

from django.urls import path

from certificates.urls import urlpatterns as certificates_urlpatterns
from impact.urls import urlpatterns as impact_urlpatterns
from portal.views import appointments, campaigns, members, receipts, reports
from portal.views import associations as association_views
from portal.views import certificates as certificate_views
from portal.views import donors as donor_views
from portal.views import support as support_views

# Namespace ``associations`` (under /space/): the association space.
associations = [
    path("", association_views.space, name="space"),
    path("associations/new/", association_views.association_create, name="association_create"),
    path("associations/<int:pk>/edit/", association_views.association_edit, name="association_edit"),
    path("associations/join/", members.join, name="join"),
    path("associations/<int:pk>/members/", members.members, name="members"),
    path("associations/<int:pk>/invite/", members.invite, name="invite"),
    path("join-requests/<int:pk>/<str:decision>/", members.join_request_decide, name="join_request_decide"),
    path("invitations/<str:token>/", members.invitation, name="invitation"),
    path("apply/<slug:slug>/", association_views.application_create, name="application_create"),
    path("applications/<int:pk>/", association_views.application_detail, name="application"),
    path("applications/<int:pk>/edit/", association_views.application_edit, name="application_edit"),
    path("applications/<int:pk>/answer/", association_views.application_answer, name="application_answer"),
    path("applications/<int:pk>/withdraw/", association_views.application_withdraw, name="application_withdraw"),
    path(
        "applications/<int:pk>/documents/<str:kind>/",
        association_views.application_document,
        name="application_document",
    ),
    path(
        "applications/<int:pk>/messages/<int:message_pk>/attachment/",
        association_views.message_attachment,
        name="message_attachment",
    ),
]

# Namespace ``support`` (under /space/support/): the association's faulty-unit reports.
support = [
    path("", support_views.support_home, name="home"),
    path("new/", support_views.ticket_create, name="create"),
    path("<int:pk>/", support_views.ticket_detail, name="ticket"),
    path("<int:pk>/photos/<int:photo_pk>/", support_views.ticket_photo, name="photo"),
    path("<int:pk>/addendum/", support_views.ticket_addendum, name="addendum"),
]

# Namespace ``donations``: the public campaign page and the association's answer to a handover slot.
donations = [
    path("campaigns/", campaigns.campaign_list, name="campaigns"),
    path("campaigns/<slug:slug>/", campaigns.campaign_detail, name="campaign"),
    path(
        "space/allocations/<int:pk>/appointment/confirm/",
        appointments.allocation_appointment_accept,
        name="appointment_accept",
    ),
    path(
        "space/allocations/<int:pk>/appointment/",
        appointments.allocation_appointment_slots,
        name="appointment_slots",
    ),
    path(
        "space/allocations/<int:pk>/appointment.ics",
        appointments.allocation_appointment_ics,
        name="appointment_ics",
    ),
    path(
        "space/allocations/<int:pk>/appointment/change/",
        appointments.allocation_appointment_change,
        name="appointment_change",
    ),
]

# Namespace ``certificates``: the app's verification page, and the association's certificates in its space.
certificates = [
    *certificates_urlpatterns,
    path("space/certificates/", certificate_views.space_list, name="list"),
    path("space/certificates/<int:pk>/", certificate_views.download, name="download"),
]

# Namespace ``impact``: the app's public figures, and the association's reports in its space.
impact = [
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

# Namespace ``donors``: the public offer form (/donate/) and the donor company's space (/donor/).
donors = [
    path("donate/", donor_views.donate, name="donate"),
    path("donor/", donor_views.space, name="space"),
    path("donor/<int:pk>/address/", donor_views.donor_address, name="address"),
    path("donor/documents/", donor_views.documents, name="documents"),
    path("donor/documents/request/", donor_views.document_request, name="document_request"),
    path("donor/documents/<int:pk>/pdf/", donor_views.document_download, name="document_download"),
    path("donor/lots/<int:pk>/value/", receipts.lot_value, name="lot_value"),
    path("donor/receipts/<int:pk>/pdf/", receipts.donor_receipt_pdf, name="receipt_pdf"),
    path("donor/pledges/<int:pledge_id>/collection/", donor_views.collection_for_pledge, name="collection_for_pledge"),
    path("donor/lots/<int:lot_id>/collection/", donor_views.collection_for_lot, name="collection_for_lot"),
]
