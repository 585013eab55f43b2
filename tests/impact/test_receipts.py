"""In-kind gift receipts after Cerfa n° 16216 (issue 16): eligibility, the donor's declared value, issuing,
numbering (also concurrently, on PostgreSQL), the PDF, access per role and organiser, query counts."""

import datetime
import subprocess
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from core.errors import DomainError
from impact import receipt_selectors as selectors
from impact import receipts as services
from impact.models import LotValuation, Receipt, ReceiptEligibility, ReceiptEvent
from inventory.models import Computer, Lot
from tests.factories.accounts import staff_with_role
from tests.factories.associations import member_of
from tests.factories.campaigns import DonorFactory, lyon
from tests.factories.donors import donor_member
from tests.factories.support import clock_and_handover, handed_over
from tests.threads import run_together

NOW = datetime.datetime(2027, 3, 10, 11, 0, tzinfo=datetime.UTC)
HANDED_OVER_ON = datetime.date(2027, 3, 2)
YEAR = 2027
clock, given = clock_and_handover(NOW, HANDED_OVER_ON)  # one Orange lot of 10 units


def lot_of(given) -> Lot:
    return given.computers[0].lot


def eligible(given):
    return services.receipt_eligibility_declare(association=given.association, by=given.member)


def valued(given, value="120"):
    return services.lot_valuation_declare(lot=lot_of(given), unit_value=value, by=None)


def second_donor_lot(given, count: int = 2) -> Lot:
    """Move ``count`` of the association's units into a lot of another donor (same year, same handover)."""
    donor = DonorFactory(name="Entreprise Bis", siret="73282932000074")
    lot = Lot.objects.create(
        organiser=lot_of(given).organiser,
        donor=donor,
        reference="BIS-2027-01",
        arrival_date=HANDED_OVER_ON,
        site="Vitrolles",
    )
    Computer.objects.filter(pk__in=[c.pk for c in given.computers[:count]]).update(lot=lot)
    return lot


# Eligibility --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_receipt_exists_until_the_association_declares_itself_eligible(given):
    valued(given)
    assert selectors.receipt_drafts([given.association.pk]) == []
    with pytest.raises(DomainError, match="n'a pas déclaré"):
        services.receipt_issue(association=given.association, donor=lot_of(given).donor, year=YEAR, by=given.member)
    row = eligible(given)
    assert row.declared_by == given.member and row.declared_at == NOW
    drafts = selectors.receipt_drafts([given.association.pk])
    assert [(d.donor.name, d.year, d.unit_count, d.total) for d in drafts] == [("Orange", YEAR, 10, Decimal("1200.00"))]


@pytest.mark.django_db
def test_the_association_declares_and_withdraws_in_its_space(client, given):
    client.force_login(given.member)
    url = reverse("impact:receipt_eligibility", args=[given.association.pk])
    page = client.post(url, {"basis": "general_interest"})
    assert page.status_code == 400
    assert "Cochez la case pour déclarer" in page.content.decode()
    assert not ReceiptEligibility.objects.exists()
    assert client.post(url, {"eligible": "on", "basis": "general_interest"}).status_code == 302
    assert ReceiptEligibility.objects.get().is_eligible
    page = client.get(url)
    assert "seule responsable de son éligibilité" in page.content.decode()
    assert client.post(url, {"withdraw": "1"}).status_code == 302
    row = ReceiptEligibility.objects.get()
    assert not row.is_eligible and row.withdrawn_by == given.member
    assert selectors.receipt_drafts([given.association.pk]) == []


