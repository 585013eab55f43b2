"""Issue 14, « Done means »: the association's whole journey in a real browser (Debian's chromium, headless).

One run per screen and language: a 390 px phone (touch) and a 1280 px desktop, in French and in English. On every
page the association visits, axe-core finds no violation at all (any impact), and at 390 px nothing sticks out
sideways. What the association does is driven in the browser; what the campaign's team does (a question, the
decision, the wave, the certificate's rendering, the handover) goes through the services, since it is not the point
here and the admin has its own browser tests.

The path: sign up and confirm the address from the email; register the association; a second volunteer (who has an
account) asks to join it and the president accepts; apply with a mistake (the PDFs chosen are kept); answer the
team's question with an attachment, reached from the space home's « À faire maintenant »; pick another handover
slot; download the certificate (%PDF) and find it on the public verification page; fill the impact report with
12,5 hours (12.5 in English); ask to reopen it with a reason; the space home then has nothing waiting.

Set JOURNEY_SHOTS_DIR to keep pictures of the space's home (one per screen and language).
"""

import datetime
import os
import pathlib
import re
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from django.utils import timezone, translation
from playwright.sync_api import expect

from accounts import roles
from associations import services as application_services
from associations.models import Application, Association
from certificates.models import Handover
from certificates.services.rendering import handover_render
from donations import services as donation_services
from donations.models import Allocation
from impact import services as impact_services
from impact.models import ImpactReport
from tests.e2e.menu import switch_language
from tests.factories.accounts import UserFactory, reviewer, staff_with_role
from tests.factories.associations import make_pdf_bytes
from tests.factories.campaigns import CampaignFactory
from tests.factories.donations import WaveFactory
from tests.factories.inventory import ready_computers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-solide-42"
EMAIL = "presidente@connexions-solidaires.example.org"
TREASURER = "tresorier@connexions-solidaires.example.org"
GRANTED = 12
SCREENS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}
OVERFLOW_JS = (pathlib.Path(__file__).parent / "overflow.js").read_text()
_axe = Axe()


class Journey:
    """The browser page, the language and the checks run on every page visited."""

    def __init__(self, page, live_server, lang: str, screen: str):
        self.page, self.url, self.lang, self.screen = page, live_server.url, lang, screen
        self.checked: list[str] = []
        self.problems: list[str] = []

    def t(self, french: str, english: str | None = None) -> str:
        """The interface's words in the run's language: the project's catalogue, or ``english`` when the words
        come from a library (allauth) whose msgid is English."""
        if self.lang == "fr":
            return french
        if english is not None:
            return english
        with translation.override("en"):
            translated = translation.gettext(french)
            if translated == french:  # a model field's verbose name, capitalised by the form
                lowered = translation.gettext(french[0].lower() + french[1:])
                translated = lowered[0].upper() + lowered[1:]
        assert translated != french, f"no English for {french!r}"
        return translated

    def field(self, model, name: str):
        """A form field found by its label: the model field's verbose name, in the run's language."""
        with translation.override(self.lang):
            label = str(model._meta.get_field(name).verbose_name)
        # Capitalised by Django, or not when the form names the field itself; « * » when required.
        return self.page.get_by_label(re.compile(rf"^\s*{re.escape(label)}[\s*]*$", re.IGNORECASE))

    def check(self, label: str) -> None:
        """axe-core finds nothing (whatever the impact); at 390 px, the page does not scroll sideways."""
        page = self.page
        expect(page.locator("html")).to_have_attribute("lang", self.lang)
        violations = _axe.run(page).response["violations"]
        self.problems.extend(
            f"{label}: axe {v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:4]}"
            for v in violations
        )
        if self.screen == "phone":
            found = page.evaluate(OVERFLOW_JS)
            if found["scrollWidth"] > found["innerWidth"]:
                self.problems.append(
                    f"{label}: {found['scrollWidth']} px wide in {found['innerWidth']} px; {found['culprits']}"
                )
            if found["hiddenCells"]:
                self.problems.append(f"{label}: table cells outside the screen: {found['hiddenCells']}")
        self.checked.append(label)

    def goto(self, path: str, label: str) -> None:
        response = self.page.goto(self.url + path)
        assert response.status < 400, f"{path} answered {response.status}"
        self.check(label)

    def shot(self, name: str) -> None:
        folder = os.environ.get("JOURNEY_SHOTS_DIR")
        if folder:
            pathlib.Path(folder).mkdir(parents=True, exist_ok=True)
            width = self.page.viewport_size["width"]
            self.page.screenshot(path=f"{folder}/{name}-{self.lang}-{width}.png", full_page=True)

    def open_menu(self) -> None:
        """On a phone the header's links and the language switch are behind the menu button."""
        if self.screen == "phone":
            self.page.get_by_role("button", name=self.t("Ouvrir le menu")).click()


