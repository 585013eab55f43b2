"""A collection in a real browser: a donor's person announces a lot on a phone (390 px) and proposes two slots; the
stock team confirms one in the admin; the donor sees the confirmed slot in its space. Nothing wider than the screen.

``COLLECT_SHOTS=dir pytest tests/e2e/test_collection_journey.py`` also saves screenshots at 390 and 1440 px.
"""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.services import user_add_totp
from core.words import date_words
from inventory.models import Collection
from tests.e2e.sign_in import sign_in, with_verified_email
from tests.e2e.staff import PASSWORD as STAFF_PASSWORD
from tests.e2e.staff import TOTP_SECRET, sign_in_to_the_admin
from tests.e2e.test_donor_space import _no_overflow
from tests.factories.inventory import stock_operator

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "un-mot-de-passe-solide-42"


def _donor_person():
    from campaigns.models import CampaignDonor
    from tests.factories.campaigns import CampaignFactory, DonorFactory
    from tests.factories.donors import donor_member

    donor = DonorFactory(name="Banque Solidaire")
    pledge = CampaignDonor.objects.create(
        campaign=CampaignFactory(name="Campagne de Marseille", slug="marseille"), donor=donor, pledged_units=60
    )
    person = donor_member(donor, email="claire@banque.example.com")
    with_verified_email(person, PASSWORD)
    return person, pledge


def test_a_donor_proposes_slots_on_a_phone_the_stock_team_confirms_one_the_donor_sees_it(page, browser, live_server):
    person, _pledge = _donor_person()
    operator = stock_operator(email="atelier@ville.example.org", first_name="Samia", last_name="Stock")
    operator.set_password(STAFF_PASSWORD)
    operator.save()
    user_add_totp(user=operator, secret=TOTP_SECRET)
    shots = os.environ.get("COLLECT_SHOTS")
    first_day = timezone.localdate() + datetime.timedelta(days=7)
    second_day = first_day + datetime.timedelta(days=1)

    page.set_default_timeout(15000)
    page.set_viewport_size({"width": 390, "height": 900})
    sign_in(page, live_server, person.email, password=PASSWORD, lands_on="/donor/")
    page.get_by_role("link", name="Annoncer un lot à collecter").click()
    expect(page.get_by_role("heading", name="Proposer des créneaux de collecte")).to_be_visible()
    _no_overflow(page, "collection form 390px")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{shots}/collection-form-390.png", full_page=True)

    page.get_by_label("Nombre d'ordinateurs à collecter").fill("60")
    page.get_by_label("Modèles").fill("Lenovo ThinkCentre M720q")
    page.get_by_label("Adresse du site d'enlèvement").fill("10 boulevard de Paris, 13002 Marseille")
    page.get_by_label("Personne à contacter sur place").fill("Claire Dupont")
    page.get_by_label("Téléphone sur place").fill("04 91 00 00 00")
    first, second = page.locator("fieldset.collection-slot").nth(0), page.locator("fieldset.collection-slot").nth(1)
    first.locator("input[name$=-date]").fill(first_day.isoformat())
    first.locator("input[name$=-starts_at]").fill("09:00")
    first.locator("input[name$=-ends_at]").fill("12:00")
    first.get_by_label("Accès").fill("Quai B, badge à l'accueil")
    # A slot that ends before it starts: refused with a French message, nothing saved.
    second.locator("input[name$=-date]").fill(second_day.isoformat())
    second.locator("input[name$=-starts_at]").fill("14:00")
    second.locator("input[name$=-ends_at]").fill("13:00")
    page.get_by_role("button", name="Envoyer les créneaux").click()
    expect(page.get_by_text("L'heure de fin doit suivre l'heure de début.")).to_be_visible()
    _no_overflow(page, "collection form with errors 390px")
    assert not Collection.objects.exists()
    second = page.locator("fieldset.collection-slot").nth(1)
    second.locator("input[name$=-ends_at]").fill("16:00")
    page.get_by_role("button", name="Envoyer les créneaux").click()
    page.wait_for_url(f"{live_server.url}/donor/#lots")
    expect(page.get_by_text("créneaux proposés, en attente de l'équipe de stock.")).to_be_visible()
    collection = Collection.objects.get()
    assert collection.slots.count() == 2

    staff = browser.new_page()
    staff.set_default_timeout(15000)
    staff.set_viewport_size({"width": 1440, "height": 900})
    sign_in_to_the_admin(staff, live_server, operator)
    staff.goto(f"{live_server.url}/admin/inventory/lot/{collection.lot_id}/change/")
    staff.get_by_role("link", name="Confirmer un créneau ou en demander d'autres").click()
    if shots:
        staff.screenshot(path=f"{shots}/collection-decide-1440.png", full_page=True)
    staff.locator("select[name=action]").select_option("confirm")
    chosen = collection.slots.order_by("date").last()
    staff.locator("select[name=slot]").select_option(str(chosen.pk))
    staff.get_by_role("button", name="Enregistrer la décision").click()
    expect(staff.get_by_text("Créneau confirmé : le donateur est prévenu par e-mail.")).to_be_visible()
    staff.close()

    for width in (390, 1440):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/donor/")
        expect(page.get_by_text("Collecte confirmée :")).to_be_visible()
        expect(page.get_by_text(f"le {date_words(second_day, 'l j F Y')}, entre 14:00 et 16:00")).to_be_visible()
        _no_overflow(page, f"donor space {width}px", width)
        if shots:
            page.screenshot(path=f"{shots}/collection-confirmed-{width}.png", full_page=True)
