"""An association reports a faulty unit from a phone (390 px): its space, the report with a photo, the team's
question and its answer. No page is wider than the screen, and axe finds no serious problem.

``SUPPORT_SHOTS=dir pytest tests/e2e/test_support_journey.py`` also saves the pages at 390, 768, 1024 and 1440 px.
"""

import functools

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from support import services
from support.models import Ticket
from tests.e2e.sign_in import fits as _fits
from tests.e2e.sign_in import shots, sign_in
from tests.factories.inventory import stock_operator
from tests.factories.support import handed_over, png_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WIDTHS = (390, 768, 1024, 1440)
_shots = functools.partial(shots, folder_variable="SUPPORT_SHOTS", prefix="support", widths=WIDTHS)


def test_an_association_reports_a_faulty_unit_from_a_phone(page, live_server, axe_check):
    # Handed over today: under warranty whatever the day the test runs.
    # A long address, as people have: the site's menu bar (templates/base.html) collapses below 1200 px to fit it.
    given = handed_over(10, handed_over_on=timezone.localdate(), member_email="tresoriere@asso-quartiers.example.org")
    unit = given.computers[3]
    page.set_default_timeout(15000)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, given.member.email, lands_on="/space/")

    page.get_by_role("link", name="Un de vos ordinateurs est en panne ?").click()
    expect(page.get_by_role("heading", name="Un de vos ordinateurs est en panne ?")).to_be_visible()
    _fits(page, "support home")
    axe_check(page, "support home")
    page.get_by_role("link", name="Signaler un ordinateur en panne").click()

    # A first try without a description: a French error, the photo kept.
    page.get_by_label("Quel ordinateur ?").select_option(str(unit.pk))
    page.get_by_label("Photo 1 (facultatif)").set_input_files(
        {"name": "ecran-noir.png", "mimeType": "image/png", "buffer": png_bytes(400, 300)}
    )
    page.get_by_role("button", name="Envoyer le signalement").click()
    expect(page.get_by_text("Décrivez ce qui ne va pas.").first).to_be_visible()
    expect(page.get_by_text("ecran-noir.png")).to_be_visible()
    _fits(page, "report form with errors")
    _shots(page, "form")
    page.get_by_label("Ce qui ne va pas").fill("L'écran reste noir au démarrage, le voyant clignote en orange.")
    page.get_by_role("button", name="Envoyer le signalement").click()

    expect(page.get_by_text("Votre signalement est envoyé à l'équipe du stock.")).to_be_visible()
    expect(page.get_by_text("Signalée, à examiner").first).to_be_visible()
    expect(page.get_by_role("img", name="Photo 1")).to_be_visible()
    ticket = Ticket.objects.get()
    assert ticket.computer == unit and ticket.photos.count() == 1
    _fits(page, "ticket")
    axe_check(page, "ticket")

    # The stock team asks a question; the association answers from its phone.
    services.ticket_ask(ticket=ticket, by=stock_operator(), question="Le voyant est-il orange fixe ou clignotant ?")
    page.reload()
    expect(page.get_by_role("heading", name="L'équipe du stock vous pose une question")).to_be_visible()
    _shots(page, "ticket")
    page.get_by_label("Votre réponse").fill("Clignotant, trois fois puis une pause.")
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.get_by_text("Votre message est envoyé à l'équipe du stock.")).to_be_visible()
    expect(page.get_by_text("Clignotant, trois fois puis une pause.")).to_be_visible()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW

    page.goto(f"{live_server.url}/space/support/")
    expect(page.get_by_role("link", name=f"{unit.asset_tag} – {unit.manufacturer} {unit.model}")).to_be_visible()
    _fits(page, "support home with a ticket")
    _shots(page, "home")
