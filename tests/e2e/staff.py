"""Staff in the browser tests: a password and a second factor, and the admin sign-in that asks for both."""

from accounts.services import user_add_totp
from demo.management.commands.demo_totp_code import current_code

PASSWORD = "motdepasse-solide-42"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def with_password_and_totp(user):
    """A staff member who can sign in to the admin: the tests' password and an authenticator app."""
    user.set_password(PASSWORD)
    user.save()
    user_add_totp(user=user, secret=TOTP_SECRET)
    return user


def sign_in_to_the_admin(page, live_server, user) -> None:
    """The admin sends to the login page, then to the second factor's code, then back to the admin home."""
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Courriel").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Connexion").click()
    page.wait_for_url(lambda url: "/accounts/2fa/authenticate/" in url)
    page.locator("input[name=code]").fill(current_code(TOTP_SECRET))
    page.locator("main").locator("button[type=submit]").first.click()
    page.wait_for_url(f"{live_server.url}/admin/")
