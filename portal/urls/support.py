"""Namespace ``support`` (under /space/support/): the association's faulty-unit reports."""

from django.urls import path

from portal.views import support as views

app_name = "support"

urlpatterns = [
    path("", views.support_home, name="home"),
    path("new/", views.ticket_create, name="create"),
    path("<int:pk>/", views.ticket_detail, name="ticket"),
    path("<int:pk>/photos/<int:photo_pk>/", views.ticket_photo, name="photo"),
    path("<int:pk>/addendum/", views.ticket_addendum, name="addendum"),
]
