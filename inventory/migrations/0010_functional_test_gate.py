"""The database's half of « ready needs a passed functional test and a clearing wipe ».

The CheckConstraint ``computer_cleared_needs_functional_test`` says that a ready, reserved or handed-over computer
points to a functional test; as for the wipe (0002), triggers add what a check constraint cannot say: the test
pointed to belongs to the same computer and passed, a passed test has no failed item, and tests are never changed.
Separate from 0009: PostgreSQL refuses to alter a table with the data migration's pending trigger events.
"""

from django.db import migrations, models

SQLITE = [
    """
    CREATE TRIGGER inventory_computer_functional_test_insert
    BEFORE INSERT ON inventory_computer
    WHEN NEW.functional_test_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM inventory_functionaltest t
        WHERE t.id = NEW.functional_test_id AND t.computer_id = NEW.id AND t.passed)
    BEGIN SELECT RAISE(ABORT, 'inventory_computer_functional_test_passed'); END;
    """,
    """
    CREATE TRIGGER inventory_computer_functional_test_update
    BEFORE UPDATE OF functional_test_id ON inventory_computer
    WHEN NEW.functional_test_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM inventory_functionaltest t
        WHERE t.id = NEW.functional_test_id AND t.computer_id = NEW.id AND t.passed)
    BEGIN SELECT RAISE(ABORT, 'inventory_computer_functional_test_passed'); END;
    """,
    """
    CREATE TRIGGER inventory_functionaltestresult_failed_under_passed
    BEFORE INSERT ON inventory_functionaltestresult
    WHEN NOT NEW.passed AND EXISTS (
        SELECT 1 FROM inventory_functionaltest t WHERE t.id = NEW.test_id AND t.passed)
    BEGIN SELECT RAISE(ABORT, 'inventory_functionaltest_passed_needs_every_item'); END;
    """,
    """
    CREATE TRIGGER inventory_functionaltest_no_update
    BEFORE UPDATE ON inventory_functionaltest
    BEGIN SELECT RAISE(ABORT, 'inventory_functionaltest_append_only'); END;
    """,
    """
    CREATE TRIGGER inventory_functionaltestresult_no_update
    BEFORE UPDATE ON inventory_functionaltestresult
    BEGIN SELECT RAISE(ABORT, 'inventory_functionaltest_append_only'); END;
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS inventory_computer_functional_test_insert;",
    "DROP TRIGGER IF EXISTS inventory_computer_functional_test_update;",
    "DROP TRIGGER IF EXISTS inventory_functionaltestresult_failed_under_passed;",
    "DROP TRIGGER IF EXISTS inventory_functionaltest_no_update;",
    "DROP TRIGGER IF EXISTS inventory_functionaltestresult_no_update;",
]

POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION inventory_computer_functional_test_check() RETURNS trigger AS $$
    BEGIN
        IF NEW.functional_test_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM inventory_functionaltest t
            WHERE t.id = NEW.functional_test_id AND t.computer_id = NEW.id AND t.passed) THEN
            RAISE EXCEPTION 'inventory_computer_functional_test_passed' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER inventory_computer_functional_test_check
    BEFORE INSERT OR UPDATE OF functional_test_id ON inventory_computer
    FOR EACH ROW EXECUTE FUNCTION inventory_computer_functional_test_check();
    """,
    """
    CREATE OR REPLACE FUNCTION inventory_functionaltestresult_check() RETURNS trigger AS $$
    BEGIN
        IF NOT NEW.passed AND EXISTS (
            SELECT 1 FROM inventory_functionaltest t WHERE t.id = NEW.test_id AND t.passed) THEN
            RAISE EXCEPTION 'inventory_functionaltest_passed_needs_every_item' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER inventory_functionaltestresult_check
    BEFORE INSERT ON inventory_functionaltestresult
    FOR EACH ROW EXECUTE FUNCTION inventory_functionaltestresult_check();
    """,
    """
    CREATE OR REPLACE FUNCTION inventory_functionaltest_no_update() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'inventory_functionaltest_append_only' USING ERRCODE = 'check_violation';
    END
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER inventory_functionaltest_no_update
    BEFORE UPDATE ON inventory_functionaltest
    FOR EACH ROW EXECUTE FUNCTION inventory_functionaltest_no_update();
    """,
    """
    CREATE TRIGGER inventory_functionaltestresult_no_update
    BEFORE UPDATE ON inventory_functionaltestresult
    FOR EACH ROW EXECUTE FUNCTION inventory_functionaltest_no_update();
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS inventory_computer_functional_test_check ON inventory_computer;",
    "DROP FUNCTION IF EXISTS inventory_computer_functional_test_check();",
    "DROP TRIGGER IF EXISTS inventory_functionaltestresult_check ON inventory_functionaltestresult;",
    "DROP FUNCTION IF EXISTS inventory_functionaltestresult_check();",
    "DROP TRIGGER IF EXISTS inventory_functionaltest_no_update ON inventory_functionaltest;",
    "DROP TRIGGER IF EXISTS inventory_functionaltestresult_no_update ON inventory_functionaltestresult;",
    "DROP FUNCTION IF EXISTS inventory_functionaltest_no_update();",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("inventory", "0009_functional_test_defaults")]

    operations = [
        migrations.AddConstraint(
            model_name="computer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status__in", ("ready", "reserved", "handed_over")), _negated=True),
                    ("functional_test__isnull", False),
                    _connector="OR",
                ),
                name="computer_cleared_needs_functional_test",
                violation_error_message="Un ordinateur ne peut être prêt, réservé ou remis sans test fonctionnel réussi.",
            ),
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        ),
    ]
