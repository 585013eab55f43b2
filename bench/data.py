"""Rows the benchmarks build in bulk, shared by the scripts (imported once Django is set up)."""


def passed_functional_tests(computers) -> list:
    """One passed functional test (the default checklist, every item passed) per unit, in bulk."""
    from inventory.models import DEFAULT_CHECKLIST, FunctionalTest, FunctionalTestResult

    tests = FunctionalTest.objects.bulk_create(
        [FunctionalTest(computer_id=c.pk, checklist="bench", passed=True) for c in computers], batch_size=2000
    )
    FunctionalTestResult.objects.bulk_create(
        (
            FunctionalTestResult(test=t, position=n, label=str(label), passed=True)
            for t in tests
            for n, (label, _text) in enumerate(DEFAULT_CHECKLIST)
        ),
        batch_size=5000,
    )
    return tests
