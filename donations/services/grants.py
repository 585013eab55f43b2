"""What the waves say when a reviewer corrects an approval (``associations.hooks.decision_correcting``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext as _

from core.errors import DomainError
from donations.models import Allocation


def check_decision_correction(*, application, granted: int | None) -> None:
    """Refuse a grant below the units the waves hold for the application, and a reopening while a wave
    holds or plans units for it (the manager cancels the allocation first)."""
    live = Allocation.objects.live().filter(application_id=application.pk)
    if granted is None:
        if live.exists():
            raise DomainError(
                _(
                    "Une vague prévoit déjà des ordinateurs pour cette association : le responsable de campagne "
                    "annule d'abord son attribution, puis la décision peut être rouverte."
                )
            )
        return
    held = live.holding_units().aggregate(n=Sum("quantity"))["n"] or 0
    if granted < held:
        raise ValidationError(
            {
                "granted": _(
                    "Les vagues ont déjà réservé ou remis %(held)s ordinateurs à cette association : "
                    "accordez-en au moins %(held)s."
                )
                % {"held": held}
            }
        )
