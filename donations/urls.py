from django.urls import path

from donations import views

app_name = "donations"

urlpatterns = [
    path("campaigns/<slug:slug>/", views.campaign_detail, name="campaign"),
    path(
        "space/allocations/<int:pk>/appointment/confirm/",
        views.allocation_appointment_accept,
        name="appointment_accept",
    ),
    path(
        "space/allocations/<int:pk>/appointment/change/",
        views.allocation_appointment_change,
        name="appointment_change",
    ),
]
