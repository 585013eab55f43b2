from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The public pages and the association space: the top layer, it may import every app (none imports it)."""

    name = "portal"
