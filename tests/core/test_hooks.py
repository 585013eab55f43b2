"""Lower apps never import higher ones: they fire hooks (core.hooks) or keep registries (accounts.privacy,
accounts.admin) to which the higher apps subscribe in their AppConfig.ready()."""

import pytest

from accounts import admin as accounts_admin
from accounts import privacy
from certificates.models import Handover
from certificates.services import handover_ensure_for_allocations
from core.hooks import Hook
from donations import services
from donations.hooks import allocations_confirmed
from donations.models import Allocation
from tests.donations.conftest import applications, manager, marseille, wave  # noqa: F401  (fixtures)
from tests.factories.inventory import ready_units


def test_a_hook_calls_its_subscribers_once_each_in_order_and_lets_errors_through():
    hook = Hook("test.something", "Something happened.")
    calls = []

    def first(**kwargs):
        calls.append(("first", kwargs))
        return 1

    def second(**kwargs):
        calls.append(("second", kwargs))
        return 2

    hook.subscribe(first)
    hook.subscribe(second)
    hook.subscribe(first)  # AppConfig.ready() may run twice: still once
    assert hook.subscribers == (first, second)
    assert hook.fire(n=3) == [1, 2]
    assert calls == [("first", {"n": 3}), ("second", {"n": 3})]

    def broken(**kwargs):
        raise RuntimeError("no")

    hook.subscribe(broken)
    with pytest.raises(RuntimeError):
        hook.fire(n=4)
    hook.unsubscribe(broken)
    assert hook.subscribers == (first, second)
    assert hook.__doc__ == "Something happened." and "test.something" in repr(hook)


def test_the_certificates_app_subscribes_to_confirmed_allocations():
    assert allocations_confirmed.subscribers == (handover_ensure_for_allocations,)


@pytest.mark.django_db
def test_confirming_a_wave_fires_the_hook_once_in_its_transaction_and_creates_each_certificate_once(
    wave,  # noqa: F811
    applications,  # noqa: F811
    manager,  # noqa: F811
):
    ready_units(200)
    services.wave_plan(wave=wave, by=manager)
    seen = []

    def record(*, allocation_ids, by):
        # Inside the confirming transaction: the allocations are confirmed, their certificates not yet created.
        statuses = set(Allocation.objects.filter(pk__in=allocation_ids).values_list("status", flat=True))
        seen.append((list(allocation_ids), by, statuses, Handover.objects.count()))

    allocations_confirmed.subscribe(record)
    try:
        result = services.wave_confirm(wave=wave, by=manager)
    finally:
        allocations_confirmed.unsubscribe(record)
    ids = [a.pk for a in result.confirmed]
    assert len(ids) == 5
    assert seen == [(ids, manager, {Allocation.Status.CONFIRMED}, 5)]  # after the certificates' subscriber
    assert sorted(Handover.objects.values_list("allocation_id", flat=True)) == sorted(ids)
    assert handover_ensure_for_allocations(ids, by=manager) == []  # never twice


@pytest.mark.django_db
def test_a_failing_subscriber_rolls_the_confirmation_back(wave, applications, manager):  # noqa: F811
    ready_units(200)
    services.wave_plan(wave=wave, by=manager)

    def refuse(**kwargs):
        raise RuntimeError("the certificates could not be created")

    allocations_confirmed.subscribe(refuse)
    try:
        with pytest.raises(RuntimeError):
            services.wave_confirm(wave=wave, by=manager)
    finally:
        allocations_confirmed.unsubscribe(refuse)
    assert not Allocation.objects.filter(status=Allocation.Status.CONFIRMED).exists()
    assert not Handover.objects.exists()


def test_the_apps_register_their_part_of_personal_data_in_the_order_of_installed_apps():
    from associations import privacy as associations_privacy
    from certificates import privacy as certificates_privacy
    from impact import privacy as impact_privacy
    from support import privacy as support_privacy

    parts = privacy.personal_data_parts()
    assert [p.export for p in parts] == [
        associations_privacy.export,
        certificates_privacy.export,
        support_privacy.export,
        impact_privacy.export,
    ]
    assert [p.anonymise for p in parts if p.anonymise] == [associations_privacy.anonymise, impact_privacy.anonymise]
    assert [p.keeps_members for p in parts if p.keeps_members] == [associations_privacy.keeps_members]
    assert [p.retention for p in parts if p.retention] == [associations_privacy.retention]


def test_registering_again_replaces_an_apps_part():
    before = dict(privacy._PERSONAL_DATA)
    try:
        privacy.register_personal_data("certificates", export=None)
        privacy.register_personal_data("certificates", export=None)
        assert len(privacy.personal_data_parts()) == len(before)
        assert privacy._PERSONAL_DATA["certificates"].export is None
    finally:
        privacy._PERSONAL_DATA.clear()
        privacy._PERSONAL_DATA.update(before)


@pytest.mark.django_db
def test_the_export_keeps_its_sections_in_order():
    from tests.factories.accounts import UserFactory

    data = privacy.user_export(user=UserFactory())
    assert list(data) == [
        "generated_at",
        "account",
        "associations",
        "applications",
        "messages_written",
        "join_requests",
        "invitations_received",
        "handover_certificates",
        "fault_reports",
        "impact_reports",
        "receipt_eligibility_declared",
        "lot_values_declared",
        "receipts_issued",
        "history",
    ]


def test_the_user_page_shows_the_memberships_registered_by_the_associations_app(rf):
    from associations.user_admin import UserMembershipInline

    assert accounts_admin.USER_INLINES == [UserMembershipInline]
    from django.contrib import admin

    from accounts.models import User

    user_admin = admin.site._registry[User]
    assert UserMembershipInline in user_admin.get_inlines(rf.get("/"), None)