@pytest.fixture
def team(db):
    """The campaign open to applications and the people of its team (who act through the services)."""
    campaign = CampaignFactory(name="1000 ordinateurs pour Marseille", slug="marseille")
    return {
        "campaign": campaign,
        "reviewer": reviewer(email="instructrice@ville.example.org"),
        "manager": staff_with_role(roles.CAMPAIGN_MANAGER, email="responsable@ville.example.org"),
        "desk": staff_with_role(roles.HANDOVER_OPERATOR, email="guichet@ville.example.org"),
    }


@pytest.fixture
def documents(tmp_path):
    files = {}
    for name, title in [("statuts.pdf", "Statuts"), ("rapport.pdf", "Rapport"), ("recepisse.pdf", "Récépissé")]:
        files[name] = tmp_path / name
        files[name].write_bytes(make_pdf_bytes(title))
    return files


def join_as_second_volunteer(browser, live_server, screen: str, lang: str) -> None:
    """The treasurer, on their own device, asks to join the association the president registered."""
    UserFactory(email=TREASURER, first_name="Karim", last_name="Haddad")
    context = browser.new_context(**SCREENS[screen])
    context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15000)
    j = Journey(page, live_server, lang, screen)
    t, f = j.t, j.field
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill(TREASURER)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main").get_by_role("button", name=t("Connexion", "Sign In")).click()
    page.wait_for_url(re.compile(r"/space/"))
    page.goto(f"{live_server.url}/space/associations/new/")
    f(Association, "siret").fill("73282932000074")
    page.get_by_role("button", name=t("Inscrire l'association")).click()
    notice = page.locator("#deja-inscrite")
    expect(notice).to_contain_text("Connexions Solidaires")
    j.check("association form, already registered")
    notice.get_by_role("link", name=t("Demander à rejoindre cette association")).click()
    j.check("join")
    page.get_by_label(t("Un mot pour les membres de l'association")).fill("Bonjour, je tiens la trésorerie. Karim")
    page.get_by_role("button", name=t("Envoyer ma demande")).click()
    expect(page.locator(".messages")).to_contain_text("Connexions Solidaires")
    j.check("space, join requested")
    context.close()
    assert not j.problems, "\n".join(j.problems)


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_the_association_journey(browser, live_server, team, documents, screen, lang):
    context = browser.new_context(**SCREENS[screen])
    page = context.new_page()
    page.set_default_timeout(15000)
    j = Journey(page, live_server, lang, screen)
    t, f = j.t, j.field
    campaign = team["campaign"]

    # The public home, in the reader's language (the switch is in the header, behind the menu on a phone).
    page.goto(live_server.url)
    if lang == "en":
        if screen == "phone":
            page.get_by_role("button", name="Ouvrir le menu").click()
        switch_language(page, "English", "en")
    j.check("home")

    # Sign up, then confirm the address from the email received.
    page.get_by_role("link", name=t("Créer un compte pour candidater")).click()
    j.check("signup")
    page.get_by_label(t("Courriel", "Email")).fill(EMAIL)
    page.get_by_label(t("Mot de passe", "Password") + "*", exact=True).fill(PASSWORD)
    page.get_by_label(t("Mot de passe (confirmation)", "Password (again)")).fill(PASSWORD)
    page.locator("main").get_by_role("button", name=t("Création de compte", "Sign Up")).click()
    expect(
        page.get_by_role("heading", name=re.compile(t("Vérifiez votre adresse", "Verify Your Email")))
    ).to_be_visible()
    j.check("verify your email")
    link = re.search(r"https?://\S+(/accounts/confirm-email/\S+)", mail.outbox[-1].body).group(1)
    page.goto(live_server.url + link)
    j.check("confirm email")
    page.locator("main").get_by_role("button", name=t("Confirmer", "Confirm")).click()

    # Register the association.
    j.goto("/space/", "space, no association yet")
    page.get_by_role("link", name=t("Inscrire mon association")).click()
    j.check("association form")
    f(Association, "legal_name").fill("Connexions Solidaires")
    f(Association, "siret").fill("732 829 320 00074")
    f(Association, "address").fill("3 boulevard National")
    f(Association, "postal_code").fill("13003")
    f(Association, "city").fill("Marseille")
    page.get_by_label(t("Lutte contre l'illectronisme")).check()
    page.get_by_label(t("Médiation numérique")).check()
    f(Association, "beneficiaries_per_year").fill("300")
    f(Association, "contact_name").fill("Fatou Diallo")
    f(Association, "contact_email").fill("fatou@connexions-solidaires.example.org")
    page.get_by_role("button", name=t("Inscrire l'association")).click()
    expect(page.get_by_text(t("Votre association est inscrite. Vous pouvez maintenant candidater."))).to_be_visible()
    j.check("space, association registered")

    # A second volunteer, who has an account, registers the same association: the portal offers to ask its
    # members to join it instead. The president accepts from the space.
    join_as_second_volunteer(browser, live_server, screen, lang)
    page.goto(live_server.url + "/space/")
    page.locator("section[aria-labelledby=rejoindre] .alert").get_by_role("link", name="Connexions Solidaires").click()
    j.check("members, a request to join")
    page.get_by_role("button", name=re.compile(t("Accepter"))).click()
    expect(page.locator(".messages")).to_contain_text(
        t("%(person)s est maintenant membre de l'association.") % {"person": TREASURER}
    )
    j.check("members, request accepted")
    association = Association.objects.get()
    assert set(association.memberships.values_list("user__email", flat=True)) == {EMAIL, TREASURER}

    # Her account page, from the header (behind the menu on a phone).
    j.open_menu()
    page.get_by_role("link", name=re.compile(t("Mon compte"))).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Mon compte"))
    j.check("account")
    page.goto(live_server.url + "/space/")

    # Apply, with a mistake: the split does not add up. The PDFs chosen are kept, not chosen again.
    page.get_by_role("link", name=t("Candidater à « %(name)s »") % {"name": campaign.name}).click()
    j.check("application form")
    f(Application, "requested_quantity").fill("20")
    f(Application, "public_use_quantity").fill("3")
    f(Application, "admin_use_quantity").fill("4")
    f(Application, "project").fill(
        "Ateliers d'initiation au numérique pour les seniors, 8 personnes par séance, le mardi et le jeudi."
    )
    f(Application, "has_premises").check()
    f(Application, "has_internet").check()
    f(Application, "statutes").set_input_files(str(documents["statuts.pdf"]))
    f(Application, "activity_report").set_input_files(str(documents["rapport.pdf"]))
    consent = t("J'accepte que les informations de cette candidature soient traitées pour la campagne, selon la")
    page.get_by_label(re.compile(re.escape(consent))).check()
    page.get_by_role("button", name=t("Déposer la candidature")).click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(
        t("La répartition (%(public)s + %(admin)s) doit faire le total demandé (%(requested)s).")
        % {"public": 3, "admin": 4, "requested": 20}
    )
    expect(page.locator("#id_statutes_held")).to_contain_text("statuts.pdf")
    expect(page.locator("#id_activity_report_held")).to_contain_text("rapport.pdf")
    j.check("application form, refused")
    f(Application, "public_use_quantity").fill("16")
    page.get_by_label(re.compile(re.escape(consent))).check()
    page.get_by_role("button", name=t("Déposer la candidature")).click()
    expect(
        page.get_by_text(t("Votre candidature est déposée. Un e-mail de confirmation vous a été envoyé."))
    ).to_be_visible()
    j.check("application, submitted")
    application = Application.objects.get()
    assert application.status == Application.Status.SUBMITTED
    assert application.statutes.read() == documents["statuts.pdf"].read_bytes()

    # The team asks a question; the association answers it with the document asked for.
    question = "Bonjour, pouvez-vous nous envoyer le récépissé de déclaration en préfecture ?"
    application_services.application_request_info(application=application, by=team["reviewer"], message=question)
    j.goto("/space/", "space, a question to answer")
    todo = page.locator("section[aria-labelledby=a-faire]")
    expect(todo.get_by_role("heading", name=t("Répondre à la question de l'équipe de la ville"))).to_be_visible()
    expect(todo).to_contain_text(question)
    todo.get_by_role("link", name=re.compile(t("Répondre"))).click()
    expect(page.locator("#question-block")).to_contain_text(question)
    j.check("application, question asked")
    page.get_by_label(t("Votre message")).fill("Bonjour, le voici. Bonne journée, Fatou.")
    page.get_by_label(t("Pièce jointe (facultatif)")).set_input_files(str(documents["recepisse.pdf"]))
    page.get_by_role("button", name=t("Envoyer ma réponse")).click()
    expect(page.get_by_text(t("Votre message est envoyé à l'équipe de la ville."))).to_be_visible()
    j.check("application, answered")
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    answer = application.messages.get(from_staff=False)
    assert answer.attachment_name == "recepisse.pdf"

    # Approved; the manager plans and confirms a wave, which proposes a handover slot.
    application_services.application_approve(application=application, granted=GRANTED, by=team["reviewer"])
    today = timezone.localdate()
    monday = today + datetime.timedelta(days=14 - today.weekday())
    wave = WaveFactory(
        campaign=campaign,
        number=1,
        capacity=GRANTED,
        handover_starts_on=monday,
        handover_ends_on=monday,
        opening_hours="09:00-11:00",
        slot_minutes=60,
        desk_capacity=1,
    )
    ready_computers(GRANTED)
    donation_services.wave_plan(wave=wave, by=team["manager"])
    donation_services.wave_confirm(wave=wave, by=team["manager"])
    allocation = Allocation.objects.get(application=application)
    assert allocation.quantity == GRANTED

    # The association sees what comes next in its space; the slot proposed does not suit it: it picks a free one.
    j.goto("/space/", "space, allocation confirmed")
    expect(todo.get_by_role("heading", name=t("Confirmer le rendez-vous de remise"))).to_be_visible()
    j.shot("space-home")
    allocation.refresh_from_db()
    proposed = allocation.appointment_start
    assert allocation.appointment_status == Allocation.Appointment.PROPOSED
    page.goto(live_server.url + application.get_absolute_url())
    j.check("application, appointment proposed")
    page.get_by_role("link", name=t("Choisir un autre créneau")).click()
    expect(page.get_by_role("heading", name=t("Choisir mon créneau de remise"))).to_be_visible()
    j.check("slot picker")
    free = page.locator("input[name=slot]:not(:checked)").first.get_attribute("id")
    page.locator(f"label[for='{free}']").click()
    page.get_by_role("button", name=t("Réserver ce créneau")).click()
    expect(page.locator(".messages")).to_contain_text(
        t("Créneau réservé. Le rendez-vous vous est envoyé par e-mail, avec le fichier pour votre agenda.")
    )
    j.check("application, slot picked")
    allocation.refresh_from_db()
    assert allocation.appointment_status == Allocation.Appointment.ACCEPTED
    assert allocation.appointment_start != proposed

    # The certificate to sign is ready (rendered by the service); the association downloads it.
    handover = Handover.objects.get(allocation=allocation)
    handover_render(handover_id=handover.pk)
    j.goto("/space/certificates/", "certificates")
    download = page.locator("main").get_by_role("link", name=re.compile(t("Télécharger l'attestation"))).first
    response = context.request.get(live_server.url + download.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    # Anyone can check the certificate from its QR code (the public verification page).
    j.goto(handover.get_verify_url(), "certificate verification")
    expect(page.locator("main")).to_contain_text(handover.number)

    # Handed over at the desk; the first impact report is owed, filled with a decimal number of hours.
    donation_services.allocation_hand_over(allocation=allocation, by=team["desk"])
    impact_services.impact_reports_schedule(today=timezone.localdate(), campaign=campaign)
    report = ImpactReport.objects.get(association=application.association)
    j.goto("/space/", "space, a report to fill")
    expect(todo.get_by_role("heading", name=t("Remplir le bilan d'impact"))).to_be_visible()
    todo.get_by_role("link", name=re.compile(t("Remplir le bilan"))).click()
    j.check("report form")
    f(ImpactReport, "workshops_held").fill("6")
    hours = "12,5" if lang == "fr" else "12.5"
    f(ImpactReport, "workshop_hours").fill(hours)
    f(ImpactReport, "people_trained").fill("40")
    page.get_by_role("button", name=t("Envoyer le bilan")).click()
    expect(page.locator(".messages")).to_contain_text(t("Merci ! Votre bilan est envoyé à l'équipe de la campagne."))
    j.check("reports, one sent")
    report.refresh_from_db()
    assert report.workshop_hours == Decimal("12.5")
    assert report.is_editable is False
    page.locator(f"main a[href='{report.get_absolute_url()}']").click()
    expect(page.locator("main")).to_contain_text("12,5 h" if lang == "fr" else "12.5 h")
    j.check("report, sent")

    # A mistake noticed after sending: the association asks to reopen the report, saying why.
    reason = "Nous avons oublié les ateliers du samedi : 2 ateliers, 9 personnes de plus."
    page.get_by_label(t("Ce que vous voulez corriger")).fill(reason)
    page.get_by_role("button", name=t("Demander une correction")).click()
    expect(page.locator(".messages")).to_contain_text(
        t("Votre demande de correction est envoyée à l'équipe de la campagne : vous recevrez sa réponse par e-mail.")
    )
    expect(page.get_by_role("heading", name=t("Correction demandée"))).to_be_visible()
    j.check("report, reopening asked")
    report.refresh_from_db()
    assert (report.status, report.reopen_reason) == (ImpactReport.Status.REOPEN_REQUESTED, reason)

    # Nothing waits for the association any more.
    j.goto("/space/", "space, nothing to do")
    nothing = t("Rien ne vous attend pour le moment. Nous vous écrirons dès qu'il y aura quelque chose à faire.")
    expect(todo).to_contain_text(nothing)

    context.close()
    print(f"{screen}/{lang}: {len(j.checked)} pages checked")
    assert not j.problems, "\n".join(j.problems)
