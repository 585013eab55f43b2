from django.urls import path

from donations import views

app_name = "donations"

urlpatterns = [
    path("campaigns/<slug:slug>/", views.campaign_detail, name="campaign"),
]
