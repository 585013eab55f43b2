"""Namespace ``donations``: the public campaign page and the association's answer to a handover slot."""

from django.urls import path

from portal.views import appointments, campaigns

app_name = "donations"

urlpatterns = [
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