# The donor's declared value -----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "stored"), [("12,5", "12.50"), ("1 234,50", "1234.50"), ("1\u202f234,5", "1234.50"), ("120", "120.00")]
)
def test_the_donor_declares_a_value_typed_the_french_way(client, given, typed, stored):
    person = donor_member(lot_of(given).donor, email="donateur@orange.example.com")
    client.force_login(person)
    page = client.post(reverse("donors:lot_value", args=[lot_of(given).pk]), {"unit_value": typed})
    assert page.status_code == 302
    valuation = LotValuation.objects.get(lot=lot_of(given))
    assert valuation.unit_value == Decimal(stored)
    assert valuation.declared_by == person and valuation.declared_at == NOW
    assert "Valeur déclarée" in client.get(reverse("donors:space")).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("-3", "ne peut pas être négative"),
        ("1000000", "100 000 € au plus"),
        ("12,555", "au centime près"),
        ("<b>12</b>", "Indiquez une valeur en euros"),
        ("douze", "Indiquez une valeur en euros"),
        ("1" * 400, "100 000 € au plus"),
        ("12\x005", "Indiquez une valeur en euros"),
    ],
)
def test_a_negative_or_absurd_value_is_refused_with_a_french_field_error(client, given, typed, error):
    client.force_login(donor_member(lot_of(given).donor, email="donateur@orange.example.com"))
    page = client.post(reverse("donors:lot_value", args=[lot_of(given).pk]), {"unit_value": typed})
    assert page.status_code == 400
    assert error in page.content.decode()
    assert not LotValuation.objects.exists()


def test_the_service_checks_the_value_too():
    with pytest.raises(ValidationError) as caught:
        services.clean_unit_value(Decimal("-0.01"))
    assert "unit_value" in caught.value.message_dict
    assert services.clean_unit_value("0") == Decimal("0.00")


# Issuing ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_without_a_declared_value_the_receipt_says_so_and_cannot_be_issued(client, given):
    eligible(given)
    client.force_login(given.member)
    url = reverse("impact:receipt", args=[given.association.pk, lot_of(given).donor.pk, YEAR])
    text = client.get(url).content.decode()
    assert "valeur non déclarée par le donateur" in text
    assert "Émettre le reçu" not in text
    page = client.post(url)
    assert page.status_code == 400
    assert "Le donateur doit déclarer" in page.content.decode()
    assert not Receipt.objects.exists()


@pytest.mark.django_db
def test_issuing_twice_gives_one_number_and_numbers_follow_each_other(
    client, given, django_capture_on_commit_callbacks
):
    eligible(given)
    valued(given, "120")
    bis = second_donor_lot(given)
    services.lot_valuation_declare(lot=bis, unit_value="80,5", by=None)
    client.force_login(given.member)
    orange = reverse("impact:receipt", args=[given.association.pk, lot_of(given).donor.pk, YEAR])
    with django_capture_on_commit_callbacks(execute=False):
        assert client.post(orange).status_code == 302
        assert client.post(orange).status_code == 302
        receipt = services.receipt_issue(association=given.association, donor=bis.donor, year=YEAR, by=given.member)
    first = Receipt.objects.get(donor=lot_of(given).donor)
    assert (first.number, first.status, first.unit_count, first.total_value) == (
        "2027-0001",
        "issued",
        8,
        Decimal("960"),
    )
    assert (receipt.number, receipt.total_value) == ("2027-0002", Decimal("161.00"))
    assert Receipt.objects.count() == 2
    assert list(first.events.values_list("kind", "to_status")) == [("created", "draft"), ("status", "issued")]
    # Frozen: a new declared value changes nothing on an issued receipt.
    valued(given, "999")
    first.refresh_from_db()
    assert first.content["gift"]["total"] == "960.00"
    assert first.computers.count() == 8


@pytest.mark.django_db
def test_a_cancelled_receipt_keeps_its_number_and_a_new_one_can_be_issued(given):
    eligible(given)
    valued(given)
    donor = lot_of(given).donor
    receipt = services.receipt_issue(association=given.association, donor=donor, year=YEAR, by=given.member)
    with pytest.raises(ValidationError):
        services.receipt_cancel(receipt=receipt, by=given.member, reason=" ")
    services.receipt_cancel(receipt=receipt, by=given.member, reason="Erreur de donateur")
    again = services.receipt_issue(association=given.association, donor=donor, year=YEAR, by=given.member)
    assert again.pk != receipt.pk and again.number == "2027-0002"


