"""The handover desk on a tablet (landscape 1024x768 and portrait 768x1024, touch screen): print a wave, record
three handovers with the signature pads. Checks the layout (no horizontal scroll, no side menu, pads and the submit
button reachable, every touch target at least 44x44 px) and counts what the journey costs: page loads and
interactions (taps, strokes). Before the desk was reworked the same journey took 9 page loads and 16 interactions.

Screenshots go to ``$DESK_SHOTS`` when it is set (``DESK_SHOTS=/tmp/shots-desk``).
"""

from __future__ import annotations

import datetime
import io
import os
import re
from dataclasses import dataclass, field

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from certificates import services
from certificates.models import Handover
from donations.models import Allocation
from tests.e2e.staff import sign_in_to_the_admin, with_password_and_totp
from tests.factories.certificates import confirmed_wave, desk_operator

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
TABLETS = {"landscape": (1024, 768), "portrait": (768, 1024)}
MAX_PAGE_LOADS = 8
MAX_INTERACTIONS = 12
MIN_TARGET = 44

# Everything a finger can hit in the desk's content (the admin's header and breadcrumbs are the admin's own).
TARGETS_JS = """
() => {
  const root = document.querySelector('#content');
  const seen = new Set();
  const small = [];
  for (const el of root.querySelectorAll('a[href], button, input, select, textarea, summary, label')) {
    let target = el;
    if (el.matches('input[type=hidden]')) continue;
    // A box or radio is hit through its label.
    if (el.matches('input[type=checkbox], input[type=radio]') && el.closest('label')) target = el.closest('label');
    if (el.matches('label') && !el.querySelector('input')) continue;  // a caption, not a target
    if (seen.has(target)) continue;
    seen.add(target);
    const style = getComputedStyle(target);
    if (style.display === 'none' || style.visibility === 'hidden' || target.closest('[hidden]')) continue;
    if (target.closest('details:not([open])') && !target.matches('summary')) continue;
    const box = target.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.width < %(min)d - 0.5 || box.height < %(min)d - 0.5) {
      const text = (target.innerText || target.value || target.name || '').trim().slice(0, 40);
      small.push(`${target.tagName.toLowerCase()} "${text}" ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}
""".replace("%(min)d", str(MIN_TARGET))


@dataclass
class Journey:
    page: object
    loads: list[str] = field(default_factory=list)
    interactions: int = 0

    def tap(self, locator) -> None:
        self.interactions += 1
        locator.tap()

    def sign(self, canvas) -> None:
        """One stroke of a finger across the pad (real touch events through the DevTools protocol)."""
        self.interactions += 1
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        session = self.page.context.new_cdp_session(self.page)
        points = [
            (box["x"] + box["width"] * f, box["y"] + box["height"] * (0.3 + 0.4 * (i % 2)))
            for i, f in enumerate((0.15, 0.3, 0.45, 0.6, 0.75))
        ]
        session.send(
            "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": points[0][0], "y": points[0][1]}]}
        )
        for x, y in points[1:]:
            session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
            self.page.wait_for_timeout(30)
        # The finger rests before lifting, as a hand does: a stroke ending at full speed reads as a fling, and
        # Chromium then swallows the next tap (the one that would stop the fling).
        self.page.wait_for_timeout(150)
        session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
        session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        session.detach()


