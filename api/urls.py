from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import views

app_name = "api"

urlpatterns = [
    path("", views.ApiRoot.as_view(), name="root"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("campaigns/", views.CampaignList.as_view(), name="campaigns"),
    path("campaigns/<slug:slug>/", views.CampaignDetail.as_view(), name="campaign"),
    path("campaigns/<slug:slug>/figures/", views.CampaignFigures.as_view(), name="campaign_figures"),
    path("donor/pledges/", views.DonorPledgeList.as_view(), name="donor_pledges"),
    path("donor/lots/", views.DonorLotList.as_view(), name="donor_lots"),
    path("donor/lots/<int:pk>/", views.DonorLotDetail.as_view(), name="donor_lot"),
    path("partner/lots/", views.PartnerLotList.as_view(), name="partner_lots"),
    path("partner/lots/<int:pk>/", views.PartnerLotDetail.as_view(), name="partner_lot"),
    path("partner/lots/<int:pk>/units/", views.PartnerLotUnits.as_view(), name="partner_lot_units"),
    path("partner/lots/<int:pk>/wipes/", views.PartnerLotWipes.as_view(), name="partner_lot_wipes"),
]
