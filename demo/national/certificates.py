"""The national dataset's handover certificates (most signed, none rendered)."""

from __future__ import annotations

from django.utils import timezone

from demo.national.data import verification_code


class CertificatesBuilder:
    """One part of ``builder._Builder``: it reads and sets the state the earlier parts left on ``self``."""

    def handovers(self) -> None:
        from django.core.files.base import ContentFile

        from certificates.models import Handover, HandoverEvent
        from certificates.services import certificate_number
        from demo.builders.certificates import signature_png

        desk = self.staff["desk"]
        storage = Handover._meta.get_field("association_signature").storage
        association_png = storage.save(
            "certificates/national/signatures/association.png", ContentFile(signature_png("Camille Martin"))
        )
        operator_png = storage.save(
            "certificates/national/signatures/agent.png", ContentFile(signature_png("Denise Guichet"))
        )
        rows, events = [], []
        sequences: dict[int, int] = {}
        for p in self.allocation_plan:
            if p["status"] == "proposed":
                continue
            allocation = p["allocation"]
            wave = allocation.wave
            sequences[wave.pk] = sequences.get(wave.pk, 0) + 1
            number = certificate_number(wave.campaign, wave.number, sequences[wave.pk])
            handover = Handover(
                allocation=allocation,
                wave=wave,
                sequence=sequences[wave.pk],
                number=number,
                code=verification_code(number),
                state="pending",
                queued_at=self.now,
                notify_association=False,  # fictional addresses
                created_at=allocation.confirmed_at,
            )
            if p["status"] == "handed_over":
                association = allocation.application.association
                handover.handed_over_on = timezone.localdate(allocation.handed_over_at)
                handover.representative_name = association.contact_name
                handover.operator = desk
                handover.operator_name = "Denise Guichet"
                handover.handed_over_count = allocation.quantity
                handover.signed_at = allocation.handed_over_at
                handover.revision = 2
                handover.association_signature = association_png
                handover.operator_signature = operator_png
            rows.append(handover)
        self.handover_list = Handover.objects.bulk_create(rows, batch_size=1000)
        for h in self.handover_list:
            events.append(
                HandoverEvent(
                    handover=h,
                    **self.by(self.staff["manager"]),
                    kind="created",
                    to_status="pending",
                    note=h.number,
                    created_at=h.created_at,
                )
            )
            if h.signed_at:
                events.append(
                    HandoverEvent(
                        handover=h,
                        **self.by(desk),
                        kind="signed",
                        note=(
                            f"Remise du {h.handed_over_on:%d/%m/%Y} : {h.handed_over_count} ordinateurs remis "
                            f"à {h.representative_name}"
                        ),
                        created_at=h.signed_at,
                    )
                )
        HandoverEvent.objects.bulk_create(events, batch_size=2000)
        signed = sum(1 for h in self.handover_list if h.signed_at)
        self.say(f"attestations : {len(self.handover_list)}, dont {signed} remises signées (PDF non produits)")
