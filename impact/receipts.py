"""In-kind gift receipts after Cerfa n° 16216: eligibility, the donor's declared value, issuing and rendering.

An association that declares itself eligible (organisme d'intérêt général, articles 200 and 238 bis du CGI: its
own responsibility) gets, for each donor whose units it received and each calendar year of the signed
handovers, a receipt prefilled from the handovers and the value per unit **declared by the donor** (the portal
never invents one). The association checks it and issues it: the receipt gets the next number of the
association's year (locked on the association's eligibility row, unique in the database), its content is
frozen, and a Celery task renders its PDF (idempotent, sent on commit; a periodic sweep re-sends lost ones).
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.emails import apply_each_on_commit
from core.errors import DomainError
from core.models import actor_label
from core.textlimits import text_errors
from core.transitions import transition
from impact.models import (
    RECEIPT_CANCEL_REASON_MAX,
    UNIT_VALUE_MAX,
    LotValuation,
    Receipt,
    ReceiptBasis,
    ReceiptEligibility,
    ReceiptEvent,
)
from impact.receipt_selectors import ReceiptDraft, receipt_drafts

logger = logging.getLogger(__name__)

R = Receipt.Status
S = Receipt.State
SWEEP_BATCH = 500
PENDING_STUCK = datetime.timedelta(minutes=3)
RENDERING_STUCK = datetime.timedelta(minutes=5)


class RenderError(Exception):
    """A receipt's render failed; the row is « failed » with the error, and the task may retry."""


# Eligibility ----------------------------------------------------------------------------------------------------


@transaction.atomic
def receipt_eligibility_declare(*, association, by, basis: str = ReceiptBasis.GENERAL_INTEREST) -> ReceiptEligibility:
    """The association declares that it may issue receipts (again, after a withdrawal)."""
    if basis not in ReceiptBasis.values:
        raise ValidationError({"basis": _("Choisissez le fondement de votre éligibilité.")})
    row = ReceiptEligibility.objects.select_for_update().filter(association=association).first()
    now = timezone.now()
    fields = {
        "basis": basis,
        "declared_by": by,
        "declared_by_name": actor_label(by),
        "declared_at": now,
        "withdrawn_by": None,
        "withdrawn_by_name": "",
        "withdrawn_at": None,
    }
    if row is None:
        return ReceiptEligibility.objects.create(association=association, **fields)
    if row.is_eligible:
        return row
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    return row


@transaction.atomic
def receipt_eligibility_withdraw(*, association, by) -> ReceiptEligibility:
    """The association withdraws its declaration: no new receipt can be issued (issued ones stay)."""
    row = ReceiptEligibility.objects.select_for_update().filter(association=association).first()
    if row is None or not row.is_eligible:
        raise DomainError(_("Cette association n'a pas déclaré pouvoir émettre des reçus fiscaux."))
    row.withdrawn_by, row.withdrawn_by_name, row.withdrawn_at = by, actor_label(by), timezone.now()
    row.save(update_fields=["withdrawn_by", "withdrawn_by_name", "withdrawn_at"])
    return row


# The donor's declared value ---------------------------------------------------------------------------------------


