"""The association's after-sales pages (/space/support/) and the stock team's admin: access, hostile input,
the question and its answer, the decisions, and query counts that do not grow with the data."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.models import Computer
from support import services
from support.models import Ticket, TicketMessage, TicketPhoto
from tests.factories.inventory import ready_computers, stock_operator
from tests.factories.support import handed_over, photo_upload
from tests.support.conftest import HANDED_OVER_ON, PARIS

pytestmark = pytest.mark.django_db
S = Ticket.Status


def new_ticket(given, index: int = 0, **kwargs) -> Ticket:
    return services.ticket_report(
        by=given.member, computer_id=given.computers[index].pk, description="Écran noir au démarrage.", **kwargs
    )


def test_the_space_links_to_the_support_page(client, given):
    client.force_login(given.member)
    page = client.get(reverse("associations:space")).content.decode()
    assert reverse("support:home") in page


def test_a_member_reports_a_unit_from_the_form(client, given):
    client.force_login(given.member)
    page = client.get(reverse("support:create")).content.decode()
    unit = given.computers[2]
    assert unit.asset_tag in page and unit.serial_number in page
    response = client.post(
        reverse("support:create"),
        {"computer": unit.pk, "description": "Le PC s'éteint après 5 minutes.", "photo_1": photo_upload()},
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == ticket.get_absolute_url()
    assert ticket.computer == unit and ticket.photos.count() == 1
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "Signalée, à examiner" in page and "Le PC s&#x27;éteint après 5 minutes." in page
    photo = ticket.photos.get()
    response = client.get(reverse("support:photo", args=[ticket.pk, photo.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    # Reported: the unit is no longer offered.
    assert unit.asset_tag not in client.get(reverse("support:create")).content.decode()


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"computer": "", "description": "<script>alert(1)</script>"}, "Choisissez l&#x27;ordinateur en panne."),
        ({"computer": "12,5", "description": "Écran noir"}, "Choisissez un des ordinateurs remis"),
        ({"computer": "999999999", "description": "Écran noir"}, "Choisissez un des ordinateurs remis"),
        ({"description": ""}, "Décrivez ce qui ne va pas."),
        ({"description": "x" * 2001}, "pour 2000 au plus"),
        ({"description": "a\x00b"}, "caractère"),
    ],
    ids=["no-unit", "decimal-unit", "unknown-unit", "no-text", "too-long", "nul"],
)
def test_hostile_form_input_gets_a_french_error_and_changes_nothing(client, given, data, field_error):
    client.force_login(given.member)
    data = {"computer": given.computers[0].pk, **data}
    response = client.post(reverse("support:create"), data)
    assert response.status_code == 400
    assert field_error in response.content.decode()
    assert not Ticket.objects.exists()


def test_html_in_the_description_is_shown_as_text(client, given):
    client.force_login(given.member)
    client.post(
        reverse("support:create"), {"computer": given.computers[0].pk, "description": "<b>x</b><script>1</script>"}
    )
    page = client.get(Ticket.objects.get().get_absolute_url()).content.decode()
    assert "<script>1</script>" not in page and "&lt;script&gt;1&lt;/script&gt;" in page


def test_a_lying_photo_is_refused_and_the_good_one_kept_for_the_next_try(client, given):
    client.force_login(given.member)
    response = client.post(
        reverse("support:create"),
        {
            "computer": given.computers[0].pk,
            "description": "",
            "photo_1": photo_upload("ecran.png"),
            "photo_2": photo_upload("faux.jpg", b"MZ\x90\x00 not a picture", "image/jpeg"),
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Joignez une photo JPEG ou PNG." in page
    assert "Fichier déjà joint" in page and "ecran.png" in page
    assert not Ticket.objects.exists() and not TicketPhoto.objects.exists()


def test_out_of_warranty_units_are_told_plainly_with_the_contact(client, given, clock):
    clock.move_to(datetime.datetime(2027, 9, 3, 9, 0, tzinfo=PARIS))
    client.force_login(given.member)
    page = client.get(reverse("support:home")).content.decode()
    assert "Ordinateurs hors garantie" in page
    assert given.campaign.contact_email in page
    assert given.computers[0].asset_tag in page
    assert "Signaler un ordinateur en panne" not in page
    response = client.post(reverse("support:create"), {"computer": given.computers[0].pk, "description": "Panne"})
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_an_association_sees_only_its_own_tickets_and_units(client, given):
    ticket = new_ticket(given, photos=[photo_upload()])
    other = handed_over(10, handed_over_on=HANDED_OVER_ON)
    client.force_login(other.member)
    home = client.get(reverse("support:home")).content.decode()
    assert given.computers[0].asset_tag not in home
    create = client.get(reverse("support:create")).content.decode()
    assert given.computers[1].asset_tag not in create and other.computers[0].asset_tag in create
    assert client.get(ticket.get_absolute_url()).status_code == 404
    assert client.post(ticket.get_absolute_url(), {"body": "Je réponds"}).status_code == 404
    photo = ticket.photos.get()
    assert client.get(reverse("support:photo", args=[ticket.pk, photo.pk])).status_code == 404
    assert not TicketMessage.objects.exists()
    response = client.post(reverse("support:create"), {"computer": given.computers[1].pk, "description": "x"})
    assert response.status_code == 400 and Ticket.objects.count() == 1


def test_the_question_is_shown_and_answered_in_the_space(client, given):
    ticket = services.ticket_ask(ticket=new_ticket(given), by=stock_operator(), question="Le voyant est-il orange ?")
    client.force_login(given.member)
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert "L'équipe du stock vous pose une question" in page.replace("&#x27;", "'")
    assert "Le voyant est-il orange ?" in page
    assert client.post(ticket.get_absolute_url(), {"body": "   "}).status_code == 400
    response = client.post(ticket.get_absolute_url(), {"body": "Oui, orange fixe."})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == S.NEW


def _same_queries_with_more_tickets(client, given, url: str, django_assert_max_num_queries) -> None:
    """The page at ``url`` with one ticket, then with six: no more queries."""
    new_ticket(given, 0)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for index in range(1, 6):
        new_ticket(given, index)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_support_page_costs_the_same_queries_with_more_tickets(client, given, django_assert_max_num_queries):
    client.force_login(given.member)
    _same_queries_with_more_tickets(client, given, reverse("support:home"), django_assert_max_num_queries)


# The stock team, in the admin --------------------------------------------------------------------


def test_the_stock_team_lists_tickets_oldest_first_with_status_filters(client, given, clock):
    first = new_ticket(given, 0)
    clock.shift(datetime.timedelta(hours=2))
    second = new_ticket(given, 1)
    client.force_login(stock_operator())
    url = reverse("admin:support_ticket_changelist")
    page = client.get(url).content.decode()
    assert page.index(given.computers[0].asset_tag) < page.index(given.computers[1].asset_tag)
    services.ticket_close(ticket=second, by=None, reason="Doublon")
    page = client.get(url + "?status__exact=new").content.decode()
    assert given.computers[0].asset_tag in page and given.computers[1].asset_tag not in page
    page = client.get(url + "?en_cours=non").content.decode()
    assert given.computers[1].asset_tag in page and given.computers[0].asset_tag not in page
    assert client.get(reverse("admin:support_ticket_change", args=[first.pk])).status_code == 200
    # On the staff's to-do list, the oldest first.
    home = client.get(reverse("admin:index")).content.decode()
    assert "Pannes signalées par les associations à traiter" in home


def test_the_changelist_costs_the_same_queries_with_more_tickets(client, given, django_assert_max_num_queries):
    client.force_login(stock_operator())
    url = reverse("admin:support_ticket_changelist")
    _same_queries_with_more_tickets(client, given, url, django_assert_max_num_queries)


def test_the_stock_team_asks_then_repairs_from_the_decision_page(client, given):
    ticket = new_ticket(given)
    client.force_login(stock_operator())
    url = reverse("admin:support_ticket_decide", args=[ticket.pk])
    page = client.get(url).content.decode()
    assert "Poser la question" in page and "Réparé et rendu" not in page
    response = client.post(url, {"ask": "1", "text": ""})
    assert response.status_code == 400 and "Écrivez votre question." in response.content.decode()
    assert client.post(url, {"ask": "1", "text": "Quel bruit fait-il ?"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == S.QUESTION
    # A step the table refuses from here (« rendu » before the unit came back) changes nothing.
    response = client.post(url, {"give_back": "1", "text": "Réparé"})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == S.QUESTION
    for step, text in (("return", "Atelier, mardi 9 h"), ("receive", ""), ("give_back", "Ventilateur changé")):
        assert client.post(url, {step: "1", "text": text}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == S.RETURNED


def test_the_stock_team_replaces_from_the_decision_page(client, given):
    ticket = new_ticket(given)
    (spare,) = ready_computers(1)
    client.force_login(stock_operator())
    url = reverse("admin:support_ticket_decide", args=[ticket.pk])
    response = client.post(url, {"replace": "1", "replacement": "NOPE-1"})
    assert response.status_code == 400 and "numéro d&#x27;inventaire" in response.content.decode()
    response = client.post(url, {"replace": "1", "replacement": given.computers[3].asset_tag})
    assert response.status_code == 400
    response = client.post(url, {"replace": "1", "replacement": spare.asset_tag.lower(), "text": "Carte mère"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == S.REPLACED and ticket.replacement == spare
    assert Computer.objects.get(pk=spare.pk).status == Computer.Status.HANDED_OVER


def test_other_staff_roles_cannot_decide(client, given):
    from accounts import roles
    from tests.factories.accounts import staff_with_role

    ticket = new_ticket(given)
    url = reverse("admin:support_ticket_decide", args=[ticket.pk])
    for role in (roles.REVIEWER, roles.CAMPAIGN_MANAGER, roles.HANDOVER_OPERATOR):
        client.force_login(staff_with_role(role))
        assert client.post(url, {"close": "1", "text": "Non"}).status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == S.NEW
