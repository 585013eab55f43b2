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
    associations = list(Association.objects.all())
    assert len(associations) >= 40
    for association in associations:
        validate_rna(association.rna)
        validate_postal_code(association.postal_code)
        assert "13001" <= association.postal_code <= "13016"
        assert not association.siret or siret.is_valid(association.siret)
    approved = Application.objects.filter(status="approved").order_by("priority", "approved_at", "created_at")
    assert approved.count() > len(associations) / 2
    assert sum(a.granted_quantity for a in approved[:27]) == 486
    statuses = set(Application.objects.values_list("status", flat=True))
    assert {"approved", "submitted", "info_requested", "waitlisted", "rejected", "draft"} <= statuses


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
