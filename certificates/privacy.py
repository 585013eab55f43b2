"""The certificates' part of a person's data (accounts.privacy): the export lists the certificates of their
associations. Signed certificates are evidence of a donation: anonymisation leaves them as they are
(``accounts.privacy.KEPT_AS_EVIDENCE``). Registered in ``CertificatesConfig.ready()``."""

from __future__ import annotations

from accounts.privacy import iso_date
from certificates.models import Handover


def export(user) -> dict:
    handovers = (
        Handover.objects.filter(allocation__application__association__memberships__user=user)
        .select_related("allocation__application__association", "wave")
        .order_by("number")
    )
    return {
        "handover_certificates": [
            {
                "number": h.number,
                "association": h.allocation.application.association.legal_name,
                "wave": str(h.wave),
                "handed_over_on": iso_date(h.handed_over_on),
                "representative_name": h.representative_name,
                "computers": h.handed_over_count,
            }
            for h in handovers
        ]
    }
