"""Every public page and every page of the association's journey fits a 390 px wide phone, without sideways scroll.

The data are long on purpose (names, e-mail, a pasted URL in a message): what real people type. A page fails when the
document is wider than the window, or when a cell of a table lies outside the screen (a table that only scrolls in
its own box still hides its "Statut" and "Télécharger" columns); the failure names the elements that stick out.
"""

import datetime
import os
import pathlib
import re

import pytest
from playwright.sync_api import expect

from accounts import roles
from associations.models import Application, Membership, Message
from tests.e2e.menu import switch_language
from tests.factories.accounts import staff_with_role
from tests.factories.associations import ApplicationFactory, AssociationFactory, member_of
from tests.factories.campaigns import CampaignFactory
from tests.factories.certificates import confirmed_wave
from tests.factories.impact import handed_over_wave, impact_reports_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "motdepasse-solide-42"
PHONE = {"width": 390, "height": 844}
LONG_URL = (
    "https://www.service-public.fr/particuliers/vosdroits/associations/F1119?utm_source=courriel"
    "&utm_medium=relance&identifiant_de_dossier=2026-MARSEILLE-00042-INCLUSION-NUMERIQUE-QUARTIERS-NORD"
)

OVERFLOW_JS = (pathlib.Path(__file__).parent / "overflow.js").read_text()


def overflow_problems(page, label: str) -> list[str]:
    found = page.evaluate(OVERFLOW_JS)
    problems = []
    if found["scrollWidth"] > found["innerWidth"]:
        problems.append(
            f"{label}: the page is {found['scrollWidth']} px wide in a {found['innerWidth']} px window; "
            f"sticking out: {found['culprits']}"
        )
    if found["hiddenCells"]:
        problems.append(f"{label}: table cells outside the screen: {found['hiddenCells']}")
    return problems


@pytest.fixture
def journey(db):
    """A member of three associations (long names), each at a different step of the journey."""
    open_campaign = CampaignFactory(
        name="Des ordinateurs reconditionnés pour les associations de la métropole Aix-Marseille-Provence",
        slug="metropole-aix-marseille-provence",
    )
    association = AssociationFactory(
        legal_name="Association pour l'inclusion numérique et la médiation sociale des quartiers nord de Marseille"
    )
    user = member_of(association, email="presidente.inclusion-numerique@quartiers-nord-marseille.example.org")
    asked = ApplicationFactory(
        association=association, campaign=open_campaign, status=Application.Status.INFO_REQUESTED
    )
    Message.objects.create(
        application=asked,
        from_staff=True,
        body=f"Bonjour, pouvez-vous nous envoyer le récépissé de déclaration ? Vous le trouverez ici : {LONG_URL}",
    )
    Message.objects.create(
        application=asked, author=user, body=f"Le voici : {LONG_URL}\nidentifiant{'-'.join(['dossier'] * 20)}"
    )

    # An allocation confirmed with a handover slot (and its certificate ready), another one handed over and
    # owing its impact report.
    wave = confirmed_wave(1, 12, campaign=CampaignFactory(name="Grande campagne de la Ville de Marseille 2026"))
    allocation = wave.allocations.get()
    Membership.objects.create(user=user, association=allocation.application.association)
    from certificates.models import Handover
    from donations.services import allocation_set_appointment

    manager = staff_with_role(roles.CAMPAIGN_MANAGER, email="responsable-rendez-vous@example.org")
    allocation_set_appointment(
        allocation=allocation,
        by=manager,
        date=datetime.date.today() + datetime.timedelta(days=10),
        start=datetime.time(9, 30),
        end=datetime.time(10, 30),
        place="Entrepôt de la Ville de Marseille, 38 boulevard des Dames, bâtiment B, quai de chargement numéro 4",
    )
    Handover.objects.filter(allocation__wave=wave).update(pdf="certificates/attestation.pdf", state="ready")

    handed = handed_over_wave(1, 10, on=datetime.date(2026, 1, 10))
    reports = impact_reports_for(handed, today=datetime.date(2026, 2, 1), starts_on=datetime.date(2026, 1, 1))
    Membership.objects.create(user=user, association=reports[0].association)
    return {
        "user": user,
        "campaign": open_campaign,
        "asked": asked,
        "allocation": allocation,
        "handover": Handover.objects.filter(allocation__wave=wave).get(),
        "report": reports[0],
    }


