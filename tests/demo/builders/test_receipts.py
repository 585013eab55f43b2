"""seed_demo: the demo association is eligible and one of its lots has a declared value: a receipt to issue."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from impact.models import LotValuation, ReceiptEligibility

pytestmark = pytest.mark.django_db


def test_seed_demo_shows_a_receipt_to_issue(settings, client):
    settings.DEBUG = True
    call_command("seed_demo")
    member = User.objects.get(email="association@demo.test")
    assert ReceiptEligibility.objects.filter(association__memberships__user=member, withdrawn_at=None).count() == 1
    assert LotValuation.objects.count() == 1
    client.force_login(member)
    page = client.get(reverse("impact:receipts")).content.decode()
    assert "Vérifier le reçu" in page and "(valeur déclarée par le donateur)" in page
    call_command("seed_demo")
    assert (ReceiptEligibility.objects.count(), LotValuation.objects.count()) == (1, 1)