@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_keep_numbers_unique_on_postgresql(clock):
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL only")
    given = handed_over(10, handed_over_on=HANDED_OVER_ON)
    eligible(given)
    valued(given)
    bis = second_donor_lot(given)
    services.lot_valuation_declare(lot=bis, unit_value="50", by=None)
    donors = [lot_of(given).donor, bis.donor, lot_of(given).donor, bis.donor]
    outcomes = run_together(
        [
            lambda donor=donor: services.receipt_issue(
                association=given.association, donor=donor, year=YEAR, by=given.member
            )
            for donor in donors
        ]
    )
    assert [kind for kind, _ in outcomes] == ["ok"] * len(donors), outcomes
    assert sorted(Receipt.objects.values_list("number", flat=True)) == ["2027-0001", "2027-0002"]


# The PDF ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_pdf_carries_the_cerfa_fields_and_the_associations_responsibility(
    given, tmp_path, django_capture_on_commit_callbacks
):
    eligible(given)
    valued(given, "1234,5")
    donor = lot_of(given).donor
    donor.address = "12 rue de la Donation, 75011 Paris"
    donor.save(update_fields=["address"])
    with django_capture_on_commit_callbacks(execute=True):  # the task runs eagerly in the tests
        receipt = services.receipt_issue(
            association=given.association, donor=lot_of(given).donor, year=YEAR, by=given.member
        )
    receipt.refresh_from_db()
    assert receipt.state == "ready" and receipt.pdf_sha256
    assert services.receipt_render(receipt_id=receipt.pk).state == "ready"  # twice: nothing more
    path = tmp_path / "recu.pdf"
    with receipt.pdf.open("rb") as handle:
        path.write_bytes(handle.read())
    text = " ".join(
        subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout.split()
    )
    for expected in (
        "Cerfa n° 16216",
        "2027-0001",
        given.association.legal_name,
        "Orange",
        "12 rue de la Donation, 75011 Paris",
        "Don en nature",
        "2 mars 2027",
        "12 345,00 €",
        "1 234,50 €",
        "200 et 238 bis du CGI",
        "seule responsable de son éligibilité",
        given.computers[0].serial_number,
    ):
        assert " ".join(expected.split()) in text.replace("\u202f", " ").replace("\xa0", " "), expected
    assert list(receipt.events.filter(kind=ReceiptEvent.Kind.STATE).values_list("to_status", flat=True)) == [
        "rendering",
        "ready",
    ]


@pytest.mark.django_db
def test_the_sweep_resends_a_render_lost_with_the_broker(given, django_capture_on_commit_callbacks):
    eligible(given)
    valued(given)
    with django_capture_on_commit_callbacks(execute=False):  # Redis down at commit: nothing sent
        receipt = services.receipt_issue(association=given.association, donor=lot_of(given).donor, year=YEAR, by=None)
    assert Receipt.objects.get().state == "pending"
    assert services.receipts_requeue_stuck(now=NOW) == 0  # queued just now: not stuck yet
    with django_capture_on_commit_callbacks(execute=True):
        assert services.receipts_requeue_stuck(now=NOW + datetime.timedelta(minutes=10)) == 1
    receipt.refresh_from_db()
    assert receipt.state == "ready"


# Access -------------------------------------------------------------------------------------------------------


@pytest.fixture
def issued(given, django_capture_on_commit_callbacks):
    """The association's receipt for Orange, issued and rendered."""
    eligible(given)
    valued(given)
    with django_capture_on_commit_callbacks(execute=True):
        receipt = services.receipt_issue(
            association=given.association, donor=lot_of(given).donor, year=YEAR, by=given.member
        )
    receipt.refresh_from_db()
    return receipt


