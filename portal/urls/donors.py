"""Namespace ``donors``: the public offer form (/donate/) and the donor company's space (/donor/)."""

from django.urls import path

from portal.views import donors as views
from portal.views import receipts

app_name = "donors"

urlpatterns = [
    path("donate/", views.donate, name="donate"),
    path("donor/", views.space, name="space"),
    path("donor/<int:pk>/address/", views.donor_address, name="address"),
    path("donor/documents/", views.documents, name="documents"),
    path("donor/documents/request/", views.document_request, name="document_request"),
    path("donor/documents/<int:pk>/pdf/", views.document_download, name="document_download"),
    path("donor/lots/<int:pk>/value/", receipts.lot_value, name="lot_value"),
    path("donor/receipts/<int:pk>/pdf/", receipts.donor_receipt_pdf, name="receipt_pdf"),
    path("donor/pledges/<int:pledge_id>/collection/", views.collection_for_pledge, name="collection_for_pledge"),
    path("donor/lots/<int:lot_id>/collection/", views.collection_for_lot, name="collection_for_lot"),
]
