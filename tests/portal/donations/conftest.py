"""The donations tests' fixtures (a Marseille campaign, its applications, a wave), for the portal's pages; each
test module says how its wave is ``confirmed``, then ``first`` is the first association's allocation and ``member``
one of its members."""

import pytest

from tests.donations.conftest import applications, manager, marseille, wave  # noqa: F401
from tests.factories.associations import member_of


@pytest.fixture
def first(confirmed, applications):  # noqa: F811 (the fixture imported above)
    return confirmed.allocations.get(application=applications[0])


@pytest.fixture
def member(applications):  # noqa: F811
    return member_of(applications[0].association, email="membre@asso.example.org")
