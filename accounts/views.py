import json

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
