from django.urls import path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path("verify/<str:code>/", views.verify, name="verify"),
    path("space/certificates/", views.space_list, name="list"),
    path("space/certificates/<int:pk>/", views.download, name="download"),
]
