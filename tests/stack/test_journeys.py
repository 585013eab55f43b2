"""The main journeys on the real stack: gunicorn, a Celery worker and beat, PostgreSQL and Redis.

Run by scripts/stack-e2e.sh on a freshly seeded demo (``seed_demo --force``). Through the UI only: the
association signs up and applies, a reviewer approves, the campaign manager confirms wave 2, the
worker renders its certificates, the desk hands one over with on-screen signatures and the public
page verifies it; a donor's person downloads the traceability report of a lot, rendered by the worker;
and beat keeps sending the periodic sweeps, which the worker runs.
Each test stands alone; the reviewer's test reuses the application of the first when it ran.
"""

import hashlib
import io
import re
import secrets
import time

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from stdnum import luhn

from tests.e2e.application_form import fill_and_submit_application
from tests.factories.associations import make_pdf_bytes
from tests.stack.conftest import body_of, confirm_wave, log_in, open_desk, open_wave_plan, wait_until

pytestmark = pytest.mark.e2e

PASSWORD = "motdepasse-solide-42"
RENDER_TIMEOUT_MS = 90_000  # wave 2's certificates, rendered by the worker on a busy 2-core machine


def random_siret() -> str:
    """A valid SIRET that the demo's (all starting with 7) cannot take."""
    siren = "8" + "".join(secrets.choice("0123456789") for _ in range(7))
    siren += luhn.calc_check_digit(siren)
    base = siren + "0001"
    return base + luhn.calc_check_digit(base)


def sign_pad(page, pad) -> None:
    """Draw a stroke with the mouse in a signature pad, as a finger or a pen would."""
    canvas = pad.locator("canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = box["x"] + box["width"] * 0.15, box["y"] + box["height"] * 0.6
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 13):
        page.mouse.move(x + i * box["width"] * 0.055, y - (20 if i % 2 else -10), steps=2)
    page.mouse.up()
    expect(pad.locator("[data-signature-status]")).to_have_text("Signé")


def fetch_pdf(page, href: str) -> bytes:
    """Download a PDF with the page's session (its cookies), as the browser's link would."""
    response = page.request.get(href)
    assert response.ok, f"{href}: {response.status}"
    assert response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF-"), body[:40]
    return body


def pdf_text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


# a) A new association signs up, confirms its email, registers and applies ---------------------------

_applied: dict = {}


def apply_as_new_association(page, wait_for_email, tmp_path, stack_url: str) -> dict:
    token = secrets.token_hex(3)
    member_email = f"presidente-{token}@connexions.example.org"
    association_name = f"Connexions Solidaires {token}"
    statutes, report = tmp_path / "statuts.pdf", tmp_path / "rapport.pdf"
    statutes.write_bytes(make_pdf_bytes("Statuts"))
    report.write_bytes(make_pdf_bytes("Rapport"))

    page.goto("/")
    expect(page.get_by_role("heading", name="1000 ordinateurs pour les associations marseillaises")).to_be_visible()
    page.get_by_role("link", name="Créer un compte pour candidater").click()
    page.get_by_label("Courriel").fill(member_email)
    page.get_by_label("Mot de passe*", exact=True).fill(PASSWORD)
    page.get_by_label("Mot de passe (confirmation)").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Création de compte").click()
    expect(page.get_by_role("heading", name=re.compile("Vérifiez votre adresse"))).to_be_visible()

    # The confirmation email, written by gunicorn's process to the file backend.
    message = wait_for_email(to=member_email, body="/accounts/confirm-email/")
    confirm_url = re.search(r"https?://\S+/accounts/confirm-email/\S+", body_of(message)).group(0)
    assert confirm_url.startswith(f"{stack_url}/accounts/confirm-email/"), confirm_url
    page.goto(confirm_url)
    page.locator("main").get_by_role("button", name="Confirmer").click()

    page.goto("/space/")
    page.get_by_role("link", name="Inscrire mon association").click()
    page.get_by_label("Nom de l'association").fill(association_name)
    page.get_by_label("Numéro SIRET").fill(random_siret())
    page.get_by_label(re.compile(r"^\s*Adresse\W*$")).fill("3 boulevard National")
    page.get_by_label("Code postal").fill("13003")
    page.get_by_label("Ville").fill("Marseille")
    page.get_by_label("Lutte contre l'illectronisme").check()
    page.get_by_label("Personnes accompagnées par an").fill("300")
    page.get_by_label("Personne à contacter").fill("Fatou Diallo")
    page.get_by_label("E-mail de contact").fill(f"fatou-{token}@connexions.example.org")
    page.get_by_role("button", name="Inscrire l'association").click()
    expect(page.get_by_text("Votre association est inscrite")).to_be_visible()

    # Marseille's campaign (the Lyon one is open too since the organisers: Marseille's reviewer decides below).
    page.get_by_role(
        "link", name=re.compile("Candidater à « 1000 ordinateurs pour les associations marseillaises")
    ).click()
    fill_and_submit_application(page, statutes, report)
    expect(page.get_by_text("Votre candidature est déposée")).to_be_visible()
    expect(page.get_by_text("En cours d'examen").first).to_be_visible()
    return {"email": member_email, "association": association_name, "application_url": page.url}


