import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

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
