import pytest
from django.contrib.auth.models import Group, Permission

from accounts.roles import ROLE_PERMISSIONS

pytestmark = pytest.mark.django_db


def test_every_role_exists_with_exactly_its_permissions():
    for role, codes in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert granted == set(codes), role


def test_every_permission_named_in_the_roles_table_exists():
    existing = {f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")}
    missing = {code for codes in ROLE_PERMISSIONS.values() for code in codes} - existing
    assert not missing


def test_no_role_may_delete_history():
    for codes in ROLE_PERMISSIONS.values():
        assert not [c for c in codes if c.split(".")[1].startswith("delete_") and "event" in c]