def shot(page, name: str) -> None:
    folder = os.environ.get("DESK_SHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def check_tablet_layout(page, label: str) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{label}: {overflow} px of horizontal scroll"
    assert page.locator("#nav-sidebar").count() == 0, f"{label}: the admin's side menu is shown"
    small = page.evaluate(TARGETS_JS)
    assert not small, f"{label}: touch targets under {MIN_TARGET} px: {small}"


@pytest.fixture
def desk_wave(db):
    """A confirmed wave of four associations: three appointments today (9:00, 9:30, 10:00), one tomorrow;
    every certificate rendered, ready to print."""
    wave = confirmed_wave(4, 10)
    today = timezone.localdate()
    slots = [
        (today, datetime.time(10, 0)),
        (today, datetime.time(9, 0)),
        (today + datetime.timedelta(days=1), datetime.time(9, 0)),
        (today, datetime.time(9, 30)),
    ]
    allocations = list(wave.allocations.order_by("position", "pk"))
    for allocation, (day, start) in zip(allocations, slots, strict=True):
        end = (datetime.datetime.combine(day, start) + datetime.timedelta(minutes=30)).time()
        Allocation.objects.filter(pk=allocation.pk).update(
            appointment_date=day, appointment_start=start, appointment_end=end
        )
    for handover in Handover.objects.filter(wave=wave):
        services.handover_render(handover_id=handover.pk)
    order = [allocations[1], allocations[3], allocations[0], allocations[2]]  # 9:00, 9:30, 10:00, tomorrow
    return wave, [a.application.association.legal_name for a in order]


@pytest.fixture
def desk_user(db):
    return with_password_and_totp(
        desk_operator(email="guichet@ville.example.org", first_name="Denise", last_name="Guichet")
    )


@pytest.mark.parametrize("orientation", TABLETS)
def test_print_a_wave_and_record_three_handovers_on_a_tablet(browser, live_server, desk_wave, desk_user, orientation):
    wave, names = desk_wave
    width, height = TABLETS[orientation]
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=True, is_mobile=False)
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in_to_the_admin(page, live_server, desk_user)

    journey = Journey(page)
    page.on("framenavigated", lambda frame: frame == page.main_frame and journey.loads.append(frame.url))
    context.on("page", lambda popup: journey.loads.append("popup"))

    # The desk's index, then the wave: today's appointments in time order.
    page.goto(f"{live_server.url}/admin/certificates/handover/desk/")
    check_tablet_layout(page, f"desk index {orientation}")
    shot(page, f"desk-index-{orientation}")
    journey.tap(page.get_by_role("link", name=str(wave)))
    expect(page.get_by_role("heading", name=re.compile("Guichet d'impression"))).to_be_visible()
    rows = page.locator("table.cert-table tbody tr:not(.cert-day) td.cert-assoc")
    expect(rows).to_have_count(3)
    assert [text.strip() for text in rows.all_inner_texts()] == names[:3]
    check_tablet_layout(page, f"desk {orientation}")
    shot(page, f"desk-{orientation}")

    # Print all: one PDF, two copies of each certificate.
    with context.expect_page() as popup:
        journey.tap(page.get_by_role("button", name="Imprimer toutes les attestations (PDF)"))
    popup.value.close()
    response = page.request.get(f"{live_server.url}/admin/certificates/handover/desk/{wave.pk}/print/?copies=2&sides=2")
    assert response.ok
    pages = len(PdfReader(io.BytesIO(response.body())).pages)
    singles = sum(h.page_count + h.page_count % 2 for h in Handover.objects.filter(wave=wave))
    assert pages == 2 * singles

    # Three handovers: the next appointment, two strokes on the pads, record; the next one comes up by itself.
    journey.tap(page.get_by_role("link", name=re.compile("^Rendez-vous suivant")))
    for index, name in enumerate(names[:3]):
        expect(page.get_by_role("heading", name=re.compile(re.escape(name)))).to_be_visible()
        pads = page.locator("canvas.cert-canvas")
        expect(pads).to_have_count(2)
        if index == 0:
            check_tablet_layout(page, f"record {orientation}")
            for pad in pads.all():  # both pads fit in the screen's width, fully
                box = pad.bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= width
            shot(page, f"record-{orientation}")
        journey.sign(pads.nth(0))
        journey.sign(pads.nth(1))
        expect(page.locator("[data-signature-pad].signed")).to_have_count(2)
        if index == 0:
            shot(page, f"record-signed-{orientation}")
        submit = page.get_by_role("button", name="Enregistrer la remise signée")
        submit.scroll_into_view_if_needed()
        assert submit.is_visible()
        with page.expect_navigation(timeout=30000):  # the signed certificate renders in-process (eager tasks)
            journey.tap(submit)
        expect(page.locator(".messagelist .success")).to_contain_text(name)

    # After the third, the fourth association (tomorrow) comes up, with the early confirmation to tick.
    expect(page.get_by_role("heading", name=re.compile(re.escape(names[3])))).to_be_visible()
    expect(page.get_by_label(re.compile("avant la date de son rendez-vous"))).to_be_visible()
    check_tablet_layout(page, f"record early {orientation}")
    shot(page, f"record-next-{orientation}")

    signed = Handover.objects.filter(wave=wave, signed_at__isnull=False)
    assert sorted(h.allocation.application.association.legal_name for h in signed) == sorted(names[:3])
    print(f"{orientation}: {len(journey.loads)} page loads, {journey.interactions} interactions: {journey.loads}")
    assert len(journey.loads) <= MAX_PAGE_LOADS, journey.loads
    assert journey.interactions <= MAX_INTERACTIONS
    context.close()
