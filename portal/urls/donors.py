"""Namespace ``donors``: the public offer form (/donate/) and the donor company's space (/donor/)."""

from django.urls import path

from portal.views import donors as views

app_name = "donors"

urlpatterns = [
    path("donate/", views.donate, name="donate"),
    path("donor/", views.space, name="space"),
    path("donor/pledges/<int:pledge_id>/collection/", views.collection_for_pledge, name="collection_for_pledge"),
    path("donor/lots/<int:lot_id>/collection/", views.collection_for_lot, name="collection_for_lot"),
]