@pytest.mark.django_db
def test_members_and_the_donor_download_others_get_404(client, given, issued):
    association_pages = [
        reverse("impact:receipt_pdf", args=[issued.pk]),
        reverse("impact:receipt", args=[given.association.pk, issued.donor_id, YEAR]),
        reverse("impact:receipt_eligibility", args=[given.association.pk]),
    ]
    client.force_login(given.member)
    for url in association_pages:
        assert client.get(url).status_code == 200, url
    person = donor_member(issued.donor, email="donateur@orange.example.com")
    client.force_login(person)
    assert client.get(reverse("donors:receipt_pdf", args=[issued.pk])).status_code == 200
    assert "2027-0001" in client.get(reverse("donors:space")).content.decode()
    for url in association_pages:
        assert client.get(url).status_code == 404, url

    other_member = member_of(handed_over(10, handed_over_on=HANDED_OVER_ON).association)
    client.force_login(other_member)
    for url in association_pages:
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("donors:receipt_pdf", args=[issued.pk])).status_code == 404

    other_donor = donor_member(DonorFactory(name="Autre"), email="autre@example.com")
    client.force_login(other_donor)
    assert client.get(reverse("donors:receipt_pdf", args=[issued.pk])).status_code == 404
    assert client.get(reverse("donors:lot_value", args=[lot_of(given).pk])).status_code == 404


@pytest.mark.django_db
def test_marseille_staff_see_the_receipt_and_lyon_staff_get_404(client, issued):
    marseille = staff_with_role(roles.CAMPAIGN_MANAGER, email="resp-recus@example.org")
    client.force_login(marseille)
    changelist = client.get(reverse("admin:impact_receipt_changelist"))
    assert changelist.status_code == 200 and "2027-0001" in changelist.content.decode()
    assert client.get(reverse("admin:impact_receipt_change", args=[issued.pk])).status_code == 200
    assert client.get(reverse("admin:impact_receipt_pdf", args=[issued.pk])).status_code == 200

    lyon_staff = staff_with_role(roles.CAMPAIGN_MANAGER, organiser=lyon(), email="resp-lyon-recus@example.org")
    client.force_login(lyon_staff)
    assert "2027-0001" not in client.get(reverse("admin:impact_receipt_changelist")).content.decode()
    assert client.get(reverse("admin:impact_receipt_change", args=[issued.pk])).status_code == 404
    assert client.get(reverse("admin:impact_receipt_pdf", args=[issued.pk])).status_code == 404
    valuation = LotValuation.objects.get()
    assert client.get(reverse("admin:impact_lotvaluation_change", args=[valuation.pk])).status_code in (403, 404)


@pytest.mark.django_db
def test_staff_record_a_donors_value_in_the_admin_with_french_errors(client, given):
    stock = staff_with_role(roles.INVENTORY_OPERATOR, email="stock-recus@example.org")
    client.force_login(stock)
    url = reverse("admin:impact_lotvaluation_add")
    page = client.post(url, {"lot": lot_of(given).pk, "unit_value": "-5"})
    assert page.status_code == 200 and "ne peut pas être négative" in page.content.decode()
    assert client.post(url, {"lot": lot_of(given).pk, "unit_value": "1 234,5"}).status_code == 302
    valuation = LotValuation.objects.get()
    assert valuation.unit_value == Decimal("1234.50") and valuation.declared_by == stock


# Query counts -------------------------------------------------------------------------------------------------


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_pages_query_counts_do_not_grow_with_receipts_and_units(client, given, issued):
    client.force_login(given.member)
    pages = [reverse("impact:receipts"), reverse("impact:receipt", args=[given.association.pk, issued.donor_id, YEAR])]
    person = donor_member(issued.donor, email="donateur@orange.example.com")
    few = [_count(client, url) for url in pages]
    client.force_login(person)
    few_donor = _count(client, reverse("donors:space"))

    bis = second_donor_lot(given, count=1)
    services.lot_valuation_declare(lot=bis, unit_value="10", by=None)
    more = handed_over(10, handed_over_on=HANDED_OVER_ON)
    Computer.objects.filter(pk__in=[c.pk for c in more.computers]).update(lot=lot_of(given))
    ReceiptEligibility.objects.create(association=more.association, declared_by=None)
    from associations.models import Membership

    Membership.objects.create(user=given.member, association=more.association)
    services.receipt_issue(association=more.association, donor=issued.donor, year=YEAR, by=None)
    mistake = services.receipt_issue(association=given.association, donor=bis.donor, year=YEAR, by=None)
    services.receipt_cancel(receipt=mistake, by=None, reason="Erreur de donateur")  # listed as cancelled, same counts
    client.force_login(given.member)
    assert [_count(client, url) for url in pages] == few
    client.force_login(person)
    assert _count(client, reverse("donors:space")) == few_donor


