"""In-kind gift receipts (Cerfa n° 16216): the association's « Reçus fiscaux » pages in its space, and the donor's
declared values and downloads in the donor space. Thin: reads in impact.receipt_selectors, writes in impact.receipts.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from associations.models import Association
from campaigns.models import Donor
from core.errors import DomainError
from core.files import open_or_404
from core.forms import errors_to_form
from impact import receipt_selectors as selectors
from impact import receipts as services
from impact.forms import LotValuationForm, ReceiptCancelForm, ReceiptEligibilityForm
from impact.models import ReceiptEligibility
from inventory.models import Lot
from portal.views.outcome import form_saved, tell_outcome


def _my_association(user, pk: int) -> Association:
    return get_object_or_404(Association.objects.filter(memberships__user=user), pk=pk)


@login_required
def receipt_list(request: HttpRequest) -> HttpResponse:
    """Per association of the user: its eligibility, the receipts to check and issue, those issued, yearly totals."""
    associations = list(Association.objects.filter(memberships__user=request.user).order_by("legal_name"))
    ids = [a.pk for a in associations]
    eligibility = {e.association_id: e for e in ReceiptEligibility.objects.filter(association_id__in=ids)}
    drafts = selectors.receipt_drafts(ids)
    mine = selectors.receipts_for_member(request.user)
    numbered = list(selectors.numbered_receipts(mine))
    totals = selectors.yearly_totals(mine)
    for association in associations:
        association.eligibility = eligibility.get(association.pk)
        association.drafts = [d for d in drafts if d.association.pk == association.pk and not d.is_issued]
        association.issued = [r for r in numbered if r.association_id == association.pk and r.is_issued]
        association.cancelled = [r for r in numbered if r.association_id == association.pk and not r.is_issued]
        association.totals = [t for t in totals if t["association_id"] == association.pk]
    return render(request, "impact/receipt_list.html", {"associations": associations})


@login_required
@require_http_methods(["GET", "POST"])
def receipt_eligibility(request: HttpRequest, association_pk: int) -> HttpResponse:
    """Declare (or withdraw) that the association may issue receipts: its own responsibility."""
    association = _my_association(request.user, association_pk)
    current = ReceiptEligibility.objects.filter(association=association).first()
    form = ReceiptEligibilityForm(request.POST if request.method == "POST" and "withdraw" not in request.POST else None)
    if request.method == "POST":
        if "withdraw" in request.POST:
            tell_outcome(
                request,
                lambda: services.receipt_eligibility_withdraw(association=association, by=request.user),
                done=_("Déclaration retirée : aucun nouveau reçu ne pourra être émis."),
            )
            return redirect("impact:receipts")
        if form.is_valid():
            if form_saved(
                request,
                form,
                lambda: services.receipt_eligibility_declare(
                    association=association, by=request.user, basis=form.cleaned_data["basis"]
                ),
                done=_("Déclaration enregistrée : vous pouvez vérifier et émettre vos reçus."),
            ):
                return redirect("impact:receipts")
    context = {"association": association, "current": current, "form": form}
    return render(request, "impact/receipt_eligibility.html", context, status=400 if form.errors else 200)


def _draft_or_404(association: Association, donor_pk: int, year: int):
    drafts = selectors.receipt_drafts([association.pk], donor_ids=[donor_pk], year=year)
    if not drafts:
        raise Http404
    return drafts[0]


@login_required
@require_http_methods(["GET", "POST"])
def receipt_detail(request: HttpRequest, association_pk: int, donor_pk: int, year: int) -> HttpResponse:
    """The receipt prefilled after Cerfa n° 16216, to check; POST issues it."""
    association = _my_association(request.user, association_pk)
    draft = _draft_or_404(association, donor_pk, year)
    error = ""
    if request.method == "POST":
        try:
            receipt = services.receipt_issue(association=association, donor=draft.donor, year=year, by=request.user)
        except DomainError as exc:
            error = str(exc)
        else:
            messages.success(
                request, _("Reçu n° %(number)s émis. Son PDF est en préparation.") % {"number": receipt.number}
            )
            return redirect("impact:receipt", association.pk, draft.donor.pk, year)
    receipt = draft.receipt if draft.is_issued else None
    if receipt is None:  # what issuing would freeze now
        eligibility = ReceiptEligibility.objects.get(association=association)  # drafts exist only when eligible
        content = selectors.content_for_display(services.receipt_content(draft, eligibility=eligibility))
    else:
        content = selectors.content_for_display(receipt.content)
    context = {"association": association, "draft": draft, "receipt": receipt, "c": content, "error": error}
    return render(request, "impact/receipt_detail.html", context, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def receipt_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel an issued receipt with a reason: confirm page on GET, the service on POST. The number stays taken."""
    receipt = get_object_or_404(selectors.numbered_receipts(selectors.receipts_for_member(request.user)), pk=pk)
    form = ReceiptCancelForm(request.POST if request.method == "POST" else None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.receipt_cancel(receipt=receipt, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            errors_to_form(form, exc)
        except DomainError as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                _("Reçu n° %(number)s annulé. Son numéro reste pris ; vous pouvez émettre un nouveau reçu.")
                % {"number": receipt.number},
            )
            return redirect("impact:receipts")
    context = {"receipt": receipt, "form": form, "error": error}
    return render(request, "impact/receipt_cancel.html", context, status=400 if form.errors or error else 200)


def _pdf_response(receipt) -> FileResponse:
    if not receipt.pdf:
        raise Http404
    response = FileResponse(
        open_or_404(receipt.pdf), content_type="application/pdf", filename=f"recu-fiscal-{receipt.number}.pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def receipt_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """An issued receipt's PDF, for the members of its association."""
    receipt = get_object_or_404(selectors.issued_receipts(selectors.receipts_for_member(request.user)), pk=pk)
    return _pdf_response(receipt)


# The donor's side -----------------------------------------------------------------------------------------------


@login_required
def donor_receipt_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """An issued receipt's PDF, for the people of its donor."""
    receipt = get_object_or_404(selectors.receipts_for_donor_user(request.user), pk=pk)
    return _pdf_response(receipt)


@login_required
@require_http_methods(["GET", "POST"])
def lot_value(request: HttpRequest, pk: int) -> HttpResponse:
    """The donor declares the value of one computer of its lot (never invented by the portal)."""
    lot = get_object_or_404(
        Lot.objects.filter(donor__in=Donor.objects.for_user(request.user)).select_related("donor", "valuation"), pk=pk
    )
    current = getattr(lot, "valuation", None)
    form = LotValuationForm(request.POST or None, initial={"unit_value": current.unit_value if current else None})
    if request.method == "POST" and form.is_valid():
        if form_saved(
            request,
            form,
            lambda: services.lot_valuation_declare(
                lot=lot, unit_value=form.cleaned_data["unit_value"], by=request.user
            ),
            done=_("Valeur enregistrée pour le lot %(lot)s.") % {"lot": lot.reference},
        ):
            return redirect("donors:space")
    context = {"lot": lot, "current": current, "form": form}
    return render(request, "donors/lot_value.html", context, status=400 if form.errors else 200)
