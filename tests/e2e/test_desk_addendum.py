"""The desk has the addendum of a replacement signed on the pads, on its tablet (1024x768, touch screen), as a
handover certificate; the association then downloads the signed addendum from its ticket.

Screenshots go to ``$DESK_SHOTS`` when it is set (``DESK_SHOTS=/tmp/shots-desk``).
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.services import user_add_totp
from support import services
from support.models import Addendum
from tests.e2e.sign_in import sign_in
from tests.e2e.staff import PASSWORD, TOTP_SECRET, sign_in_to_the_admin
from tests.e2e.test_desk_journey import Journey, check_tablet_layout, shot
from tests.factories.certificates import desk_operator
from tests.factories.inventory import ready_computers, stock_operator
from tests.factories.support import handed_over

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
MEMBER_PASSWORD = "motdepasse-solide-42"


def test_the_desk_has_an_addendum_signed_on_the_pads_of_its_tablet(browser, live_server):
    given = handed_over(10, handed_over_on=timezone.localdate(), member_email="tresoriere@asso-quartiers.example.org")
    ticket = services.ticket_report(
        by=given.member, computer_id=given.computers[2].pk, description="L'écran reste noir au démarrage."
    )
    (spare,) = ready_computers(1)
    ticket = services.ticket_replace(ticket=ticket, by=stock_operator(), replacement_id=spare.pk)  # renders the PDF
    addendum = Addendum.objects.get(ticket=ticket)
    assert addendum.pdf
    desk = desk_operator(email="guichet@ville.example.org", first_name="Denise", last_name="Guichet")
    desk.set_password(PASSWORD)
    desk.save()
    user_add_totp(user=desk, secret=TOTP_SECRET)

    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True, is_mobile=False)
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in_to_the_admin(page, live_server, desk)
    journey = Journey(page)

    # From the print desk to the addenda to sign, then the pads.
    page.goto(f"{live_server.url}/admin/certificates/handover/desk/")
    journey.tap(page.get_by_role("link", name=re.compile("Avenants à signer")))
    expect(page.get_by_role("heading", name="Avenants à signer au guichet")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(re.escape(addendum.number)))).to_be_visible()
    check_tablet_layout(page, "addenda")
    shot(page, "addenda-1024")
    journey.tap(page.get_by_role("link", name="Faire signer"))
    expect(page.get_by_role("heading", name=f"Faire signer l'avenant {addendum.number}")).to_be_visible()
    expect(page.get_by_text(spare.asset_tag).first).to_be_visible()
    check_tablet_layout(page, "sign")
    pads = page.locator("canvas.cert-canvas")
    expect(pads).to_have_count(2)
    for pad in pads.all():  # both pads fit in the screen's width, fully
        box = pad.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1024
    shot(page, "sign-1024")

    # Recorded without the signatures: refused, nothing written.
    page.get_by_label("Nom du représentant de l'association").fill("Nadia Benali")
    submit = page.get_by_role("button", name="Enregistrer l’avenant signé")
    journey.tap(submit)
    expect(page.get_by_text("Corrigez les erreurs ci-dessous : rien n'a été enregistré.")).to_be_visible()
    expect(page.get_by_text("Faites signer le représentant de l'association.")).to_be_visible()
    assert Addendum.objects.get(pk=addendum.pk).signed_at is None

    pads = page.locator("canvas.cert-canvas")
    journey.sign(pads.nth(0))
    journey.sign(pads.nth(1))
    expect(page.locator("[data-signature-pad].signed")).to_have_count(2)
    shot(page, "sign-signed-1024")
    submit = page.get_by_role("button", name="Enregistrer l’avenant signé")
    submit.scroll_into_view_if_needed()
    journey.tap(submit)
    expect(page.get_by_text(re.compile(f"Avenant {re.escape(addendum.number)} signé"))).to_be_visible()
    check_tablet_layout(page, "addenda after signing")
    addendum.refresh_from_db()
    assert addendum.signed_at and addendum.signed_by_name == "Nadia Benali" and addendum.operator == desk
    assert addendum.signed_pdf  # rendered by the task after commit (eager in the tests)
    expect(page.get_by_text("Aucun avenant à signer.")).to_be_visible()
    context.close()

    # The association's ticket shows the signed addendum; its PDF is the one with the signatures.
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, live_server, given.member.email, password=MEMBER_PASSWORD, lands_on="/space/")
    page.goto(f"{live_server.url}{ticket.get_absolute_url()}")
    link = page.get_by_role("link", name="Télécharger l'avenant signé")
    expect(link).to_be_visible()
    expect(page.get_by_text(re.compile("signé par Nadia Benali"))).to_be_visible()
    shot(page, "ticket-signed-addendum-390")
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body() == addendum.signed_pdf.open("rb").read()
    context.close()
