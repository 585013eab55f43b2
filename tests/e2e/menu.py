"""The site's header menu in the browser tests."""

from playwright.sync_api import expect


def switch_language(page, button: str, lang: str) -> None:
    """Click the language switch (in the header, or in the menu opened on a phone) and wait for its page.

    On a phone the menu must have finished opening first: a tap during Bootstrap's collapse animation was lost in CI
    (three times, under load), the page staying in its language.
    """
    menu = page.locator(".navbar-collapse")
    if (
        menu.evaluate("element => getComputedStyle(element).display") != "none"
        and page.locator(".navbar-toggler").is_visible()
    ):
        expect(page.locator(".navbar-collapse.show")).to_be_visible()
        expect(page.locator(".navbar-collapse.collapsing")).to_have_count(0)
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()
    expect(page.locator("html")).to_have_attribute("lang", lang)
