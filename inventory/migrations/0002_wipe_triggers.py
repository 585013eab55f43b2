"""Database triggers behind the wipe gate.

The CheckConstraint ``computer_cleared_needs_wipe`` says that a ready, reserved or handed-over
computer points to a wipe record. A check constraint cannot look into another table, so these
triggers add what it cannot say: the record pointed to belongs to the same computer and clears it
(a passed wipe or an exemption), and a wipe record, once written, is never changed.
"""

from django.db import migrations

SQLITE = [
    """
    CREATE TRIGGER inventory_computer_wipe_record_insert
    BEFORE INSERT ON inventory_computer
    WHEN NEW.wipe_record_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM inventory_wiperecord w
        WHERE w.id = NEW.wipe_record_id AND w.computer_id = NEW.id
          AND (w.kind = 'exemption' OR w.result = 'passed'))
    BEGIN SELECT RAISE(ABORT, 'inventory_computer_wipe_record_clears'); END;
    """,
    """
    CREATE TRIGGER inventory_computer_wipe_record_update
    BEFORE UPDATE OF wipe_record_id ON inventory_computer
    WHEN NEW.wipe_record_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM inventory_wiperecord w
        WHERE w.id = NEW.wipe_record_id AND w.computer_id = NEW.id
          AND (w.kind = 'exemption' OR w.result = 'passed'))
    BEGIN SELECT RAISE(ABORT, 'inventory_computer_wipe_record_clears'); END;
    """,
    """
    CREATE TRIGGER inventory_wiperecord_no_update
    BEFORE UPDATE ON inventory_wiperecord
    BEGIN SELECT RAISE(ABORT, 'inventory_wiperecord_append_only'); END;
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS inventory_computer_wipe_record_insert;",
    "DROP TRIGGER IF EXISTS inventory_computer_wipe_record_update;",
    "DROP TRIGGER IF EXISTS inventory_wiperecord_no_update;",
]

POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION inventory_computer_wipe_record_check() RETURNS trigger AS $$
    BEGIN
        IF NEW.wipe_record_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM inventory_wiperecord w
            WHERE w.id = NEW.wipe_record_id AND w.computer_id = NEW.id
              AND (w.kind = 'exemption' OR w.result = 'passed')) THEN
            RAISE EXCEPTION 'inventory_computer_wipe_record_clears' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER inventory_computer_wipe_record_check
    BEFORE INSERT OR UPDATE OF wipe_record_id ON inventory_computer
    FOR EACH ROW EXECUTE FUNCTION inventory_computer_wipe_record_check();
    """,
    """
    CREATE OR REPLACE FUNCTION inventory_wiperecord_no_update() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'inventory_wiperecord_append_only' USING ERRCODE = 'check_violation';
    END
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER inventory_wiperecord_no_update
    BEFORE UPDATE ON inventory_wiperecord
    FOR EACH ROW EXECUTE FUNCTION inventory_wiperecord_no_update();
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS inventory_computer_wipe_record_check ON inventory_computer;",
    "DROP FUNCTION IF EXISTS inventory_computer_wipe_record_check();",
    "DROP TRIGGER IF EXISTS inventory_wiperecord_no_update ON inventory_wiperecord;",
    "DROP FUNCTION IF EXISTS inventory_wiperecord_no_update();",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        )
    ]
