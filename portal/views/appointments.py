"""The association answers the proposed handover slot: confirms it, or asks for another."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from donations import selectors, services
from portal.forms import SlotRequestForm


@login_required
@require_POST
def allocation_appointment_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """The association confirms the proposed handover slot."""
    allocation = get_object_or_404(selectors.allocation_for_member(request.user), pk=pk)
    try:
        services.allocation_appointment_accept(allocation=allocation, by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Rendez-vous confirmé. Merci, à bientôt !"))
    if request.POST.get("next") == "space":  # confirmed from the space's home: back there
        return redirect("associations:space")
    return redirect(allocation.application)


@login_required
@require_http_methods(["GET", "POST"])
def allocation_appointment_change(request: HttpRequest, pk: int) -> HttpResponse:
    """The association asks for another slot, with the days and hours that would suit it."""
    allocation = get_object_or_404(selectors.allocation_for_member(request.user), pk=pk)
    form = SlotRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.allocation_appointment_request_change(
                allocation=allocation, by=request.user, message=form.cleaned_data["message"]
            )
        except ValidationError as exc:
            form.add_error("message", exc.messages)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Votre demande est transmise à l'équipe de la campagne, qui vous recontactera.")
            )
            return redirect(allocation.application)
    return render(
        request,
        "donations/appointment_change.html",
        {"allocation": allocation, "form": form},
        status=400 if form.errors else 200,
    )
