"""seed_demo: wave 1 handed over with finished, signed certificates that anyone can verify; idempotent."""

import pytest
from django.core.management import call_command

from certificates.models import Handover
from demo.builders.certificates import LEFT_AT_COUNTER, signature_png
from donations.models import Allocation
from inventory.models import Computer

pytestmark = pytest.mark.django_db
S = Handover.State


def test_seed_demo_hands_over_wave_1_with_signed_certificates(settings, client):
    settings.DEBUG = True
    call_command("seed_demo")
    handovers = list(
        Handover.objects.filter(wave__number=1, wave__campaign__slug="marseille-2026").select_related("allocation")
    )
    assert len(handovers) == 27
    assert all(h.state == S.READY and h.rendered_revision == h.revision for h in handovers)
    signed = [h for h in handovers if h.is_signed]
    waiting = [h for h in handovers if not h.is_signed]
    assert len(signed) == 27 - LEFT_AT_COUNTER and len(waiting) == LEFT_AT_COUNTER
    assert all(h.signed_pdf and h.signed_pdf_sha256 and h.association_signature for h in signed)
    assert all(h.pdf and h.allocation.status == Allocation.Status.CONFIRMED for h in waiting)
    handed = sum(h.handed_over_count for h in signed)
    assert Computer.objects.filter(status="handed_over").count() == handed
    assert all(h.allocation.status == Allocation.Status.HANDED_OVER for h in signed)
    assert not any(h.emailed_at for h in handovers)  # fictional associations are not emailed

    # The demo association's member finds its signed certificate and can verify it.
    member_handover = Handover.objects.get(
        allocation__application__association__memberships__user__email="association@demo.test"
    )
    assert member_handover.is_signed
    client.login(email="association@demo.test", password="demo-dons-2026")
    assert client.get(member_handover.get_absolute_url()).status_code == 200
    page = client.get(member_handover.get_verify_url()).content.decode()
    assert member_handover.signed_pdf_sha256 in page

    # Idempotent: a second run changes nothing.
    before = {h.pk: (h.state, h.signed_pdf_sha256, h.pdf_sha256, h.revision) for h in Handover.objects.all()}
    call_command("seed_demo")
    after = {h.pk: (h.state, h.signed_pdf_sha256, h.pdf_sha256, h.revision) for h in Handover.objects.all()}
    assert before == after


def test_generated_signatures_are_valid_pngs_that_differ_per_person():
    from certificates.services import clean_signature

    first, second = signature_png("Nadia Benali"), signature_png("Karim Haddad")
    assert first != second and first == signature_png("Nadia Benali")
    assert clean_signature(first, field="x").startswith(b"\x89PNG")
