"""Who reaches the donor space (/donor/) and what they see there: every role of tests/roles.py, plus the people of
two donor companies. A donor's people see only their donor's pledges, lots and figures."""

import pytest
from django.urls import reverse

from tests.factories.donors import donor_member, donor_world
from tests.roles import ROLES, make_user

pytestmark = pytest.mark.django_db

ORANGE_ONLY = ("ORANGE-ATELIER", "Campagne des donateurs")
OTHER_ONLY = ("AUTRE-LOT-1",)


@pytest.fixture
def world():
    return donor_world()


@pytest.mark.parametrize("role", ROLES)
def test_every_role_other_than_a_donor_sees_no_donor_figures(client, world, role):
    user = make_user(role)
    if user is not None:
        client.force_login(user)
    response = client.get(reverse("donors:space"))
    if user is None:
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
        return
    assert response.status_code == 200
    body = response.content.decode()
    assert not any(text in body for text in (*ORANGE_ONLY, *OTHER_ONLY))


@pytest.mark.parametrize(
    ("who", "sees", "never"), [("orange", ORANGE_ONLY, OTHER_ONLY), ("other", OTHER_ONLY, ORANGE_ONLY)]
)
def test_a_donors_people_see_their_donor_only(client, world, who, sees, never):
    user = world.person if who == "orange" else donor_member(world.other_donor, email="x@autre.example.com")
    client.force_login(user)
    body = client.get(reverse("donors:space")).content.decode()
    assert all(text in body for text in sees)
    assert not any(text in body for text in never)


def test_a_post_to_the_space_changes_nothing(client, world):
    client.force_login(world.person)
    assert client.post(reverse("donors:space")).status_code == 405
