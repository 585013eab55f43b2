"""Issue 14 in a real browser: what was typed survives an expired session, and chosen files survive a refusal."""

import re

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from associations.models import Application
from tests.factories.associations import AssociationFactory, make_pdf_bytes, member_of
from tests.factories.campaigns import CampaignFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "motdepasse-solide-42"
PROJECT = "Ateliers d'initiation au numérique pour les seniors, le mardi et le jeudi."


@pytest.fixture
def world(db):
    campaign = CampaignFactory(name="1000 ordinateurs pour Marseille", slug="marseille")
    user = member_of(AssociationFactory(legal_name="Connexions Solidaires"), email="fatou@connexions.example.org")
    return campaign, user


def login(page, email):
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Connexion").click()


def drafts(page) -> list[str]:
    return page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('portal-draft:'))")


def test_what_was_typed_is_restored_after_the_session_expired(page, live_server, world, axe_check):
    campaign, user = world
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/accounts/login/")
    login(page, user.email)
    page.goto(f"{live_server.url}/space/apply/{campaign.slug}/")
    page.get_by_label("Ordinateurs demandés").fill("20")
    page.get_by_label("Pour le public").fill("16")
    page.get_by_label("Pour le fonctionnement").fill("4")
    page.get_by_label("Votre projet").fill(PROJECT)
    page.get_by_label("Nous avons un local").check()

    # The session ends on the server while the form is being filled (idle timeout, restart, logout elsewhere).
    Session.objects.all().delete()
    page.get_by_role("button", name="Enregistrer le brouillon").click()

    # The login page says why, and that nothing typed is lost.
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/space/apply/marseille/"))
    expect(
        page.get_by_text("Votre session a expiré : reconnectez-vous, ce que vous aviez saisi est conservé.")
    ).to_be_visible()
    axe_check(page, "login after the session expired")
    assert not Application.objects.exists()
    login(page, user.email)

    # Back on the form, filled again; the person checks and saves.
    expect(page).to_have_url(re.compile(r"/space/apply/marseille/$"))
    expect(page.get_by_text("Nous avons remis ce que vous aviez saisi")).to_be_visible()
    expect(page.get_by_label("Votre projet")).to_have_value(PROJECT)
    expect(page.get_by_label("Pour le public")).to_have_value("16")
    expect(page.get_by_label("Nous avons un local")).to_be_checked()
    axe_check(page, "form with its draft restored")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_text("Brouillon enregistré")).to_be_visible()
    application = Application.objects.get()
    assert application.project == PROJECT and application.public_use_quantity == 16

    # Gone once the form went through: nothing to restore the next time.
    assert drafts(page) == []


def test_chosen_files_are_kept_after_a_validation_error(page, live_server, world, tmp_path, axe_check):
    campaign, user = world
    statutes, report = tmp_path / "statuts.pdf", tmp_path / "rapport.pdf"
    statutes.write_bytes(make_pdf_bytes("Statuts"))
    report.write_bytes(make_pdf_bytes("Rapport"))
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/accounts/login/")
    login(page, user.email)
    page.goto(f"{live_server.url}/space/apply/{campaign.slug}/")
    page.get_by_label("Ordinateurs demandés").fill("20")
    page.get_by_label("Pour le public").fill("3")  # 3 + 4 is not 20
    page.get_by_label("Pour le fonctionnement").fill("4")
    page.get_by_label("Votre projet").fill(PROJECT)
    page.get_by_label("Statuts (PDF)").set_input_files(str(statutes))
    page.get_by_label("Dernier rapport d'activité (PDF)").set_input_files(str(report))
    page.get_by_label(re.compile("J'accepte que les informations")).check()
    page.get_by_role("button", name="Déposer la candidature").click()

    expect(page.locator("#error-summary")).to_contain_text("doit faire le total demandé")
    expect(page.get_by_text("Fichier déjà joint : statuts.pdf")).to_be_visible()
    expect(page.get_by_text("Fichier déjà joint : rapport.pdf")).to_be_visible()
    axe_check(page, "application form with kept files")
    page.screenshot(path="/tmp/shots-messages/kept-files-1280.png", full_page=True)

    # Only the wrong number is corrected: no file chosen again.
    page.get_by_label("Pour le public").fill("16")
    page.get_by_role("button", name="Déposer la candidature").click()
    expect(page.get_by_text("Votre candidature est déposée")).to_be_visible()
    application = Application.objects.get()
    assert application.status == Application.Status.SUBMITTED
    assert application.statutes.read() == statutes.read_bytes()
    assert application.activity_report.read() == report.read_bytes()
