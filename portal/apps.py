from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The public pages and the association space: the top layer, it may import every app (none imports it)."""

    name = "portal"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from portal.donors import remember_donor_space

        user_logged_in.connect(remember_donor_space, dispatch_uid="portal-donor-space-link")
