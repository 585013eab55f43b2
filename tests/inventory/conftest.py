import pytest

from accounts import roles
from tests.factories.accounts import UserFactory, staff_with_role
from tests.factories.associations import AssociationFactory, member_of
from tests.factories.inventory import LotFactory

ROLES = ["inventory", "reviewer", "manager", "handover", "member", "anonymous", "superuser"]


def make_user(role: str):
    if role == "inventory":
        return staff_with_role(roles.INVENTORY_OPERATOR, email="stock@ville.example.org")
    if role == "reviewer":
        return staff_with_role(roles.REVIEWER, email="reviewer@ville.example.org")
    if role == "manager":
        return staff_with_role(roles.CAMPAIGN_MANAGER, email="manager@ville.example.org")
    if role == "handover":
        return staff_with_role(roles.HANDOVER_OPERATOR, email="desk@ville.example.org")
    if role == "member":
        return member_of(AssociationFactory(legal_name="Asso du membre"), email="membre@asso.example.org")
    if role == "superuser":
        return UserFactory(email="root@ville.example.org", is_staff=True, is_superuser=True)
    return None


@pytest.fixture
def operator(db):
    return staff_with_role(
        roles.INVENTORY_OPERATOR, email="operateur@ville.example.org", first_name="Samia", last_name="Stock"
    )


@pytest.fixture
def lot(db):
    return LotFactory(reference="ORANGE-2026-01")


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client
