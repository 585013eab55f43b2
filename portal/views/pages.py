"""The public pages: home, privacy, accessibility, and the language switch."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.i18n import set_language as django_set_language

from accounts.services import user_set_language
from donations.selectors import campaigns_for_home


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"campaigns": campaigns_for_home()})


def privacy(request: HttpRequest) -> HttpResponse:
    retention = {
        "unconfirmed": settings.RETENTION_UNCONFIRMED_ACCOUNT_DAYS,
        "inactive": settings.RETENTION_INACTIVE_ACCOUNT_DAYS,
        "documents": settings.RETENTION_CLOSED_APPLICATION_DOCUMENTS_DAYS,
    }
    return render(
        request, "core/privacy.html", {"retention": retention, "privacy_contact": settings.PRIVACY_CONTACT_EMAIL}
    )


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html", {"contact_email": settings.CAMPAIGN_CONTACT_EMAIL})


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, remembered on the account too (emails follow it)."""
    response = django_set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        user_set_language(user=request.user, language=request.POST.get("language", ""))
    return response
