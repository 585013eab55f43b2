"""The journals' renamed columns keep their data, both ways (HandoverEvent's state columns, WipeRecord's operator)."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from core.transitions import transition
from tests.core.test_transitions import make_handover
from tests.factories.accounts import StaffFactory
from tests.factories.inventory import ComputerFactory

BEFORE = [("certificates", "0001_initial"), ("inventory", "0002_wipe_triggers")]


def _migrate(targets=None):
    """Migrate the two apps to ``targets``, or every app back to its latest migration (going back unapplies the
    other apps' migrations that depend on these two: they must all come back, or later tests meet an old schema)."""
    executor = MigrationExecutor(connection)
    if targets is None:
        targets = executor.loader.graph.leaf_nodes()
    executor.migrate(targets)


def _rows(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return sorted(cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_renamed_journal_columns_keep_their_data():
    from certificates.models import HandoverEvent
    from inventory.models import WipeRecord

    operator = StaffFactory(email="atelier@example.org", first_name="Samia", last_name="Stock")
    handover = transition(make_handover("pending"), to="rendering", by=operator)
    transition(handover, to="failed", by=None, error="Le moteur de rendu a expiré.")
    ComputerFactory(status="ready")
    record = WipeRecord.objects.create(
        computer=ComputerFactory(),
        kind="wipe",
        method="nist_clear",
        result="failed",
        actor=operator,
        actor_label="Samia Stock",
    )
    events = sorted(HandoverEvent.objects.values_list("pk", "from_status", "to_status"))
    assert events
    wipes = sorted(WipeRecord.objects.values_list("pk", "actor_id", "actor_label"))
    assert (record.pk, operator.pk, "Samia Stock") in wipes

    try:
        _migrate(BEFORE)
        table = HandoverEvent._meta.db_table
        assert _rows(f"SELECT id, from_state, to_state FROM {table}") == events
        assert _rows(f"SELECT id, operator_id, operator_label FROM {WipeRecord._meta.db_table}") == wipes
    finally:
        _migrate()
    assert sorted(HandoverEvent.objects.values_list("pk", "from_status", "to_status")) == events
    assert sorted(WipeRecord.objects.values_list("pk", "actor_id", "actor_label")) == wipes
    # The database still refuses any change to a wipe record (its trigger survived the renames).
    with pytest.raises(DatabaseError), transaction.atomic():
        WipeRecord.objects.filter(pk=record.pk).update(actor_label="Quelqu'un d'autre")
