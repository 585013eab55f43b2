import pytest

from accounts import roles
from tests.factories.accounts import staff_with_role
from tests.factories.inventory import LotFactory


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
