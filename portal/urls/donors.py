"""Namespace ``donors``: the public offer form (/donate/) and the donor company's space (/donor/)."""

from django.urls import path

from portal.views import donors as views

app_name = "donors"

urlpatterns = [
    path("donate/", views.donate, name="donate"),
    path("donor/", views.space, name="space"),
]