# Cancelling ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "reason, error",
    [
        ("   ", "Indiquez pourquoi ce reçu est annulé."),
        ("<script>alert(1)</script>", "sans balises HTML"),
        ("Erreur\x00", "caractère invalide"),
        ("x" * 2001, "pour 2000 au plus"),
    ],
)
def test_the_service_refuses_a_missing_or_bad_reason(issued, reason, error):
    with pytest.raises(ValidationError) as caught:
        services.receipt_cancel(receipt=issued, by=None, reason=reason)
    assert error in " ".join(caught.value.message_dict["reason"])
    issued.refresh_from_db()
    assert issued.status == Receipt.Status.ISSUED and issued.cancel_reason == ""


@pytest.mark.django_db
def test_the_association_cancels_with_a_reason_and_the_donor_sees_it_cancelled(client, given, issued):
    client.force_login(given.member)
    url = reverse("impact:receipt_cancel", args=[issued.pk])
    assert url in client.get(reverse("impact:receipts")).content.decode()
    page = client.get(url)
    assert page.status_code == 200 and "Annuler le reçu n° 2027-0001" in page.content.decode()

    for typed, error in [("", "Indiquez pourquoi ce reçu est annulé."), ("<b>non</b>", "sans balises HTML")]:
        refused = client.post(url, {"reason": typed})
        assert refused.status_code == 400 and error in refused.content.decode()
    issued.refresh_from_db()
    assert issued.status == Receipt.Status.ISSUED

    done = client.post(url, {"reason": "  Le donateur a corrigé la valeur de son lot. "}, follow=True)
    assert done.status_code == 200
    issued.refresh_from_db()
    assert issued.status == Receipt.Status.CANCELLED and issued.number == "2027-0001"
    assert issued.cancel_reason == "Le donateur a corrigé la valeur de son lot."
    assert issued.cancelled_at == NOW
    event = ReceiptEvent.objects.filter(receipt=issued).latest("pk")
    assert (event.to_status, event.actor, event.note) == (
        Receipt.Status.CANCELLED,
        given.member,
        "Le donateur a corrigé la valeur de son lot.",
    )
    listing = done.content.decode()
    assert "Reçus annulés" in listing and "Le donateur a corrigé la valeur de son lot." in listing
    # The cancelled receipt's page says so; cancelling twice is refused with a word, never a 500.
    assert "a été annulé le 10 mars 2027" in client.get(url).content.decode()
    again = client.post(url, {"reason": "Encore"})
    assert again.status_code == 400 and "déjà « Annulé »" in again.content.decode()
    # Its PDF is no longer offered; a new receipt can be issued with the next number.
    assert client.get(reverse("impact:receipt_pdf", args=[issued.pk])).status_code == 404
    draft_page = reverse("impact:receipt", args=[given.association.pk, issued.donor_id, YEAR])
    client.post(draft_page)
    assert Receipt.objects.get(status=Receipt.Status.ISSUED).number == "2027-0002"

    person = donor_member(issued.donor, email="donateur@orange.example.com")
    client.force_login(person)
    space = client.get(reverse("donors:space")).content.decode()
    assert "2027-0001" in space and "annulé" in space and "Le donateur a corrigé la valeur de son lot." in space
    assert client.get(reverse("donors:receipt_pdf", args=[issued.pk])).status_code == 404


@pytest.mark.django_db
def test_only_the_receipts_association_may_cancel_it(client, given, issued):
    url = reverse("impact:receipt_cancel", args=[issued.pk])
    other_member = member_of(handed_over(10, handed_over_on=HANDED_OVER_ON).association)
    person = donor_member(issued.donor, email="donateur@orange.example.com")
    for user in (other_member, person, staff_with_role(roles.CAMPAIGN_MANAGER, email="resp-annul@example.org")):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "Par erreur"}).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
    issued.refresh_from_db()
    assert issued.status == Receipt.Status.ISSUED
