import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError

_axe = Axe()


def assert_accessible(page, label: str = "") -> None:
    """axe-core on the current page: no serious or critical violation.

    A click that submits a form may still be navigating when the check starts: the page is awaited, and a run
    that the navigation interrupted (its document gone) is run again once on the loaded page.
    """
    page.wait_for_load_state("load")
    try:
        results = _axe.run(page)
    except PlaywrightError:
        page.wait_for_load_state("load")
        results = _axe.run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    details = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:5]}" for v in bad
    )
    assert not bad, f"accessibility violations on {label or page.url}:\n{details}"


@pytest.fixture
def axe_check():
    return assert_accessible
