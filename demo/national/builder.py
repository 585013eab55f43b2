"""Build the national dataset: one transaction, each app's part in the order the foreign keys need."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.models import actor_label
from demo.national.accounts import AccountsBuilder
from demo.national.associations import AssociationsBuilder
from demo.national.campaigns import CampaignsBuilder
from demo.national.certificates import CertificatesBuilder
from demo.national.data import Summary, sizes
from demo.national.dataset import counts, exists
from demo.national.donations import DonationsBuilder
from demo.national.impact import ImpactBuilder
from demo.national.inventory import InventoryBuilder


def build(*, scale: float = 1.0, stdout=None) -> Summary:
    """Write the whole dataset in one transaction. Refuses if it exists (see ``reset``)."""
    import time

    started = time.perf_counter()
    if exists():
        raise ValueError("national dataset already present")
    with transaction.atomic():
        _Builder(scale, stdout).run()
    _analyze()
    summary = Summary(counts=counts(), seconds=time.perf_counter() - started)
    return summary


def _analyze() -> None:
    """Refresh PostgreSQL's statistics after the bulk load, as ``pg_restore`` does: until autovacuum gets to it,
    the planner would take the 10,000-unit tables for empty ones (the donor space's lot history then took 3 s
    with a nested loop over every unit, 40 ms once analysed)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


class _Builder(
    AccountsBuilder,
    CampaignsBuilder,
    AssociationsBuilder,
    DonationsBuilder,
    InventoryBuilder,
    CertificatesBuilder,
    ImpactBuilder,
):
    def __init__(self, scale: float, stdout=None):
        self.sizes = sizes(scale)
        self.stdout = stdout
        self.now = timezone.now()
        self.today = timezone.localdate()

    def say(self, text: str) -> None:
        if self.stdout is not None:
            self.stdout.write(f"  {text}")

    @staticmethod
    def by(user) -> dict:
        """The actor fields of a history row written by ``user``, as the services write them."""
        return {"actor": user, "actor_label": actor_label(user)}

    def run(self) -> None:
        self.users()
        self.campaigns()
        self.associations()
        self.plan()
        self.lots_and_pledges()
        self.stock()
        self.waves()
        self.handovers()
        self.impact()
