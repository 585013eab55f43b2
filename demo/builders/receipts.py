"""Demo in-kind gift receipts for seed_demo: the demo association (association@demo.test, Marseille) declares
itself eligible, and the donor declares a value for the lot of the units it received, so that its « Reçus
fiscaux » page shows a receipt to check and issue. Idempotent: what exists is left alone; nothing is issued
(issuing is what one demonstrates)."""

from __future__ import annotations

from decimal import Decimal

from impact import receipts
from impact.models import LotValuation, ReceiptEligibility
from impact.receipt_selectors import received_units
from inventory.models import Lot

# A plausible value for a reconditioned 2019 desktop with keyboard and mouse, as a donor might declare it.
DEMO_UNIT_VALUE = Decimal("95.00")


def seed(context: dict) -> None:
    from accounts.models import User

    member = context["users"].get("association@demo.test")
    stdout = context.get("stdout")
    if member is None:
        return
    association = member.memberships.select_related("association").order_by("pk").first()
    if association is None:
        return
    association = association.association
    lot_ids = list(received_units([association.pk]).values_list("computer__lot_id", flat=True).distinct())
    if not lot_ids:
        if stdout:
            stdout.write("  reçus fiscaux : aucune remise signée pour l'association de démonstration, rien à faire")
        return
    if not ReceiptEligibility.objects.filter(association=association).exists():
        receipts.receipt_eligibility_declare(association=association, by=member)
    lot = Lot.objects.filter(pk__in=lot_ids).order_by("reference").first()
    if not LotValuation.objects.filter(lot=lot).exists():
        donor_person = User.objects.filter(email="donor@demo.test").first()
        receipts.lot_valuation_declare(lot=lot, unit_value=DEMO_UNIT_VALUE, by=donor_person)
    if stdout:
        stdout.write(f"  reçus fiscaux : {association} éligible, lot {lot.reference} valorisé à {DEMO_UNIT_VALUE} €")
