"""The impact tests' fixtures (a handed-over wave and its reports), for the association's report pages."""

from tests.impact.conftest import _clear_cache, association_member, report, reports, wave  # noqa: F401
