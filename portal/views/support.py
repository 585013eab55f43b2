"""The association's after-sales pages (/space/support/): its units under warranty, reporting a faulty one,
following its tickets and answering the stock team's questions. Members of the association only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from campaigns.scoping import scope_to_user
from core.files import open_or_404
from core.forms import errors_to_form, service_applied
from support import selectors, services
from support.forms import AnswerForm, ReportForm
from support.models import Addendum, Ticket, TicketPhoto


def _units(request: HttpRequest) -> dict:
    units = selectors.units_under_care(request.user)
    return {
        "reportable": [u for u in units if u.covered and not u.open_ticket],
        "out_of_warranty": [u for u in units if not u.covered],
        "unit_count": len(units),
    }


@login_required
def support_home(request: HttpRequest) -> HttpResponse:
    tickets = list(selectors.tickets_for_user(request.user))
    context = {
        **_units(request),
        "open_tickets": [t for t in tickets if t.is_open],
        "closed_tickets": [t for t in tickets if not t.is_open],
    }
    return render(request, "support/home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def ticket_create(request: HttpRequest) -> HttpResponse:
    units = _units(request)
    form = ReportForm(request.POST or None, request.FILES or None, units=units["reportable"], holder=request.user)
    if request.method == "POST":
        if form.is_valid():
            try:
                ticket = services.ticket_report(
                    by=request.user,
                    computer_id=form.cleaned_data["computer"],
                    description=form.cleaned_data["description"],
                    photos=form.photos(),
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                form.release_uploads()
                messages.success(
                    request,
                    _("Votre signalement est envoyé à l'équipe du stock. Vous recevrez un e-mail à chaque étape."),
                )
                return redirect(ticket)
        form.keep_uploads()
        return render(request, "support/create.html", {"form": form, **units}, status=400)
    selected = request.GET.get("unit")
    if selected and selected.isdigit():
        form.initial["computer"] = int(selected)
    return render(request, "support/create.html", {"form": form, **units})


@login_required
@require_http_methods(["GET", "POST"])
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = get_object_or_404(selectors.ticket_for_user(request.user, pk))
    form = AnswerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and service_applied(
            form, services.ticket_answer, ticket=ticket, by=request.user, body=form.cleaned_data["body"]
        ):
            messages.success(request, _("Votre message est envoyé à l'équipe du stock."))
            return redirect(ticket)
        status = 400
    thread = list(ticket.messages.all())
    question = next((m for m in reversed(thread) if m.from_staff), None) if ticket.status == "question" else None
    return render(
        request,
        "support/ticket.html",
        {
            "ticket": ticket,
            "thread": thread,
            "question": question,
            "photos": list(ticket.photos.all()),
            "form": form,
            "contact_email": ticket.allocation.wave.campaign.contact_email,
            "addendum": getattr(ticket, "addendum", None),
        },
        status=status,
    )


@login_required
def ticket_photo(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    """A ticket's photo: the association's members, and staff who may see tickets; 404 for anyone else."""
    if request.user.is_staff and request.user.has_perm("support.view_ticket"):
        tickets = scope_to_user(Ticket.objects.all(), request.user, selectors.TICKET_ORGANISER)
        photo = get_object_or_404(TicketPhoto, pk=photo_pk, ticket__in=tickets.filter(pk=pk))
    else:
        photo = get_object_or_404(
            TicketPhoto, pk=photo_pk, ticket__in=selectors.tickets_for_user(request.user).filter(pk=pk)
        )
    handle = open_or_404(photo.image)
    response = FileResponse(handle, content_type=photo.mimetype, as_attachment=False, filename=photo.name or "photo")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def ticket_addendum(request: HttpRequest, pk: int) -> FileResponse:
    """The certificate's addendum of a replacement (the signed one once signed, else the page to sign): the
    association's members, and staff who may see tickets or have addenda signed at the desk, of their organisers;
    404 for anyone else or while it is not rendered."""
    addenda = Addendum.objects.select_related("ticket")
    user = request.user
    if user.is_staff and (user.has_perm("support.view_ticket") or user.has_perm("support.sign_addendum")):
        addenda = scope_to_user(addenda, user, selectors.ADDENDUM_ORGANISER)
    else:
        addenda = addenda.filter(ticket__in=selectors.tickets_for_user(user))
    addendum = get_object_or_404(addenda, ticket_id=pk)
    document = addendum.document
    handle = open_or_404(document)
    extension = document.name.rsplit(".", 1)[-1].lower()
    content_type = {"jpg": "image/jpeg", "png": "image/png"}.get(extension, "application/pdf")
    suffix = "-signe" if addendum.signed_document else ""
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=False,
        filename=f"avenant-{addendum.number}{suffix}.{extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
