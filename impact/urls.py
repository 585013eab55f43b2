from django.urls import path

from impact import views

app_name = "impact"

# The association's report pages in this namespace are the portal's (the ``impact`` list of portal.urls).
urlpatterns = [
    path("campaigns/<slug:slug>/stats.json", views.campaign_stats_json, name="stats_json"),
    path("campaigns/<slug:slug>/stats.csv", views.campaign_stats_csv, name="stats_csv"),
    path("campaigns/<slug:slug>/progress/", views.campaign_progress, name="progress"),
]
