"""The donations tests' fixtures (a Marseille campaign, its applications, a wave), for the portal's pages."""

from tests.donations.conftest import applications, manager, marseille, wave  # noqa: F401
