from allauth.account.adapter import get_adapter
from django.contrib.admin.forms import AdminAuthenticationForm


class ThrottledAdminLoginForm(AdminAuthenticationForm):
    """The admin's login, counted by the same failed-login limits as the site's (ACCOUNT_RATE_LIMITS).

    Five wrong passwords for one account lock it for 15 minutes whichever form they were typed in,
    so that the staff accounts, the most valuable ones, are no easier to guess than a member's.
    """

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            # allauth counts the attempt, refuses over the limit ("Trop de tentatives…"), then authenticates.
            self.user_cache = get_adapter(self.request).authenticate(
                self.request, email=username.strip().lower(), password=password
            )
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