def test_new_association_signs_up_confirms_its_email_and_applies(open_page, wait_for_email, tmp_path, stack_url):
    page = open_page()
    applied = apply_as_new_association(page, wait_for_email, tmp_path, stack_url)
    assert re.search(r"/space/applications/\d+/$", applied["application_url"]), applied["application_url"]
    # The application is in the association's space after a new login, with its two documents.
    page.context.clear_cookies()
    log_in(page, applied["email"], PASSWORD)
    page.goto("/space/")
    expect(page.locator("#mes-candidatures + ul").get_by_text(applied["association"])).to_be_visible()
    page.goto(applied["application_url"])
    expect(page.get_by_text("En cours d'examen").first).to_be_visible()
    _applied.update(applied)


# b) A reviewer approves it in the admin; the association sees it and gets the email -------------------


@pytest.fixture
def applied(open_page, wait_for_email, tmp_path, stack_url) -> dict:
    if not _applied:  # run alone: apply first
        _applied.update(apply_as_new_association(open_page(), wait_for_email, tmp_path, stack_url))
    return dict(_applied)


def test_reviewer_approves_and_the_association_sees_it(applied, open_page, wait_for_email):
    staff = open_page()
    log_in(staff, "reviewer@demo.test", admin=True)
    staff.goto("/admin/associations/application/")
    staff.locator("#searchbar").fill(applied["email"])
    staff.locator("#searchbar").press("Enter")
    staff.locator("#result_list").get_by_role("link", name=applied["association"]).click()
    staff.get_by_role("link", name="Accepter").click()
    staff.get_by_label(re.compile("accordés", re.I)).fill("18")
    staff.get_by_role("button", name=re.compile("Accepter")).click()
    expect(staff.locator(".messagelist")).to_be_visible()

    association = open_page()
    log_in(association, applied["email"], PASSWORD)
    association.goto(applied["application_url"])
    expect(association.get_by_text("Candidature acceptée : 18 ordinateurs accordés.")).to_be_visible()
    association.goto("/space/")
    expect(association.get_by_text(re.compile(r"^18 ordinateurs accordés"))).to_be_visible()

    # The decision's email, sent by the Celery worker after the commit.
    message = wait_for_email(to=applied["email"], subject="Candidature acceptée")
    assert "18" in body_of(message)


# c) The manager confirms wave 2; the worker renders; the desk hands over; the public page verifies -----


