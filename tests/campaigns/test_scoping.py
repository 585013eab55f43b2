"""Each organiser's team sees and acts only on its organiser's objects; the national coordinator reads all.

Marseille (the factories' default organiser) and Lyon each have a campaign with a submitted application, a lot
with ready units; the staff of each role work for one of them.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts import roles
from associations.models import Application
from campaigns import services
from campaigns.models import Organiser, StaffMembership
from campaigns.scoping import scope_to_user
from core.errors import DomainError
from inventory.models import Computer, Lot
from tests.clients import Client
from tests.factories.accounts import StaffFactory, UserFactory, staff_with_role
from tests.factories.associations import ApplicationFactory, AssociationFactory
from tests.factories.campaigns import CampaignFactory, OrganiserFactory, lyon
from tests.factories.donations import WaveFactory
from tests.factories.inventory import LotFactory, ready_units

pytestmark = pytest.mark.django_db

S = Application.Status


@pytest.fixture
def two_cities(db):
    marseille, metropole = OrganiserFactory(), lyon()
    shared = AssociationFactory(legal_name="Association nationale du numérique")
    world = {"marseille": marseille, "lyon": metropole}
    for key, organiser in world.copy().items():
        campaign = CampaignFactory(organiser=organiser, name=f"Campagne de {organiser.city}")
        world[f"{key}_campaign"] = campaign
        world[f"{key}_application"] = ApplicationFactory(association=shared, campaign=campaign, status=S.SUBMITTED)
        world[f"{key}_lot"] = LotFactory(organiser=organiser, reference=f"LOT-{organiser.city.upper()}")
        world[f"{key}_units"] = ready_units(3, lot=world[f"{key}_lot"])
    world["association"] = shared
    return world


def coordinator():
    return staff_with_role(roles.NATIONAL_COORDINATOR, email="coordination@programme.example.org")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_each_team_sees_only_its_organisers_objects(two_cities):
    w = two_cities
    lyon_reviewer = staff_with_role(roles.REVIEWER, organiser=w["lyon"], email="instruction@lyon.example.org")
    lyon_stock = staff_with_role(roles.INVENTORY_OPERATOR, organiser=w["lyon"], email="stock@lyon.example.org")
    marseille_reviewer = staff_with_role(roles.REVIEWER, email="instruction@marseille.example.org")
    assert list(scope_to_user(Application.objects.all(), lyon_reviewer)) == [w["lyon_application"]]
    assert list(scope_to_user(Application.objects.all(), marseille_reviewer)) == [w["marseille_application"]]
    assert list(scope_to_user(Lot.objects.all(), lyon_stock, "organiser")) == [w["lyon_lot"]]
    lyon_units = scope_to_user(Computer.objects.all(), lyon_stock, "lot__organiser")
    assert set(lyon_units) == set(w["lyon_units"])
    # Someone of both teams sees both, once each (no row repeated by the two memberships).
    both = staff_with_role(roles.REVIEWER, organiser=w["lyon"], email="deux-villes@example.org")
    StaffMembership.objects.create(user=both, organiser=w["marseille"], role="reviewer")
    assert scope_to_user(Application.objects.all(), both).count() == 2
    # The organisers themselves, through a many-valued path: no duplicates either.
    assert scope_to_user(Organiser.objects.all(), both, "campaigns__organiser").count() == 2


def test_no_membership_no_rows_and_superusers_see_everything(two_cities):
    nobody = StaffFactory(email="sans-equipe@example.org", role=roles.REVIEWER, role__organiser=None)
    StaffMembership.objects.filter(user=nobody).delete()
    assert not scope_to_user(Application.objects.all(), nobody).exists()
    root = UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    assert scope_to_user(Application.objects.all(), root).count() == 2
    from django.contrib.auth.models import AnonymousUser

    assert not scope_to_user(Application.objects.all(), AnonymousUser()).exists()


def test_another_organisers_objects_answer_404_and_change_nothing(two_cities):
    w = two_cities
    client = logged_in(staff_with_role(roles.REVIEWER, organiser=w["lyon"], email="instruction@lyon.example.org"))
    theirs = w["marseille_application"]
    change = reverse("admin:associations_application_change", args=[theirs.pk])
    assert client.get(change).status_code == 404
    review = reverse("admin:associations_application_review", args=[theirs.pk, "approve"])
    assert client.get(review).status_code == 404
    response = client.post(review, {"granted_quantity": 20, "note": "ok"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == S.SUBMITTED
    # Their own application opens; an id that does not exist still gets Django's « does not exist » redirect.
    mine = reverse("admin:associations_application_change", args=[w["lyon_application"].pk])
    assert client.get(mine).status_code == 200
    missing = reverse("admin:associations_application_change", args=[theirs.pk + 10_000])
    assert client.get(missing).status_code == 302


def test_lists_choices_and_autocomplete_are_scoped(two_cities):
    w = two_cities
    manager = staff_with_role(roles.CAMPAIGN_MANAGER, organiser=w["lyon"], email="campagne@lyon.example.org")
    client = logged_in(manager)
    waves = client.get(reverse("admin:donations_wave_add"))
    choices = {c[0].instance for c in waves.context["adminform"].form.fields["campaign"].choices if c[0]}
    assert choices == {w["lyon_campaign"]}
    listed = client.get(reverse("admin:campaigns_campaign_changelist")).context["cl"].result_list
    assert list(listed) == [w["lyon_campaign"]]
    # The list filters name only Lyon's campaigns, not the other organisers' (a filter shows from two choices).
    second = CampaignFactory(organiser=w["lyon"], name="Autre campagne de Lyon")
    specs = client.get(reverse("admin:donations_wave_changelist")).context["cl"].filter_specs
    (campaign_filter,) = [spec for spec in specs if getattr(spec, "field_path", "") == "campaign"]
    assert {pk for pk, _name in campaign_filter.lookup_choices} == {w["lyon_campaign"].pk, second.pk}
    listed = client.get(reverse("admin:campaigns_campaign_changelist")).context["cl"].result_list
    assert set(listed) == {w["lyon_campaign"], second}
    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "donations", "model_name": "wave", "field_name": "campaign", "term": "Campagne"},
    )
    assert sorted(r["text"] for r in autocomplete.json()["results"]) == sorted([w["lyon_campaign"].name, second.name])
    # The association is shared: its page opens for both teams, with only their own organiser's applications.
    association = reverse("admin:associations_association_change", args=[w["association"].pk])
    page = client.get(association)
    assert page.status_code == 200
    shown = next(f for f in page.context["inline_admin_formsets"] if f.opts.model is Application)
    assert [form.original for form in shown] == [w["lyon_application"]]


def test_a_lot_is_created_for_ones_own_organiser_only(two_cities):
    w = two_cities
    stock = staff_with_role(roles.INVENTORY_OPERATOR, organiser=w["lyon"], email="stock@lyon.example.org")
    client = logged_in(stock)
    url = reverse("admin:inventory_lot_add")
    form = client.get(url).context["adminform"].form
    assert form.initial["organiser"] == w["lyon"].pk  # their only organiser, already chosen
    assert {c[0].value for c in form.fields["organiser"].choices if c[0]} == {w["lyon"].pk}
    data = {
        "organiser": w["marseille"].pk,
        "donor": w["lyon_lot"].donor_id,
        "reference": "LOT-EN-TROP",
        "arrival_date": "15/01/2026",
        "site": "Atelier",
        "expected_count": 10,
        "notes": "",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "organiser" in response.context["adminform"].form.errors
    assert not Lot.objects.filter(reference="LOT-EN-TROP").exists()


def test_an_import_knows_only_the_lots_of_the_importers_organisers(two_cities):
    from inventory.importing import plan_import, read_table

    w = two_cities
    stock = staff_with_role(roles.INVENTORY_OPERATOR, organiser=w["lyon"], email="stock@lyon.example.org")
    text = "lot;fabricant;modele;numero_serie\nLOT-MARSEILLE;Dell;OptiPlex;SN-NOUVEAU-1\n"
    plan = plan_import(read_table(text.encode()), user=stock)
    assert [issue.message for issue in plan.errors] == ["lot inconnu : créez d'abord le lot « LOT-MARSEILLE »"]


def test_the_coordinator_reads_every_organiser_and_decides_nothing(two_cities):
    w = two_cities
    client = logged_in(coordinator())
    listed = client.get(reverse("admin:associations_application_changelist"), {"status__exact": "all"})
    assert set(listed.context["cl"].result_list) == {w["marseille_application"], w["lyon_application"]}
    change = reverse("admin:associations_application_change", args=[w["marseille_application"].pk])
    page = client.get(change)
    assert page.status_code == 200
    assert not page.context["has_change_permission"] and not page.context["has_delete_permission"]
    assert client.post(change, {"priority": 1}).status_code == 403
    review = reverse("admin:associations_application_review", args=[w["marseille_application"].pk, "approve"])
    assert client.post(review, {"granted_quantity": 20}).status_code == 403
    w["marseille_application"].refresh_from_db()
    assert w["marseille_application"].status == S.SUBMITTED
    lots = client.get(reverse("admin:inventory_lot_changelist")).context["cl"].result_list
    assert set(lots) == {w["marseille_lot"], w["lyon_lot"]}
    assert client.get(reverse("admin:inventory_lot_add")).status_code == 403


def test_a_wave_draws_only_from_its_organisers_stock(two_cities):
    from django.core.exceptions import ValidationError

    from donations import services as donation_services

    w = two_cities
    manager = staff_with_role(roles.CAMPAIGN_MANAGER, organiser=w["lyon"], email="campagne@lyon.example.org")
    from tests.factories.associations import approved_application

    ready_units(10, lot=w["lyon_lot"])  # 13 ready in Lyon, 3 in Marseille
    wave = WaveFactory(campaign=w["lyon_campaign"], capacity=10)
    approved_application(w["lyon_campaign"], granted=10)
    donation_services.wave_plan(wave=wave, by=manager)
    donation_services.wave_confirm(wave=wave, by=manager, notify=False)
    reserved = Computer.objects.filter(allocation_links__allocation__wave=wave)
    assert reserved.count() == 10
    assert set(reserved.values_list("lot", flat=True)) == {w["lyon_lot"].pk}
    # Lyon has 3 ready units left: a wave of 4 is refused, though Marseille's 3 would make up the difference.
    bigger = WaveFactory.build(campaign=w["lyon_campaign"], number=2, capacity=4)
    with pytest.raises(ValidationError):
        donation_services.wave_save(wave=bigger, by=manager)
    assert Computer.objects.ready().filter(lot=w["marseille_lot"]).count() == 3


def test_the_todo_list_counts_only_ones_own_organiser(two_cities):
    from impact.todo import staff_todo

    w = two_cities
    lyon_reviewer = staff_with_role(roles.REVIEWER, organiser=w["lyon"], email="instruction@lyon.example.org")
    (review,) = [s for s in staff_todo(lyon_reviewer) if s.key == "review"]
    assert review.items[0].count == 1
    assert [row.label for row in review.items[0].rows] == [w["association"].legal_name]


def test_granting_a_membership_puts_the_user_in_the_roles_group(two_cities):
    w = two_cities
    person = UserFactory(email="nouvelle@lyon.example.org")
    membership = services.staff_membership_grant(user=person, organiser=w["lyon"], role="stock")
    again = services.staff_membership_grant(user=person, organiser=w["lyon"], role="stock")
    assert again == membership and StaffMembership.objects.filter(user=person).count() == 1
    person.refresh_from_db()
    assert person.is_staff and person.groups.filter(name=roles.INVENTORY_OPERATOR).exists()
    services.staff_membership_grant(user=person, organiser=w["marseille"], role="stock")
    services.staff_membership_revoke(membership=membership)
    assert person.groups.filter(name=roles.INVENTORY_OPERATOR).exists()  # still Marseille's
    services.staff_membership_revoke(membership=StaffMembership.objects.get(user=person))
    assert not person.groups.filter(name=roles.INVENTORY_OPERATOR).exists()
    with pytest.raises(DomainError):
        services.staff_membership_grant(user=person, organiser=w["lyon"], role="chef")


def test_the_database_refuses_what_must_never_happen(two_cities):
    from django.db import IntegrityError, transaction

    w = two_cities
    person = UserFactory(email="doublon@lyon.example.org")
    StaffMembership.objects.create(user=person, organiser=w["lyon"], role="desk")
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffMembership.objects.create(user=person, organiser=w["lyon"], role="desk")
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffMembership.objects.create(user=person, organiser=w["lyon"], role="chef")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organiser.objects.create(name="Ville fantôme", slug="fantome", kind="planete")


def test_the_organisers_list_costs_the_same_whatever_the_data(django_assert_max_num_queries):
    root = UserFactory(email="root@example.org", is_staff=True, is_superuser=True)
    client = logged_in(root)
    url = reverse("admin:campaigns_organiser_changelist")
    OrganiserFactory()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for index in range(5):
        organiser = OrganiserFactory(name=f"Ville numéro {index}")
        CampaignFactory(organiser=organiser)
        staff_with_role(roles.REVIEWER, organiser=organiser, email=f"equipe{index}@example.org")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.context["cl"].result_count == 6


def test_an_organisers_postal_codes_are_checked():
    from django.core.exceptions import ValidationError

    organiser = Organiser(name="Ville", slug="ville", kind="city", postal_codes="13001 <b>1300</b>")
    with pytest.raises(ValidationError) as caught:
        organiser.full_clean()
    assert "postal_codes" in caught.value.message_dict
    organiser.postal_codes = "13001  13002"
    organiser.full_clean()
    assert organiser.postal_code_list == ["13001", "13002"]


def test_a_superuser_staffs_an_organiser_from_its_page(two_cities):
    lyon_organiser = two_cities["lyon"]
    client = logged_in(UserFactory(email="root@example.org", is_staff=True, is_superuser=True))
    person = UserFactory(email="nouvelle@lyon.example.org")
    url = reverse("admin:campaigns_organiser_change", args=[lyon_organiser.pk])
    data = {
        "name": lyon_organiser.name,
        "kind": lyon_organiser.kind,
        "slug": lyon_organiser.slug,
        "city": lyon_organiser.city,
        "postal_codes": "69001 69002",
        "staff_memberships-TOTAL_FORMS": "1",
        "staff_memberships-INITIAL_FORMS": "0",
        "staff_memberships-MIN_NUM_FORMS": "0",
        "staff_memberships-MAX_NUM_FORMS": "1000",
        "staff_memberships-0-user": person.pk,
        "staff_memberships-0-role": "reviewer",
    }
    # A wrong postal code: a French error on its field, and nothing changes (nor the team).
    response = client.post(url, {**data, "postal_codes": "6900 <b>x</b>"})
    assert response.status_code == 200
    assert "postal_codes" in response.context["adminform"].form.errors
    assert not StaffMembership.objects.filter(user=person).exists()
    assert client.post(url, data).status_code == 302
    assert StaffMembership.objects.filter(user=person, organiser=lyon_organiser, role="reviewer").exists()
    person.refresh_from_db()
    assert person.is_staff and person.groups.filter(name=roles.REVIEWER).exists()
    lyon_organiser.refresh_from_db()
    assert lyon_organiser.postal_code_list == ["69001", "69002"]
