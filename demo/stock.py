"""Ready units in bulk, for the test factories and the benchmarks: each unit in reconditioning gets a passed wipe
record and a passed functional test (every item of the default checklist), then is ready. A few queries, not the
inventory services (which check and write a history row unit by unit): the data a scenario starts from."""


def passed_functional_tests(computers) -> list:
    """One passed functional test per computer (every default item passed), in a few queries: not attached."""
    from inventory.models import DEFAULT_CHECKLIST, FunctionalTest, FunctionalTestResult

    tests = FunctionalTest.objects.bulk_create(
        [
            FunctionalTest(computer_id=c.pk, checklist="liste par défaut", passed=True, actor_label="Usine de test")
            for c in computers
        ]
    )
    FunctionalTestResult.objects.bulk_create(
        [
            FunctionalTestResult(test=test, position=i, label=str(label), passed=True)
            for test in tests
            for i, (label, _text) in enumerate(DEFAULT_CHECKLIST)
        ]
    )
    return tests


def ready_computers(n: int, *, lot, **fields) -> list:
    """``n`` ready units (the same HP model) in ``lot``, created in a few queries; ``fields``: any other values.
    Each is wiped with a passed Blancco report and tested, then ready."""
    from inventory.models import Computer, WipeRecord

    start = Computer.objects.count()
    computers = Computer.objects.bulk_create(
        [
            Computer(
                asset_tag=f"{lot.reference}-R{start + i:05d}",
                manufacturer="HP",
                model="EliteDesk 800 G5 SFF",
                serial_number=f"CZC{lot.pk:03d}{start + i:06d}",
                cpu="Intel Core i5-9500",
                ram_gb=8,
                storage_gb=256,
                storage_type="ssd",
                os="Windows 10 Pro",
                grade="A",
                lot=lot,
                status="reconditioning",
                **fields,
            )
            for i in range(n)
        ]
    )
    records = WipeRecord.objects.bulk_create(
        [
            WipeRecord(
                computer=c,
                kind="wipe",
                method="nist_purge",
                result="passed",
                report_reference=f"R-{c.serial_number}",
                tool="Blancco Drive Eraser",
            )
            for c in computers
        ]
    )
    tests = passed_functional_tests(computers)
    for computer, record, test in zip(computers, records, tests, strict=True):
        computer.wipe_record = record
        computer.functional_test = test
        computer.status = "ready"
    Computer.objects.bulk_update(computers, ["wipe_record", "functional_test", "status"])
    return computers
