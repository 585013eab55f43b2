from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImpactConfig(AppConfig):
    name = "impact"
    label = "impact"
    verbose_name = _("Impact et suivi")

    def ready(self) -> None:
        from impact import signals  # noqa: F401  (cache invalidation of the public statistics)
