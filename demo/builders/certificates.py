"""Demo certificates for seed_demo: wave 1 of Marseille handed over, its certificates signed.

Runs after ``demo.builders.donations`` (wave 1 confirmed, 27 allocations with reserved units). Through the
services: each allocation gets its certificate, the handover is recorded at the counter by the
desk operator with two signatures drawn here (the units become « handed over »), and the signed
certificate is rendered in-process, so that a new user finds finished certificates to download and
to verify from their QR code. ``LEFT_AT_COUNTER`` appointments may be left to be handed over (none by
default: the whole of wave 1 is handed over, as in the real campaign; the counter can be tried on wave 2
once it is confirmed).

Idempotent: what exists is left alone; only certificates whose document is missing are rendered.
Demo handovers do not email the fictional associations.
"""

from __future__ import annotations

import io
import math
import random

from django.db.models import F
from django.utils import timezone

from certificates import selectors, services
from certificates.models import Handover

# Appointments of wave 1 left for the counter (the demo association's own is always handed over).
LEFT_AT_COUNTER = 0


def signature_png(name: str, *, width: int = 600, height: int = 200) -> bytes:
    """A handwritten-looking signature for ``name``: a smooth, seeded scribble on a transparent PNG."""
    from PIL import Image, ImageDraw

    rng = random.Random(name)
    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    points = []
    x = 40.0
    letters = max(len(name.replace(" ", "")), 6)
    step = (width - 120) / (letters * 6)
    for i in range(letters * 6):
        phase = i / 6 * math.pi * 2
        amplitude = 38 + 22 * math.sin(i / 9.0 + rng.random())
        y = height / 2 + math.sin(phase + rng.random() * 0.6) * amplitude * (0.6 + 0.4 * rng.random())
        x += step * (0.7 + 0.6 * rng.random())
        points.append((x, y))
    draw.line(points, fill=(16, 36, 62, 255), width=4, joint="curve")
    underline_y = height * 0.82
    draw.line([(50, underline_y), (width * 0.75, underline_y - 12)], fill=(16, 36, 62, 255), width=3)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def seed(context: dict) -> None:
    from donations.models import Wave

    campaign = context["campaign"]
    desk = context["users"]["desk@demo.test"]
    member = context["users"].get("association@demo.test")
    stdout = context.get("stdout")

    def say(text: str) -> None:
        if stdout:
            stdout.write(f"  {text}")

    wave = Wave.objects.filter(campaign=campaign, number=1).first()
    if wave is None or wave.status == Wave.Status.PLANNING:
        say("attestations : pas de vague 1 confirmée, rien à faire")
        return
    allocations = list(
        wave.allocations.filter(status__in=selectors.CERTIFIED_ALLOCATION_STATUSES)
        .select_related("application__association")
        .order_by(*selectors.appointment_order())
    )
    services.handover_ensure_for_allocations([a.pk for a in allocations], by=desk)
    handovers = {h.allocation_id: h for h in Handover.objects.filter(allocation__in=allocations)}

    own = set()
    if member is not None:
        own = set(member.memberships.values_list("association_id", flat=True))
    others = [a for a in allocations if a.application.association_id not in own]
    counter = others[len(others) - LEFT_AT_COUNTER :] if LEFT_AT_COUNTER else []
    to_hand_over = [a for a in allocations if a not in counter]
    today = timezone.localdate()
    operator_signature = signature_png(desk.get_full_name() or desk.email)
    recorded = 0
    for allocation in to_hand_over:
        handover = handovers[allocation.pk]
        if handover.is_signed or allocation.status != "confirmed":
            continue
        association = allocation.application.association
        day = min(allocation.appointment_date or today, today)
        services.handover_record(
            handover=handover,
            by=desk,
            handed_over_on=day,
            representative_name=association.contact_name,
            association_signature=signature_png(association.contact_name),
            operator_signature=operator_signature,
            notify=False,
            before_appointment_confirmed=True,  # the demo records today the appointments still to come
        )
        recorded += 1

    # Render in-process whatever is not ready (with no Redis the queued tasks would run eagerly
    # anyway, but only after seed_demo's transaction commits).
    due = list(
        Handover.objects.filter(wave=wave)
        .live()
        .exclude(state=Handover.State.READY, rendered_revision=F("revision"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rendered, failed = services.handovers_render_now(due)
    if failed:
        say(f"attestations : {failed} en échec de génération (voir le guichet d'impression)")
    signed = Handover.objects.filter(wave=wave, signed_at__isnull=False).count()
    say(
        f"{wave} : {len(handovers)} attestations, {signed} remises signées "
        f"({recorded} enregistrées maintenant), {rendered} PDF produits"
    )
