import io
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from accounts import roles
from accounts.models import User
from associations.models import Application, Association
from tests.core.test_health_and_pages import run_manage

pytestmark = pytest.mark.django_db


def counts():
    from django.apps import apps

    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in ("accounts", "associations", "inventory", "donations")
    }


def test_seed_demo_is_idempotent_and_creates_one_account_per_role(settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first = counts()
    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert counts() == first
    # People read this output: French words and labels, never English or the statuses' internal codes.
    assert "associations : 40 créées, 0 déjà présentes" in out.getvalue()
    assert "associations : 0 créées, 40 déjà présentes" in again.getvalue()
    for text in (out.getvalue(), again.getvalue()):
        assert not re.search(r"\b(created|already|draft|submitted|accepted|returned)\b|[{}]", text), text
    emails = set(User.objects.values_list("email", flat=True))
    assert {
        "reviewer@demo.test",
        "stock@demo.test",
        "manager@demo.test",
        "desk@demo.test",
        "association@demo.test",
        "admin@demo.test",
    } <= emails
    assert User.objects.get(email="reviewer@demo.test").groups.filter(name=roles.REVIEWER).exists()
    assert User.objects.get(email="admin@demo.test").is_superuser
    member = User.objects.get(email="association@demo.test")
    assert not member.is_staff and member.memberships.exists()
    assert member.check_password("demo-dons-2026")
    donor_person = User.objects.get(email="donor@demo.test")
    assert not donor_person.is_staff and donor_person.check_password("demo-dons-2026")
    assert list(donor_person.donor_memberships.values_list("donor__name", flat=True)) == ["Orange"]


def test_seed_demo_data_is_realistic(settings):
    from stdnum.fr import siret

    from associations.validators import validate_postal_code, validate_rna

    settings.DEBUG = True
    call_command("seed_demo")
    associations = list(Association.objects.filter(city="Marseille"))
    assert len(associations) >= 40
    for association in Association.objects.all():
        validate_rna(association.rna)
        validate_postal_code(association.postal_code)
        assert "13001" <= association.postal_code <= "13016" or "69001" <= association.postal_code <= "69009"
        assert not association.siret or siret.is_valid(association.siret)
    marseille = Application.objects.filter(campaign__slug="marseille-2026")
    approved = marseille.filter(status="approved").order_by("priority", "approved_at", "created_at")
    assert approved.count() > len(associations) / 2
    assert sum(a.granted_quantity for a in approved[:27]) == 486
    statuses = set(marseille.values_list("status", flat=True))
    assert {"approved", "submitted", "info_requested", "waitlisted", "rejected", "draft"} <= statuses


def test_seed_demo_adds_lyon_its_team_and_a_national_coordinator(settings):
    """The second organiser: its campaign, associations, stock and a confirmed wave drawn from its own lot; its
    team sees only Lyon, Marseille's team only Marseille, the coordinator reads both and may act on neither."""
    from associations.models import Application
    from campaigns.models import Campaign, Organiser, StaffMembership
    from campaigns.scoping import scope_to_user
    from donations.models import AllocationUnit, Wave
    from inventory.models import Computer

    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    marseille = Organiser.objects.get(name="Ville de Marseille")
    lyon = Organiser.objects.get(name="Métropole de Lyon")
    assert Campaign.objects.get(slug="marseille-2026").organiser == marseille
    assert Campaign.objects.get(slug="lyon-2026").organiser == lyon
    wave = Wave.objects.get(campaign__slug="lyon-2026", number=1)
    assert wave.status == Wave.Status.CONFIRMED
    lots = set(AllocationUnit.objects.filter(allocation__wave=wave).values_list("computer__lot__organiser", flat=True))
    assert lots == {lyon.pk}, "Lyon's wave reserved units of another organiser's stock"
    team = {
        "reviewer": roles.REVIEWER,
        "stock": roles.INVENTORY_OPERATOR,
        "manager": roles.CAMPAIGN_MANAGER,
        "desk": roles.HANDOVER_OPERATOR,
    }
    for key, group in team.items():
        for email, organiser in ((f"{key}@demo.test", marseille), (f"{key}-lyon@demo.test", lyon)):
            user = User.objects.get(email=email)
            assert user.is_staff and user.check_password("demo-dons-2026")
            assert user.groups.filter(name=group).exists()
            assert set(StaffMembership.objects.filter(user=user).values_list("organiser", flat=True)) == {organiser.pk}
            seen = scope_to_user(Application.objects.all(), user)
            assert seen.exists() and set(seen.values_list("campaign__organiser", flat=True)) == {organiser.pk}
            units = scope_to_user(Computer.objects.all(), user, "lot__organiser")
            assert set(units.values_list("lot__organiser", flat=True)) == {organiser.pk}
    # One Marseille association applied to Lyon too: each team sees only the application made to its campaign.
    national = Association.objects.filter(applications__campaign__slug="lyon-2026", city="Marseille").get()
    for email, slug in (("reviewer@demo.test", "marseille-2026"), ("reviewer-lyon@demo.test", "lyon-2026")):
        mine = scope_to_user(national.applications.all(), User.objects.get(email=email))
        assert list(mine.values_list("campaign__slug", flat=True)) == [slug]
    coordinator = User.objects.get(email="coordinator@demo.test")
    assert coordinator.check_password("demo-dons-2026")
    assert coordinator.groups.filter(name=roles.NATIONAL_COORDINATOR).exists()
    assert scope_to_user(Application.objects.all(), coordinator).count() == Application.objects.count()
    assert not scope_to_user(Application.objects.all(), coordinator, acting=True).exists()
    assert not [p for p in coordinator.get_all_permissions() if not p.split(".")[1].startswith("view_")]


def test_eager_mode_needs_no_broker_and_logs_no_kombu_warning():
    """Without REDIS_URL, tasks run in-process; queueing one from another warned "No hostname was supplied"."""
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    code = (
        "import logging, django; django.setup(); logging.basicConfig(level=logging.WARNING)\n"
        "from django.conf import settings; from config.celery import app\n"
        "assert settings.CELERY_TASK_ALWAYS_EAGER\n"
        "with app.producer_or_acquire() as producer: print('producer', producer.connection.transport_cls)\n"
    )
    # No timeout= here (pytest-timeout bounds the test): subprocess's polling sleep fails under libfaketime,
    # and scripts/test.sh runs this module again with the clock moved.
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=django_settings.BASE_DIR, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "producer memory" in result.stdout
    assert "No hostname" not in result.stderr and "WARNING" not in result.stderr, result.stderr


def test_demo_staff_accounts_have_the_documented_second_factor(settings):
    """The demo (and the real-stack job) sign staff in with the README's secret; members have no second factor."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    from demo.management.commands.demo_totp_code import current_code
    from demo.management.commands.seed_demo import DEMO_TOTP_SECRET

    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: still one authenticator each
    for email in ("admin@demo.test", "reviewer@demo.test", "stock@demo.test", "manager@demo.test", "desk@demo.test"):
        totp = Authenticator.objects.get(user__email=email, type=Authenticator.Type.TOTP)
        assert Authenticator.objects.filter(user__email=email, type=Authenticator.Type.RECOVERY_CODES).count() == 1
        assert TOTP(totp).validate_code(current_code(DEMO_TOTP_SECRET)), email
    assert not Authenticator.objects.filter(user__email="association@demo.test").exists()


def test_seed_demo_refuses_to_run_with_debug_off():
    result = run_manage("seed_demo", DEBUG="0", SECRET_KEY="x" * 50, DATABASE_URL="sqlite:////tmp/never-used.sqlite3")
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_seed_demo_has_a_lot_with_collection_slots_for_the_stock_team(settings):
    from inventory.models import Collection

    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    collection = Collection.objects.select_related("lot__donor", "lot__organiser", "proposed_by").get()
    assert collection.status == Collection.Status.PROPOSED and collection.slots.count() == 3
    assert (collection.lot.donor.name, collection.lot.organiser.city) == ("Orange", "Marseille")
    assert collection.proposed_by.email == "donor@demo.test" and collection.lot.expected_count == 120
