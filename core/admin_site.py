"""The admin's app config: Django's admin with ``core.admin_helpers.PortalAdminSite`` as its default site (every
ModelAdmin registered on it gets proper French titles). Listed in INSTALLED_APPS in place of django.contrib.admin."""

from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    default_site = "core.admin_helpers.PortalAdminSite"
