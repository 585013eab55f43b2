import json

from allauth.account.views import ConfirmEmailView as AllauthConfirmEmailView
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts.privacy import user_export


@never_cache
@require_safe
@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    """The right of access, self-service: everything the portal holds about me, as a JSON file."""
    body = json.dumps(user_export(user=request.user), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"mes-donnees-dons-pc-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def admin_login(login_view):
    """The admin's login page, replaced by the site's (allauth): failed-login limits and the second factor.

    Staff already signed in reach the admin (Django's view sends them to its index); visitors go to
    the site's login, coming back here; a signed-in member, who has no business in the admin, goes
    back to their space.
    """
    from functools import wraps

    from django.contrib import messages
    from django.http import HttpResponseRedirect
    from django.shortcuts import resolve_url
    from django.urls import reverse
    from django.utils.http import urlencode
    from django.utils.translation import gettext as _

    @wraps(login_view)
    def view(request, extra_context=None):
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff:
            return login_view(request, extra_context=extra_context)
        if user.is_authenticated:
            messages.info(request, _("Ce compte n'a pas accès à l'administration."))
            return HttpResponseRedirect(resolve_url(settings.LOGIN_REDIRECT_URL))
        target = request.GET.get("next") or request.get_full_path()
        return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': target})}")

    return view


@never_cache
@login_required
def account(request: HttpRequest) -> HttpResponse:
    """One page for one's account: addresses, password, second factor, one's data, deletion."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from django.shortcuts import render

    from accounts.services import deletion_request_of

    user = request.user
    return render(
        request,
        "accounts/account.html",
        {
            "addresses": list(EmailAddress.objects.filter(user=user).order_by("-primary", "email")),
            "has_totp": Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists(),
            "deletion_request": deletion_request_of(user),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    """Ask for one's account to be deleted: a confirmation page, then the request is recorded for the team."""
    from django import forms
    from django.contrib import messages
    from django.shortcuts import redirect, render
    from django.utils.translation import gettext as _
    from django.utils.translation import gettext_lazy

    from accounts.services import deletion_request_of, user_request_deletion
    from core.errors import DomainError

    class ConfirmForm(forms.Form):
        confirm = forms.BooleanField(
            label=gettext_lazy("Je demande la suppression de mon compte et de mes données personnelles."),
            error_messages={"required": gettext_lazy("Cochez la case pour confirmer votre demande.")},
        )

    existing = deletion_request_of(request.user)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and existing is None and form.is_valid():
        try:
            user_request_deletion(user=request.user)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("Votre demande est enregistrée : l'équipe efface vos données dans un délai d'un mois."),
            )
        return redirect("account")
    return render(
        request,
        "accounts/account_delete.html",
        {"form": form, "deletion_request": existing},
        status=400 if form.errors else 200,
    )


class ConfirmEmailView(AllauthConfirmEmailView):
    """allauth's confirmation page, which also recognises a link opened again once the address is confirmed:
    « already confirmed », not « expired or invalid »."""

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        if not self.object:
            address = _confirmed_address(self.kwargs.get("key", ""))
            if address is not None:
                context["already_confirmed"] = True
                context["email"] = address.email
        return context


def _confirmed_address(key: str):
    """The verified address an email-confirmation key names (allauth's signed keys), or None."""
    from allauth.account import app_settings
    from allauth.account.models import EmailAddress
    from django.core import signing

    try:
        pk = signing.loads(
            key, max_age=60 * 60 * 24 * app_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS, salt=app_settings.SALT
        )
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(pk, int):
        return None
    return EmailAddress.objects.filter(pk=pk, verified=True).first()
