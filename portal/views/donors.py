"""The donor space (namespace ``donors``, under /donor/): a company's pledges, lots, equipped associations and
the CO2e its computers avoided."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_ratelimit.decorators import ratelimit

from campaigns import services
from campaigns.models import Campaign, CampaignDonor, Donor
from core.files import open_or_404
from core.forms import errors_to_form, service_applied
from impact import donor_documents
from impact.carbon import FACTORS
from impact.models import DonorDocument
from impact.receipt_selectors import donor_receipt_list
from inventory import collection_services
from inventory.models import Lot
from portal.donors import DONOR_SPACE_SESSION_KEY, donor_documents_page, donor_space
from portal.forms import CollectionForm, DonorAddressForm, DonorOfferForm, collection_slot_formset
from portal.views.outcome import form_saved


@require_safe
@login_required
def space(request: HttpRequest) -> HttpResponse:
    """The space's home; a person who acts for no donor is told how a company joins (the offer form)."""
    home = donor_space(request.user)
    receipts = list(donor_receipt_list(request.user)) if home.is_donor else []
    # A person added to a donor since their login: the header's link appears from now on (and goes if removed).
    if request.session.get(DONOR_SPACE_SESSION_KEY) != bool(home.donors):
        request.session[DONOR_SPACE_SESSION_KEY] = bool(home.donors)  # (a session written only when it changes)
    context = {"home": home, "factors": FACTORS.values(), "receipts": receipts}
    return render(request, "donors/space.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def donor_address(request: HttpRequest, pk: int) -> HttpResponse:
    """The donor's people fill in its head office address, printed on the in-kind gift receipts."""
    donor = get_object_or_404(Donor.objects.for_user(request.user), pk=pk)
    form = DonorAddressForm(request.POST or None, initial={"address": donor.address})
    if request.method == "POST" and form.is_valid():
        if form_saved(
            request,
            form,
            lambda: services.donor_address_set(donor=donor, address=form.cleaned_data["address"], by=request.user),
            done=_("Adresse du siège enregistrée."),
        ):
            return redirect("donors:space")
    context = {"donor": donor, "form": form}
    return render(request, "donors/address.html", context, status=400 if form.errors else 200)


def _offer_rate(group, request) -> str:
    return settings.DONOR_OFFER_RATE


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=_offer_rate, method="POST", block=False)
def donate(request: HttpRequest) -> HttpResponse:
    """Public: a company offers computers to an open campaign; the campaign's team accepts or declines it."""
    if getattr(request, "limited", False):
        return import_string(settings.RATELIMIT_VIEW)(request)
    initial = {}
    slug = request.GET.get("campaign", "")
    if slug:
        initial["campaign"] = Campaign.objects.filter(slug=slug, status=Campaign.Status.OPEN).first()
    form = DonorOfferForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            offer = services.donor_offer_create(**form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            return render(request, "donors/donate_thanks.html", {"offer": offer})
    has_campaigns = form.fields["campaign"].queryset.exists()
    status = 400 if form.errors else 200
    return render(request, "donors/donate.html", {"form": form, "has_campaigns": has_campaigns}, status=status)


# The donor's documents: traceability reports and reuse attestations ---------------------------------------------


@require_safe
@login_required
def documents(request: HttpRequest) -> HttpResponse:
    """The documents asked for the user's donors, and the forms to ask for one."""
    page = donor_documents_page(request.user)
    if not page.is_donor:
        raise Http404
    return render(request, "donors/documents.html", {"page": page, "form_errors": None})


@login_required
@require_POST
def document_request(request: HttpRequest) -> HttpResponse:
    """Ask for a document of one of the user's donors: 404 for a lot, a campaign or a donor that is not theirs."""
    donors = Donor.objects.for_user(request.user)
    kind = request.POST.get("kind", "")
    try:
        if kind == DonorDocument.Kind.TRACEABILITY:
            if request.POST.get("lot"):
                lot = get_object_or_404(
                    Lot.objects.filter(donor__in=donors).select_related("donor"), pk=_pk(request, "lot")
                )
                donor_documents.traceability_report_request(donor=lot.donor, lot=lot, by=request.user)
            else:
                pledge = get_object_or_404(
                    CampaignDonor.objects.filter(donor__in=donors).select_related("donor", "campaign"),
                    pk=_pk(request, "pledge"),
                )
                donor_documents.traceability_report_request(
                    donor=pledge.donor, campaign=pledge.campaign, by=request.user
                )
        elif kind == DonorDocument.Kind.REUSE_ATTESTATION:
            donor = get_object_or_404(donors.filter(is_public_body=True), pk=_pk(request, "donor"))
            donor_documents.reuse_attestation_request(donor=donor, year=request.POST.get("year", ""), by=request.user)
        else:
            raise Http404
    except ValidationError as exc:
        page = donor_documents_page(request.user)
        return render(request, "donors/documents.html", {"page": page, "form_errors": exc.messages}, status=400)
    messages.success(request, _("Document demandé : il sera prêt dans quelques instants. Rechargez la page."))
    return redirect("donors:documents")


def _pk(request: HttpRequest, name: str) -> int:
    try:
        return int(request.POST.get(name, ""))
    except ValueError:
        raise Http404 from None


@require_safe
@login_required
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    """A ready document of one of the user's donors; 404 for anyone else's, or one not ready yet."""
    document = get_object_or_404(DonorDocument.objects.for_user(request.user), pk=pk, status=DonorDocument.Status.READY)
    handle = open_or_404(document.file)
    name = f"{document.kind}-{document.pk}.pdf".replace("_", "-")
    response = FileResponse(handle, content_type="application/pdf", as_attachment=False, filename=name)
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def collection_for_pledge(request: HttpRequest, pledge_id: int) -> HttpResponse:
    """A donor announces a new lot for one of its pledges and proposes slots to collect it."""
    pledge = get_object_or_404(
        CampaignDonor.objects.select_related("campaign", "campaign__organiser", "donor"),
        pk=pledge_id,
        donor__in=Donor.objects.for_user(request.user),
    )
    return _propose(request, pledge=pledge, lot=None)


@require_http_methods(["GET", "POST"])
@login_required
def collection_for_lot(request: HttpRequest, lot_id: int) -> HttpResponse:
    """A donor proposes slots to collect one of its lots (none live for it yet)."""
    lot = get_object_or_404(
        Lot.objects.select_related("donor", "organiser"), pk=lot_id, donor__in=Donor.objects.for_user(request.user)
    )
    return _propose(request, pledge=None, lot=lot)


def _propose(request: HttpRequest, *, pledge, lot) -> HttpResponse:
    new_lot = lot is None
    initial = {}
    if lot is not None:
        initial["expected_count"] = lot.expected_count or None
    form = CollectionForm(request.POST or None, new_lot=new_lot, initial=initial)
    slots = collection_slot_formset(request.POST or None)
    if request.method == "POST" and form.is_valid() & slots.is_valid():
        data = form.cleaned_data
        if service_applied(
            form,
            collection_services.collection_propose,
            by=request.user,
            lot=lot,
            pledge=pledge,
            expected_count=data["expected_count"],
            models_description=data["models_description"],
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
            contact_email=data["contact_email"],
            slots=slots.slots(data["site_address"]),
        ):
            messages.success(
                request, _("Vos créneaux sont envoyés à l'équipe de stock : elle vous répondra par e-mail.")
            )
            return redirect(reverse("donors:space") + "#lots")
    context = {"form": form, "slots": slots, "pledge": pledge, "lot": lot, "new_lot": new_lot}
    status = 400 if request.method == "POST" else 200
    return render(request, "donors/collection_form.html", context, status=status)
