"""The functional test before a unit is ready (décret n° 2022-190): checklists, the service, the gate, the admin."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError, transaction
from django.urls import reverse

from core.errors import DomainError
from inventory import services
from inventory.models import (
    DEFAULT_CHECKLIST,
    ChecklistItem,
    Computer,
    ComputerEvent,
    FunctionalTest,
    FunctionalTestResult,
)
from inventory.selectors import checklists_for
from tests.admin_forms import admin_action
from tests.factories.accounts import reviewer
from tests.factories.campaigns import CampaignFactory, DonorFactory
from tests.factories.inventory import ComputerFactory, LotFactory, passed_functional_tests, passed_wipe

pytestmark = pytest.mark.django_db
S = Computer.Status
CHANGELIST = "admin:inventory_computer_changelist"
DEFAULT_LABELS = [str(label) for label, _text in DEFAULT_CHECKLIST]


def wiped(status=S.RECONDITIONING, **kwargs) -> Computer:
    """A unit in the workshop with a passed wipe, no functional test."""
    computer = ComputerFactory(status=status, **kwargs)
    record = passed_wipe(computer, report_reference="R-1")
    Computer.objects.filter(pk=computer.pk).update(wipe_record=record)
    computer.refresh_from_db()
    return computer


def results(failed: dict | None = None, labels=None) -> list[services.ItemResult]:
    """Every item passed except ``failed`` (label -> note)."""
    failed = failed or {}
    return [
        services.ItemResult(label, label not in failed, failed.get(label, "")) for label in (labels or DEFAULT_LABELS)
    ]


def _fails(statement) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        statement()


# Checklists --------------------------------------------------------------------------------------


def test_a_new_campaign_gets_the_default_checklist_once():
    campaign = CampaignFactory()
    assert list(campaign.checklist_items.values_list("label", flat=True)) == DEFAULT_LABELS
    assert services.checklist_create_default(campaign=campaign) == []
    assert campaign.checklist_items.count() == len(DEFAULT_CHECKLIST)


def test_a_unit_is_tested_on_its_donors_campaign_checklist_without_inactive_items():
    campaign = CampaignFactory(name="Campagne de Lyon")  # pledged by Orange, the factory lot's donor
    campaign.checklist_items.filter(label="Réseau").update(active=False)
    ChecklistItem.objects.create(campaign=campaign, label="Lecteur de cartes", position=99)
    computer = ComputerFactory()
    checklist = checklists_for([computer.pk])[computer.pk]
    assert checklist.name == "Campagne de Lyon"
    assert "Réseau" not in checklist.labels and checklist.labels[-1] == "Lecteur de cartes"

    other = ComputerFactory(lot=LotFactory(donor=DonorFactory(name="Sans campagne")))
    assert checklists_for([other.pk])[other.pk].labels == tuple(DEFAULT_LABELS)


def test_checklists_of_many_units_take_a_constant_number_of_queries(django_assert_max_num_queries):
    CampaignFactory()
    few = [ComputerFactory().pk for _ in range(2)]
    many = few + [ComputerFactory(lot=LotFactory()).pk for _ in range(15)]
    with django_assert_max_num_queries(3):
        checklists_for(few)
    with django_assert_max_num_queries(3):
        assert len(checklists_for(many)) == 17


# The service and the gate ------------------------------------------------------------------------


def test_ready_needs_a_passed_functional_test(operator):
    computer = wiped()
    result = services.computers_mark_ready(computer_ids=[computer.pk], by=operator)
    assert not result.done
    assert result.refused[0].reason.startswith("aucun test fonctionnel réussi enregistré")

    services.computers_record_functional_test(
        computer_ids=[computer.pk], by=operator, results=results({"Ports USB": "2 ports avant muets"})
    )
    computer.refresh_from_db()
    assert computer.functional_test is None and computer.functional_test_failed
    result = services.computers_mark_ready(computer_ids=[computer.pk], by=operator)
    assert "le dernier test fonctionnel a échoué" in result.refused[0].reason
    computer.refresh_from_db()
    assert computer.status == S.RECONDITIONING

    services.computers_record_functional_test(computer_ids=[computer.pk], by=operator, results=results())
    computer.refresh_from_db()
    assert computer.functional_test.passed and not computer.functional_test_failed
    assert services.computers_mark_ready(computer_ids=[computer.pk], by=operator).count == 1
    computer.refresh_from_db()
    assert computer.status == S.READY


def test_a_passed_test_without_a_clearing_wipe_is_not_enough(operator):
    computer = ComputerFactory(status=S.RECONDITIONING)
    services.computers_record_functional_test(computer_ids=[computer.pk], by=operator, results=results())
    result = services.computers_mark_ready(computer_ids=[computer.pk], by=operator)
    assert result.refused[0].reason == "aucun effacement réussi ni exemption enregistré"


def test_the_latest_test_decides(operator):
    computer = wiped()
    services.computers_record_functional_test(computer_ids=[computer.pk], by=operator, results=results())
    services.computers_record_functional_test(computer_ids=[computer.pk], by=operator, results=results({"Réseau": ""}))
    computer.refresh_from_db()
    assert computer.functional_test is None and computer.functional_test_failed
    assert not services.computers_mark_ready(computer_ids=[computer.pk], by=operator).done
    assert computer.functional_tests.count() == 2


def test_a_test_keeps_each_item_who_and_when_and_the_history_says_what_failed(operator):
    computer = wiped()
    at = datetime.datetime(2026, 3, 2, 10, 30, tzinfo=datetime.UTC)
    services.computers_record_functional_test(
        computer_ids=[computer.pk],
        by=operator,
        results=results({"Ports USB": "2 ports avant muets"}),
        performed_at=at,
        note="Testé sur le banc 2",
    )
    test = FunctionalTest.objects.get(computer=computer)
    assert not test.passed and test.actor == operator and test.actor_label and test.performed_at == at
    items = list(test.results.values_list("label", "passed", "note"))
    assert items[0] == ("Mise sous tension", True, "")
    assert ("Ports USB", False, "2 ports avant muets") in items and len(items) == len(DEFAULT_CHECKLIST)
    event = ComputerEvent.objects.get(computer=computer, kind=ComputerEvent.Kind.FUNCTIONAL_TEST)
    assert event.actor == operator
    assert "En échec : Ports USB (2 ports avant muets)." in event.note and "Testé sur le banc 2" in event.note


@pytest.mark.parametrize("status", [S.READY, S.RESERVED, S.HANDED_OVER])
def test_a_unit_out_of_the_workshop_is_not_tested(operator, status):
    computer = ComputerFactory(status=status)
    result = services.computers_record_functional_test(computer_ids=[computer.pk], by=operator, results=results())
    assert not result.done and len(result.refused) == 1
    assert FunctionalTest.objects.filter(computer=computer).count() == 1  # the factory's only


def test_a_scrapped_unit_is_not_tested(operator):
    computer = ComputerFactory(status=S.SCRAPPED)
    result = services.computers_record_functional_test(computer_ids=[computer.pk], by=operator, results=results())
    assert "a quitté l'atelier" in result.refused[0].reason
    assert not FunctionalTest.objects.filter(computer=computer).exists()


def test_results_must_be_those_of_the_units_checklist(operator):
    computer = wiped()
    partial = results()[:-1]
    result = services.computers_record_functional_test(computer_ids=[computer.pk], by=operator, results=partial)
    assert "n'est pas celle du formulaire" in result.refused[0].reason
    assert not FunctionalTest.objects.exists()


@pytest.mark.parametrize(
    "bad",
    [
        [],
        [services.ItemResult("Réseau", True), services.ItemResult("Réseau", True)],
        [services.ItemResult("  ", True)],
        [services.ItemResult(label, True, "x" * 501) for label in DEFAULT_LABELS],
        [services.ItemResult(label, True, "a\x00b") for label in DEFAULT_LABELS],
    ],
)
def test_malformed_results_are_refused_and_nothing_is_written(operator, bad):
    computer = wiped()
    with pytest.raises(DomainError):
        services.computers_record_functional_test(computer_ids=[computer.pk], by=operator, results=bad)
    assert not FunctionalTest.objects.exists() and not FunctionalTestResult.objects.exists()


def test_a_test_in_the_future_is_refused(operator):
    computer = wiped()
    later = datetime.datetime(2999, 1, 1, tzinfo=datetime.UTC)
    with pytest.raises(DomainError) as error:
        services.computers_record_functional_test(
            computer_ids=[computer.pk], by=operator, results=results(), performed_at=later
        )
    assert error.value.field == "performed_at"


def test_only_inventory_operators_record_a_test():
    computer = wiped()
    with pytest.raises(DomainError):
        services.computers_record_functional_test(computer_ids=[computer.pk], by=reviewer(), results=results())
    with pytest.raises(DomainError):
        services.computers_record_functional_test(computer_ids=[computer.pk], by=None, results=results())
    assert not FunctionalTest.objects.exists()


def test_recording_a_test_for_a_selection_takes_a_constant_number_of_queries(operator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lot = LotFactory()
    operator.has_perm("inventory.record_functional_test")  # fill the permission cache
    counts = []
    for n in (2, 30):
        ids = [wiped(lot=lot).pk for _ in range(n)]
        with CaptureQueriesContext(connection) as queries:
            result = services.computers_record_functional_test(computer_ids=ids, by=operator, results=results())
        assert result.count == n
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert FunctionalTestResult.objects.count() == 32 * len(DEFAULT_CHECKLIST)


# The database's gate -----------------------------------------------------------------------------


def test_the_database_refuses_a_ready_unit_without_a_passed_test():
    computer = wiped()
    _fails(lambda: Computer.objects.filter(pk=computer.pk).update(status=S.READY))
    ready = ComputerFactory(status=S.READY)
    _fails(lambda: Computer.objects.filter(pk=ready.pk).update(functional_test=None))


def test_the_database_refuses_a_failed_test_or_another_units_test(operator):
    computer = wiped()
    services.computers_record_functional_test(computer_ids=[computer.pk], by=operator, results=results({"Réseau": ""}))
    failed = FunctionalTest.objects.get(computer=computer)
    _fails(lambda: Computer.objects.filter(pk=computer.pk).update(functional_test=failed, status=S.READY))
    other = ComputerFactory(status=S.READY)
    _fails(lambda: Computer.objects.filter(pk=computer.pk).update(functional_test=other.functional_test))
    passed = passed_functional_tests([computer])[0]
    Computer.objects.filter(pk=computer.pk).update(functional_test=passed, status=S.READY)
    computer.refresh_from_db()
    assert computer.status == S.READY


def test_the_database_refuses_a_failed_item_under_a_passed_test_and_any_change():
    computer = wiped()
    test = passed_functional_tests([computer])[0]
    _fails(lambda: FunctionalTestResult.objects.create(test=test, label="Lecteur DVD", passed=False))
    _fails(lambda: FunctionalTest.objects.filter(pk=test.pk).update(passed=False))
    _fails(lambda: FunctionalTestResult.objects.filter(test=test).update(passed=False))
    with pytest.raises(ValueError):
        test.delete()


# The admin ---------------------------------------------------------------------------------------


def post_action(client, computers, **data):
    return admin_action(client, CHANGELIST, "record_functional_test", computers, follow=True, **data)


def all_passed(**overrides) -> dict:
    return {"apply": "1", **{f"item_{n}": "passed" for n in range(len(DEFAULT_CHECKLIST))}, **overrides}


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_unit_page_offers_the_test_and_the_form_has_one_choice_per_item(operator_client):
    computer = wiped()
    page = operator_client.get(reverse("admin:inventory_computer_change", args=[computer.pk])).content.decode()
    assert 'value="record_functional_test"' in page and "Enregistrer le test fonctionnel" in page

    response = post_action(operator_client, [computer])
    assert response.status_code == 200
    page = response.content.decode()
    for label in DEFAULT_LABELS:
        assert label.replace("'", "&#x27;") in page
    assert page.count('value="failed"') == len(DEFAULT_CHECKLIST)

    response = post_action(operator_client, [computer], **all_passed(item_2="failed", note_2="Port arrière HS"))
    assert any("1 ordinateur avec test fonctionnel enregistré" in m for m in messages_of(response))
    computer.refresh_from_db()
    assert computer.functional_test_failed
    page = operator_client.get(reverse("admin:inventory_computer_change", args=[computer.pk])).content.decode()
    assert "Port arrière HS" in page and "Le dernier test fonctionnel a échoué" in page


@pytest.mark.parametrize(
    "hostile",
    [
        {"item_0": "maybe"},
        {"item_0": ""},
        {"note_1": "a\x00b"},
        {"note_1": "x" * 501},
        {"note": "\x07"},
    ],
)
def test_hostile_input_gets_a_field_error_and_changes_nothing(operator_client, hostile):
    computer = wiped()
    response = post_action(operator_client, [computer], **all_passed(**hostile))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors and set(form.errors) <= set(hostile)
    assert not FunctionalTest.objects.exists()
    computer.refresh_from_db()
    assert not computer.functional_test_failed and computer.functional_test is None


def test_html_in_a_note_is_kept_as_text_and_never_rendered(operator_client):
    computer = wiped()
    post_action(operator_client, [computer], **all_passed(item_0="failed", note_0="<script>alert(1)</script>"))
    assert FunctionalTestResult.objects.get(passed=False).note == "<script>alert(1)</script>"
    page = operator_client.get(reverse("admin:inventory_computer_change", args=[computer.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_selection_on_two_checklists_is_sent_back_with_a_message(operator_client):
    CampaignFactory(name="Campagne de Marseille")
    ours = wiped()
    theirs = wiped(lot=LotFactory(donor=DonorFactory(name="Sans campagne")))
    response = post_action(operator_client, [ours, theirs])
    assert any("pas testés sur la même liste de contrôle" in m for m in messages_of(response))
    assert not FunctionalTest.objects.exists()


def test_the_bulk_step_tests_a_selection_and_reports_refusals(operator_client):
    computers = [wiped() for _ in range(3)]
    ready = ComputerFactory(status=S.READY)
    response = post_action(operator_client, [*computers, ready], **all_passed())
    messages = messages_of(response)
    assert any(m.startswith("3 ordinateurs avec test fonctionnel enregistré") for m in messages)
    assert any("déjà prêt" in m and ready.asset_tag in m for m in messages)
    assert Computer.objects.filter(functional_test__isnull=False, status=S.RECONDITIONING).count() == 3


def test_the_list_filters_units_waiting_for_their_test(operator_client):
    waiting = wiped()
    not_wiped = ComputerFactory(status=S.RECONDITIONING)
    tested = wiped()
    Computer.objects.filter(pk=tested.pk).update(functional_test=passed_functional_tests([tested])[0])
    response = operator_client.get(reverse(CHANGELIST), {"a_faire": "test"})
    shown = {c.pk for c in response.context["cl"].result_list}
    assert shown == {waiting.pk}
    assert not_wiped.pk not in shown


@pytest.mark.parametrize("role", ["reviewer", "manager", "handover"])
def test_roles_without_the_permission_do_not_get_the_form(client, role):
    from tests.roles import make_user

    computer = wiped()
    user = make_user(role)
    client.force_login(user)
    response = post_action(client, [computer], **all_passed())
    assert response.status_code in (200, 403)
    assert "form" not in (response.context or {}) or response.context.get("action_name") != "record_functional_test"
    assert not FunctionalTest.objects.exists()


def test_campaign_managers_edit_their_checklist_in_the_admin(client):
    from tests.roles import make_user

    campaign = CampaignFactory(name="Campagne de Marseille")
    client.force_login(make_user("manager"))
    response = client.post(
        reverse("admin:inventory_checklistitem_add"),
        {"campaign": campaign.pk, "position": 70, "label": " Lecteur de cartes ", "help_text": "", "active": "on"},
    )
    assert response.status_code == 302
    assert campaign.checklist_items.filter(label="Lecteur de cartes").exists()
    response = client.post(
        reverse("admin:inventory_checklistitem_add"),
        {"campaign": campaign.pk, "position": 80, "label": "Réseau", "help_text": "a\x00b", "active": "on"},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "help_text" in errors or "__all__" in errors
    assert campaign.checklist_items.filter(label="Réseau").count() == 1