def clean_unit_value(value) -> Decimal:
    """A value per unit in euros: a number, not negative, at most ``UNIT_VALUE_MAX``, to the cent."""
    invalid = ValidationError({"unit_value": _("Indiquez une valeur en euros, par exemple 120 ou 12,50.")})
    if value is None or isinstance(value, bool):
        raise invalid
    try:
        amount = Decimal("".join(str(value).split()).replace(",", "."))  # « 1 234,50 » as typed in French
    except (InvalidOperation, ValueError):
        raise invalid from None
    if not amount.is_finite():
        raise invalid
    if amount < 0:
        raise ValidationError({"unit_value": _("La valeur ne peut pas être négative.")})
    if amount > UNIT_VALUE_MAX:
        raise ValidationError(
            {"unit_value": _("%(max)s € au plus par ordinateur : vérifiez la valeur saisie.") % {"max": "100 000"}}
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({"unit_value": _("La valeur s'indique au centime près (deux décimales au plus).")})
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def lot_valuation_declare(*, lot, unit_value, by) -> LotValuation:
    """The donor (or staff on its behalf) declares the value of one unit of ``lot``; who and when are kept.

    Issued receipts keep the value they were issued with; drafts show the new one.
    """
    amount = clean_unit_value(unit_value)
    valuation, _created = LotValuation.objects.select_for_update().update_or_create(
        lot=lot,
        defaults={
            "unit_value": amount,
            "declared_by": by,
            "declared_by_name": actor_label(by),
            "declared_at": timezone.now(),
        },
    )
    return valuation


# Issuing ----------------------------------------------------------------------------------------------------------


def receipt_number(year: int, sequence: int) -> str:
    return f"{year}-{sequence:04d}"


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.01")))


def receipt_content(draft: ReceiptDraft, *, eligibility: ReceiptEligibility) -> dict:
    """The receipt's fields after Cerfa n° 16216, as frozen at issue (JSON: amounts as strings)."""
    association, donor = draft.association, draft.donor
    return {
        "cerfa": "16216",
        "year": draft.year,
        "beneficiary": {
            "name": association.legal_name,
            "rna": association.rna,
            "siret": association.siret,
            "address": association.address,
            "postal_code": association.postal_code,
            "city": association.city,
            "object": association.description,
            "basis": eligibility.basis,
            "basis_label": str(ReceiptBasis(eligibility.basis).label),
            "declared_at": eligibility.declared_at.isoformat(),
        },
        "donor": {"name": donor.name, "siret": donor.siret, "siren": donor.siret[:9], "address": donor.address},
        "gift": {
            "nature": "Don en nature",
            "dates": [day.isoformat() for day in draft.dates],
            "lines": [
                {
                    "lot": line.lot_reference,
                    "count": len(line.units),
                    "unit_value": _money(line.unit_value),
                    "subtotal": _money(line.subtotal),
                    "declared_at": line.declared_at.isoformat() if line.declared_at else None,
                }
                for line in draft.lines
            ],
            "units": [
                {
                    "serial": unit.serial_number,
                    "manufacturer": unit.manufacturer,
                    "model": unit.model,
                    "handed_over_on": unit.handed_over_on.isoformat(),
                }
                for line in draft.lines
                for unit in line.units
            ],
            "count": draft.unit_count,
            "total": _money(draft.total),
        },
        "article": "200 et 238 bis du CGI",
    }


def _locked_eligibility(association_id: int) -> ReceiptEligibility:
    eligibility = ReceiptEligibility.objects.select_for_update().filter(association_id=association_id).first()
    if eligibility is None or not eligibility.is_eligible:
        raise DomainError(
            _(
                "Votre association n'a pas déclaré pouvoir émettre des reçus fiscaux : déclarez-le d'abord "
                "sur la page « Reçus fiscaux »."
            )
        )
    return eligibility


def receipt_issue(*, association, donor, year: int, by) -> Receipt:
    """Issue the receipt of ``association`` for ``donor``'s units handed over in ``year``.

    Idempotent: a receipt already issued is returned as it is (one number, however many times one clicks).
    Numbers follow each other per association and year; the association's eligibility row is locked while one
    is taken, so two issues at once never get the same number (and the database refuses a duplicate anyway).
    """
    with transaction.atomic():
        eligibility = _locked_eligibility(association.pk)
        existing = (
            Receipt.objects.select_for_update()
            .live()
            .filter(association_id=association.pk, donor_id=donor.pk, year=year)
            .first()
        )
        if existing is not None and existing.status == R.ISSUED:
            return existing
        drafts = receipt_drafts([association.pk], donor_ids=[donor.pk], year=year)
        if not drafts:
            raise DomainError(_("Aucun ordinateur de ce donateur n'a été remis à votre association cette année-là."))
        draft = drafts[0]
        if draft.missing_value:
            raise DomainError(
                _(
                    "Valeur non déclarée par le donateur : le reçu ne peut pas être émis. Le donateur doit "
                    "déclarer la valeur de ses ordinateurs (lot %(lots)s) dans son espace."
                )
                % {"lots": ", ".join(draft.lots_without_value)}
            )
        receipt = existing
        if receipt is None:
            receipt = Receipt.objects.create(association=association, donor=donor, year=year)
            ReceiptEvent.record(by=by, receipt=receipt, kind=ReceiptEvent.Kind.CREATED, to_status=R.DRAFT)
        last = Receipt.objects.filter(association_id=association.pk, year=year).aggregate(m=Max("sequence"))["m"] or 0
        now = timezone.now()
        receipt = transition(
            receipt,
            to=R.ISSUED,
            by=by,
            note=receipt_number(year, last + 1),
            sequence=last + 1,
            number=receipt_number(year, last + 1),
            content=receipt_content(draft, eligibility=eligibility),
            unit_count=draft.unit_count,
            total_value=draft.total,
            issued_by=by,
            issued_by_name=actor_label(by),
            issued_at=now,
            queued_at=now,
        )
        receipt.computers.set([unit.computer_id for line in draft.lines for unit in line.units])
        queue_receipt_renders([receipt.pk])
    return receipt


def receipt_cancel(*, receipt: Receipt, by, reason: str) -> Receipt:
    """Cancel an issued receipt (a mistake): its number stays taken, the reason is kept on the receipt and in its
    history; a new receipt may then be issued for the same donor and year."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez pourquoi ce reçu est annulé.")})
    if len(reason) > RECEIPT_CANCEL_REASON_MAX:
        raise ValidationError(
            {
                "reason": _("Ce motif fait %(n)s caractères, pour %(max)s au plus : raccourcissez-le.")
                % {"n": len(reason), "max": RECEIPT_CANCEL_REASON_MAX}
            }
        )
    if text_errors(reason):
        raise ValidationError({"reason": text_errors(reason)})
    with transaction.atomic():
        return transition(
            receipt, to=R.CANCELLED, by=by, note=reason, lock=True, cancelled_at=timezone.now(), cancel_reason=reason
        )


# Rendering --------------------------------------------------------------------------------------------------------


def queue_receipt_renders(receipt_ids) -> None:
    """After commit, one render task per receipt. A broker outage never fails the request (the sweep resends)."""
    apply_each_on_commit(
        "impact.tasks.render_receipt",
        receipt_ids,
        log=logger,
        failed="Render of receipt %s failed in-process",
        lost="Broker unreachable: %s receipt render(s) left to the sweep",
    )


def render_receipt_html(receipt: Receipt) -> str:
    from impact.receipt_selectors import content_for_display

    context = {"receipt": receipt, "c": content_for_display(receipt.content), "generated_at": timezone.now()}
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string("impact/receipt_pdf.html", context)


def _lock(pk: int) -> Receipt | None:
    return Receipt.objects.select_for_update().filter(pk=pk).first()


def receipt_render(*, receipt_id: int) -> Receipt | None:
    """Render an issued receipt's PDF once; safe to run twice (a ready or in-progress receipt is left alone)."""
    from certificates.pdf import html_to_pdf

    now = timezone.now()
    with transaction.atomic():
        receipt = _lock(receipt_id)
        if receipt is None or receipt.status != R.ISSUED or receipt.state == S.READY:
            return receipt
        if receipt.state == S.RENDERING:
            if receipt.render_started_at and receipt.render_started_at > now - RENDERING_STUCK:
                return receipt  # another worker is on it
            transition(receipt, to=S.PENDING, by=None, table=Receipt.RENDER_TRANSITIONS, queued_at=now)
        transition(
            receipt,
            to=S.RENDERING,
            by=None,
            table=Receipt.RENDER_TRANSITIONS,
            attempts=receipt.attempts + 1,
            render_started_at=now,
        )
    storage = Receipt._meta.get_field("pdf").storage
    name = None
    try:
        pdf = html_to_pdf(render_receipt_html(receipt), base_url=str(settings.BASE_DIR))
        digest = hashlib.sha256(pdf).hexdigest()
        name = storage.save(
            f"receipts/{receipt.association_id}/recu-{receipt.number}-{digest[:12]}.pdf", ContentFile(pdf)
        )
        with transaction.atomic():
            current = _lock(receipt_id)
            if current.state != S.RENDERING:
                transaction.on_commit(lambda: storage.delete(name), robust=True)
                return current
            return transition(
                current,
                to=S.READY,
                by=None,
                table=Receipt.RENDER_TRANSITIONS,
                pdf=name,
                pdf_sha256=digest,
                rendered_at=timezone.now(),
                error="",
            )
    except Exception as exc:
        if name:
            storage.delete(name)
        message = f"{exc.__class__.__name__}: {exc}".strip()[:2000]
        with transaction.atomic():
            current = _lock(receipt_id)
            if current is not None and current.state == S.RENDERING:
                transition(
                    current, to=S.FAILED, by=None, table=Receipt.RENDER_TRANSITIONS, note=message[:500], error=message
                )
        raise RenderError(message) from exc


def receipts_requeue_stuck(*, now: datetime.datetime | None = None) -> int:
    """The periodic sweep: queue again the renders lost with the broker (Redis down at commit) or a dead worker."""
    now = now or timezone.now()
    with transaction.atomic():
        stuck = list(
            Receipt.objects.stuck(pending_before=now - PENDING_STUCK, rendering_before=now - RENDERING_STUCK)
            .select_for_update()
            .order_by("pk")[:SWEEP_BATCH]
        )
        for receipt in stuck:
            if receipt.state == S.RENDERING:
                transition(receipt, to=S.PENDING, by=None, table=Receipt.RENDER_TRANSITIONS, queued_at=now)
        Receipt.objects.filter(pk__in=[r.pk for r in stuck]).update(queued_at=now)
        queue_receipt_renders(r.pk for r in stuck)
    return len(stuck)