def test_wave_confirmed_rendered_by_the_worker_handed_over_and_verified(open_page):
    manager = open_page()
    log_in(manager, "manager@demo.test", admin=True)
    open_wave_plan(manager, "Vague 2 – Deuxième distribution")
    rows = manager.locator("form tbody tr")
    expect(rows.first).to_be_visible()
    manager.get_by_role("link", name="Confirmer la vague…").click()
    count = confirm_wave(manager)
    assert count > 0

    # The print desk follows the worker's renders (its progress bar polls, then the page reloads).
    desk = open_page()
    open_desk(desk, "Vague 2 – Deuxième distribution")
    started = time.monotonic()
    expect(desk.locator("#content-main[data-done=true]")).to_be_attached(timeout=RENDER_TIMEOUT_MS)
    expect(desk.locator('[data-count="ready"]')).to_have_text(str(count))
    expect(desk.locator('[data-count="failed"]')).to_have_text("0")
    print(f"wave 2: {count} certificates ready {time.monotonic() - started:.1f} s after the desk opened")

    # Print one certificate: a real PDF, with its number.
    row = desk.locator("tr[data-handover-id]").filter(has=desk.get_by_role("link", name="Enregistrer la remise")).first
    number = row.locator("td").nth(3).inner_text().strip()
    assert re.fullmatch(r"MARSEILLE-2026-V2-\d{3}", number), number
    unsigned = fetch_pdf(desk, row.get_by_role("link", name="Imprimer").get_attribute("href"))
    assert number in pdf_text(unsigned)

    # Record the handover with both signatures drawn on screen.
    row.get_by_role("link", name="Enregistrer la remise").click()
    pads = desk.locator("[data-signature-pad]")
    expect(pads).to_have_count(2)
    sign_pad(desk, pads.nth(0))
    sign_pad(desk, pads.nth(1))
    # The demo's wave 2 appointments are later than today: the desk confirms an early handover.
    early = desk.get_by_label(re.compile("L'association vient avant la date de son rendez-vous"))
    if early.count():
        early.check()
    desk.get_by_role("button", name="Enregistrer la remise signée").click()
    expect(desk.locator(".messagelist .success")).to_contain_text("Remise enregistrée")
    # The desk moves on to the next appointment; back to the desk's list to follow the signed certificate.
    desk.get_by_role("link", name="Retour au guichet").click()

    # The worker renders the signed certificate; the desk shows it signed, with its PDF.
    row = desk.locator("tr[data-handover-id]").filter(has_text=number)
    expect(row.locator("[data-state]")).to_have_text("Signée", timeout=RENDER_TIMEOUT_MS)
    signed = fetch_pdf(desk, row.get_by_role("link", name="PDF signé").get_attribute("href"))
    assert number in pdf_text(signed)
    assert signed != unsigned

    # The certificate's page gives its public verification address (the one in the QR code).
    row.get_by_role("link", name=number).click()
    verify_href = desk.locator('a[href^="/verify/"]').get_attribute("href")
    assert re.fullmatch(r"/verify/[\w-]+/", verify_href), verify_href

    # Anyone, not logged in, sees it signed, with the checksum of the signed PDF just downloaded.
    public = open_page()
    public.goto(verify_href)
    expect(public.get_by_text("Attestation authentique et signée.")).to_be_visible()
    expect(public.get_by_text(number)).to_be_visible()
    expect(public.locator("code.checksum").first).to_have_text(hashlib.sha256(signed).hexdigest())


# c') A donor asks for the traceability report of one of its lots; the worker renders it ---------------------


def test_donor_downloads_its_traceability_report_rendered_by_the_worker(open_page):
    donor = open_page()
    log_in(donor, "donor@demo.test")
    donor.goto("/donor/")
    donor.get_by_role("link", name="Vos documents : rapports de traçabilité").click()
    ask = donor.get_by_role("button", name=re.compile("Demander le rapport du lot ")).first
    reference = ask.inner_text().rsplit(" ", 1)[-1]
    ask.click()
    expect(donor.get_by_text("Document demandé")).to_be_visible()
    # The worker renders it: the page shows the download link once it is ready (reloaded as a person would).
    link = donor.get_by_role("link", name=re.compile(r"Télécharger \(PDF"))

    def ready():
        donor.reload()
        return link.count() > 0

    wait_until(ready, timeout=RENDER_TIMEOUT_MS / 1000, interval=2, what="the worker to render the report")
    text = pdf_text(fetch_pdf(donor, link.first.get_attribute("href")))
    assert "Rapport de traçabilité" in text and reference in text
    assert "NIST SP 800-88" in text and "estimation" in text


# d) Beat is alive: it sends the periodic sweep, and the worker runs it ------------------------------------


def test_beat_sends_the_sweep_and_the_worker_runs_it(log_dir):
    beat_log, worker_log = log_dir / "beat.log", log_dir / "worker.log"
    sent = re.compile(r"Sending due task certificates-sweep \(certificates\.tasks\.sweep_handovers\)")
    ran = re.compile(r"Task certificates\.tasks\.sweep_handovers\[[\w-]+\] succeeded")
    # CERTIFICATES_SWEEP_SECONDS=5 in the script: two sends within 30 s prove beat keeps its schedule.
    wait_until(lambda: len(sent.findall(beat_log.read_text())) >= 2, timeout=30, what="beat to send the sweep twice")
    wait_until(lambda: ran.search(worker_log.read_text()), timeout=30, what="the worker to run the sweep")
    # The donor documents' sweep is on the same schedule.
    documents = re.compile(r"Task impact\.tasks\.sweep_donor_documents\[[\w-]+\] succeeded")
    wait_until(lambda: documents.search(worker_log.read_text()), timeout=30, what="the donor documents' sweep")


# e) What the production stack answers to a scanner ------------------------------------------------------


def test_no_server_banner_and_no_trace(stack_url):
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(stack_url)
    for method in ("GET", "TRACE"):
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        connection.request(method, "/")
        response = connection.getresponse()
        response.read()
        assert response.getheader("Server") is None, response.getheaders()
        assert response.status == (200 if method == "GET" else 405)
        connection.close()
