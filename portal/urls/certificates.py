"""Namespace ``certificates``: the app's verification page, and the association's certificates in its space."""

from django.urls import path

from certificates.urls import urlpatterns as certificates_urlpatterns
from portal.views import certificates

app_name = "certificates"

urlpatterns = [
    *certificates_urlpatterns,
    path("space/certificates/", certificates.space_list, name="list"),
    path("space/certificates/<int:pk>/", certificates.download, name="download"),
]
