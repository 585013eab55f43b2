"""The public pages (no namespace): home, privacy, accessibility, the language switch."""

from django.urls import path

from portal.views import pages

urlpatterns = [
    path("", pages.home, name="home"),
    path("privacy/", pages.privacy, name="privacy"),
    path("accessibility/", pages.accessibility, name="accessibility"),
    path("i18n/setlang/", pages.set_language, name="set_language"),
]
