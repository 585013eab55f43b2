"""The association's journey in a real browser (Debian's chromium, headless), checked with axe-core."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.services import user_add_totp
from associations.models import Application
from tests.e2e.application_form import attach_and_submit, fill_and_submit_application
from tests.e2e.staff import PASSWORD, TOTP_SECRET, sign_in_to_the_admin
from tests.factories.accounts import reviewer
from tests.factories.associations import make_pdf_bytes
from tests.factories.campaigns import CampaignFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_campaign(db):
    return CampaignFactory(name="1000 ordinateurs pour Marseille", slug="marseille")


@pytest.fixture
def pdf_files(tmp_path):
    statutes = tmp_path / "statuts.pdf"
    statutes.write_bytes(make_pdf_bytes("Statuts"))
    report = tmp_path / "rapport.pdf"
    report.write_bytes(make_pdf_bytes("Rapport"))
    fake = tmp_path / "photo.pdf"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n not a pdf at all")
    return statutes, report, fake


def login(page, live_server, email, password=PASSWORD):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.locator("main").get_by_role("button", name="Connexion").click()


def test_sign_up_register_apply_and_get_approved(page, live_server, open_campaign, pdf_files, axe_check, settings):
    statutes, report, fake = pdf_files
    page.set_default_timeout(15000)
    settings.SITE_URL = live_server.url  # the portal's address, that its emails link to

    # The public pages, in French, accessible.
    page.goto(live_server.url)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="1000 ordinateurs pour Marseille")).to_be_visible()
    axe_check(page, "home")

    # Sign up with an email; confirm it from the email received.
    page.get_by_role("link", name="Créer un compte pour candidater").click()
    axe_check(page, "signup")
    page.get_by_label("Courriel").fill("presidente@connexions.example.org")
    page.get_by_label("Mot de passe*", exact=True).fill(PASSWORD)
    page.get_by_label("Mot de passe (confirmation)").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Création de compte").click()
    expect(page.get_by_role("heading", name=re.compile("Vérifiez votre adresse"))).to_be_visible()
    confirm_url = re.search(r"http://\S+/accounts/confirm-email/\S+", mail.outbox[-1].body).group(0)
    page.goto(confirm_url)
    page.locator("main").get_by_role("button", name="Confirmer").click()

    # Register the association: a bad SIRET first, shown next to the field and in the summary.
    page.goto(f"{live_server.url}/space/")
    page.get_by_role("link", name="Inscrire mon association").click()
    page.get_by_label("Nom de l'association").fill("Connexions Solidaires")
    page.get_by_label("Numéro SIRET").fill("732 829 320 00075")
    page.get_by_label(re.compile(r"^\s*Adresse\W*$")).fill("3 boulevard National")
    page.get_by_label("Code postal").fill("13003")
    page.get_by_label("Ville").fill("Marseille")
    page.get_by_label("Lutte contre l'illectronisme").check()
    page.get_by_label("Médiation numérique").check()
    page.get_by_label("Personnes accompagnées par an").fill("300")
    page.get_by_label("Personne à contacter").fill("Fatou Diallo")
    page.get_by_label("E-mail de contact").fill("fatou@connexions.example.org")
    page.get_by_role("button", name="Inscrire l'association").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("clé de contrôle")
    axe_check(page, "association form with errors")
    page.get_by_label("Numéro SIRET").fill("732 829 320 00074")
    page.get_by_role("button", name="Inscrire l'association").click()
    expect(page.get_by_text("Votre association est inscrite")).to_be_visible()
    axe_check(page, "association space")

    # Apply: a file that is not a PDF is refused, then the real ones are accepted.
    page.get_by_role("link", name=re.compile("Candidater à")).click()
    fill_and_submit_application(page, fake, report)
    expect(page.locator("#error-summary")).to_contain_text("n'est pas un PDF")
    axe_check(page, "application form with errors")
    attach_and_submit(page, statutes, report)
    expect(page.get_by_text("Votre candidature est déposée")).to_be_visible()
    expect(page.get_by_text("En cours d'examen").first).to_be_visible()
    axe_check(page, "application detail")
    application = Application.objects.get()
    assert application.status == "submitted"

    # A reviewer approves it in the admin, signed in with the code of their authenticator app.
    staff = reviewer(email="instructrice@ville.example.org")
    user_add_totp(user=staff, secret=TOTP_SECRET)
    context = page.context.browser.new_context()
    admin_page = context.new_page()
    admin_page.set_default_timeout(15000)
    sign_in_to_the_admin(admin_page, live_server, staff)
    admin_page.goto(f"{live_server.url}/admin/associations/application/{application.pk}/change/")
    admin_page.get_by_role("link", name="Accepter").click()
    admin_page.get_by_label(re.compile("accordés", re.I)).fill("18")
    admin_page.get_by_role("button", name=re.compile("Accepter")).click()
    context.close()
    application.refresh_from_db()
    assert (application.status, application.granted_quantity) == ("approved", 18)

    # The association sees the decision in its space.
    page.reload()
    expect(page.get_by_text("Candidature acceptée : 18 ordinateurs accordés.")).to_be_visible()
    assert any("acceptée" in m.subject for m in mail.outbox)
