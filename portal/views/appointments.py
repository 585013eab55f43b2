"""The association's handover appointment: confirm the proposed slot, pick a free one, ask for another, or
download it for a calendar."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import DomainError
from core.forms import service_applied
from donations import selectors, services
from portal.forms import SlotRequestForm
from portal.views.outcome import tell_outcome


@login_required
@require_POST
def allocation_appointment_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """The association confirms the proposed handover slot."""
    allocation = get_object_or_404(selectors.allocation_for_member(request.user), pk=pk)
    tell_outcome(
        request,
        lambda: services.allocation_appointment_accept(allocation=allocation, by=request.user),
        done=_("Rendez-vous confirmé. Merci, à bientôt !"),
    )
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
        arguments = {"allocation": allocation, "by": request.user, "message": form.cleaned_data["message"]}
        if service_applied(form, services.allocation_appointment_request_change, errors_on="message", **arguments):
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


@login_required
@require_http_methods(["GET", "POST"])
def allocation_appointment_slots(request: HttpRequest, pk: int) -> HttpResponse:
    """The association picks its handover slot (or changes it) among the free slots of its wave."""
    allocation = get_object_or_404(selectors.allocation_for_member(request.user), pk=pk)
    error = ""
    if request.method == "POST":
        try:
            slot_id = int(request.POST.get("slot", ""))
        except ValueError:
            error = _("Choisissez un créneau.")
        else:
            try:
                services.allocation_book_slot(allocation=allocation, slot_id=slot_id, by=request.user)
            except DomainError as exc:
                error = str(exc)
            else:
                messages.success(
                    request,
                    _("Créneau réservé. Le rendez-vous vous est envoyé par e-mail, avec le fichier pour votre agenda."),
                )
                return redirect(allocation.application)
    return render(
        request,
        "donations/appointment_slots.html",
        {"allocation": allocation, "days": selectors.slot_choices(allocation), "error": error},
        status=400 if error else 200,
    )


@login_required
@require_GET
def allocation_appointment_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """The appointment as an .ics file, to add to a calendar."""
    allocation = get_object_or_404(
        selectors.allocation_for_member(request.user).filter(appointment_date__isnull=False), pk=pk
    )
    name, content, mimetype = services.appointment_ics(allocation, in_french=False)
    response = HttpResponse(content, content_type=mimetype)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
