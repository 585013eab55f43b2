from django.urls import path

from certificates import views

app_name = "certificates"

# The association's certificate pages in this namespace are the portal's (the ``certificates`` list of portal.urls).
urlpatterns = [
    path("verify/", views.lookup, name="lookup"),
    path("verify/<str:code>/", views.verify, name="verify"),
]