def test_every_page_fits_a_phone(browser, live_server, journey):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)
    problems = []

    shots = os.environ.get("PHONE_SHOTS_DIR")  # set it to look at the pages: one picture at 390 px, one at 1280 px

    def visit(path: str, label: str):
        response = page.goto(live_server.url + path)
        assert response.status < 400, f"{path} answered {response.status}"
        problems.extend(overflow_problems(page, f"{label} ({path})"))
        if shots:
            page.screenshot(path=f"{shots}/{label}-390.png", full_page=True)
            page.set_viewport_size({"width": 1280, "height": 900})
            page.screenshot(path=f"{shots}/{label}-1280.png", full_page=True)
            page.set_viewport_size(PHONE)

    campaign = journey["campaign"]
    for label, path in [
        ("home", "/"),
        ("campaign", campaign.get_absolute_url()),
        ("campaign-progress", f"/campaigns/{campaign.slug}/progress/"),
        ("campaign-with-waves", f"/campaigns/{journey['allocation'].wave.campaign.slug}/"),
        ("verify", journey["handover"].get_verify_url()),
        ("privacy", "/privacy/"),
        ("accessibility", "/accessibility/"),
        ("login", "/accounts/login/"),
        ("signup", "/accounts/signup/"),
        ("password-reset", "/accounts/password/reset/"),
    ]:
        visit(path, label)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Courriel").fill(journey["user"].email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Connexion").click()
    expect(page.get_by_role("heading", name="Mon espace association")).to_be_visible()

    asked, allocation, report = journey["asked"], journey["allocation"], journey["report"]
    other_campaign = CampaignFactory(name="Une autre campagne ouverte aux associations", slug="autre")
    for label, path in [
        ("space", "/space/"),
        ("association-new", "/space/associations/new/"),
        ("association-edit", f"/space/associations/{asked.association_id}/edit/"),
        ("application-new", f"/space/apply/{other_campaign.slug}/"),
        ("application-detail-messages", asked.get_absolute_url()),
        ("application-edit", f"/space/applications/{asked.pk}/edit/"),
        ("application-withdraw", f"/space/applications/{asked.pk}/withdraw/"),
        ("application-detail-appointment", allocation.application.get_absolute_url()),
        ("appointment-change", f"/space/allocations/{allocation.pk}/appointment/change/"),
        ("certificates", "/space/certificates/"),
        ("reports", "/space/reports/"),
        ("report-form", report.get_absolute_url()),
        ("second-factor", "/accounts/2fa/"),
    ]:
        visit(path, label)

    # The menu, opened; a form sent with errors (the error summary and the messages are on the page).
    page.goto(live_server.url + asked.get_absolute_url())
    page.get_by_role("button", name=re.compile("Ouvrir le menu")).click()
    problems.extend(overflow_problems(page, "menu open"))

    # In English too (other words, other widths); the language switch is in the menu, open here.
    switch_language(page, "English", "en")
    for label, path in [
        ("space-en", "/space/"),
        ("application-detail-en", asked.get_absolute_url()),
        ("certificates-en", "/space/certificates/"),
        ("reports-en", "/space/reports/"),
        ("campaign-with-waves-en", f"/campaigns/{allocation.wave.campaign.slug}/"),
    ]:
        visit(path, label)
    page.get_by_role("button", name=re.compile("Open the menu")).click()
    switch_language(page, "Français", "fr")

    # A one-line field shows its count near its limit only (its help says the limit).
    page.goto(f"{live_server.url}/space/associations/new/")
    name_count = page.locator("#id_legal_name_count")
    expect(name_count).to_be_hidden()
    page.get_by_label("Nom de l'association").fill("n" * 170)
    expect(name_count).to_have_text("Il vous reste 30 caractères.")
    page.goto(live_server.url + asked.get_absolute_url())

    # The message box counts what is left, as one types; too long, it says by how much, and the server refuses
    # the text (kept whole in the box) instead of the browser cutting it.
    box = page.get_by_label("Votre message")
    count = page.locator("#id_body_count")
    expect(count).to_have_text(re.compile(r"^Il vous reste 5\s?000 caractères\.$"))
    box.fill("Bonjour")
    expect(count).to_have_text(re.compile(r"^Il vous reste 4\s?993 caractères\.$"))
    assert "id_body_count" in box.get_attribute("aria-describedby")
    box.fill("x" * 5001)
    expect(count).to_have_text("1 caractère en trop : raccourcissez le texte.")
    expect(page.locator("[aria-live=polite]").filter(has_text="1 caractère en trop")).to_have_count(1)
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.locator("#error-summary")).to_contain_text("Ce texte fait 5001 caractères, pour 5000 au plus")
    assert len(page.get_by_label("Votre message").input_value()) == 5001
    problems.extend(overflow_problems(page, "message refused"))

    context.close()
    assert not problems, "\n".join(problems)
