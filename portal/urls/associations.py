"""Namespace ``associations`` (under /space/): the association space."""

from django.urls import path

from portal.views import associations as views
from portal.views import members

app_name = "associations"

urlpatterns = [
    path("", views.space, name="space"),
    path("associations/new/", views.association_create, name="association_create"),
    path("associations/<int:pk>/edit/", views.association_edit, name="association_edit"),
    path("associations/join/", members.join, name="join"),
    path("associations/<int:pk>/members/", members.members, name="members"),
    path("associations/<int:pk>/invite/", members.invite, name="invite"),
    path("join-requests/<int:pk>/<str:decision>/", members.join_request_decide, name="join_request_decide"),
    path("invitations/<str:token>/", members.invitation, name="invitation"),
    path("apply/<slug:slug>/", views.application_create, name="application_create"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application_edit"),
    path("applications/<int:pk>/answer/", views.application_answer, name="application_answer"),
    path("applications/<int:pk>/withdraw/", views.application_withdraw, name="application_withdraw"),
    path("applications/<int:pk>/documents/<str:kind>/", views.application_document, name="application_document"),
    path(
        "applications/<int:pk>/messages/<int:message_pk>/attachment/",
        views.message_attachment,
        name="message_attachment",
    ),
]
