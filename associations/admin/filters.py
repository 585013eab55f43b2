"""The list filters of the applications and associations lists."""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from associations.models import Application, Mission
from campaigns.scoping import ScopedRelatedFieldListFilter
from core.admin_helpers import ChoicesFilter, cached_per_request


class CampaignFilter(ScopedRelatedFieldListFilter):
    def field_choices(self, field, request, model_admin):
        return cached_per_request(
            request, "campaigns", lambda: super(CampaignFilter, self).field_choices(field, request, model_admin)
        )


class _ExactLookupFilter(admin.SimpleListFilter):
    """Filters on ``lookup`` equal to the chosen value (the lookup differs between applications and associations)."""

    lookup = ""

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.lookup: self.value()})
        return queryset


class MissionFilter(_ExactLookupFilter):
    title = gettext_lazy("mission")
    parameter_name = "mission"
    lookup = "association__missions__code"

    def lookups(self, request, model_admin):
        return cached_per_request(request, "missions", lambda: [(m.code, str(m)) for m in Mission.objects.all()])


class AssociationMissionFilter(MissionFilter):
    lookup = "missions__code"


class PostalCodeFilter(_ExactLookupFilter):
    title = gettext_lazy("code postal")
    parameter_name = "code_postal"
    lookup = "association__postal_code"

    def lookups(self, request, model_admin):
        # The codes of the rows the list may show (scoped to the reader's organisers): a Lyon reviewer is not offered
        # Marseille's postal codes. One query, the list's queryset as a subquery.
        def compute():
            shown = model_admin.get_queryset(request).order_by().values("pk")
            codes = (
                model_admin.model._default_manager.filter(pk__in=shown)
                .order_by(self.lookup)
                .values_list(self.lookup, flat=True)
                .distinct()
            )
            return [(code, code) for code in codes if code]

        return cached_per_request(request, "postal_codes", compute)


class AssociationPostalCodeFilter(PostalCodeFilter):
    lookup = "postal_code"


class RequestedQuantityFilter(ChoicesFilter):
    title = gettext_lazy("ordinateurs demandés")
    parameter_name = "demandes"
    options = {
        "lt10": (gettext_lazy("moins de 10"), Q(requested_quantity__lte=9)),
        "10-14": (gettext_lazy("10 à 14"), Q(requested_quantity__gte=10, requested_quantity__lte=14)),
        "15-19": (gettext_lazy("15 à 19"), Q(requested_quantity__gte=15, requested_quantity__lte=19)),
        "20-24": (gettext_lazy("20 à 24"), Q(requested_quantity__gte=20, requested_quantity__lte=24)),
        "25-30": (gettext_lazy("25 à 30"), Q(requested_quantity__gte=25, requested_quantity__lte=30)),
        "gt30": (gettext_lazy("plus de 30"), Q(requested_quantity__gte=31)),
    }


class StatusFilter(admin.SimpleListFilter):
    """The status, pending review by default (the list opens on the work to do); « toutes » shows every status.

    Drafts are never listed (they are the association's work in progress), so they are not offered either.
    The parameter keeps the name of Django's field filter, so that older links keep working.
    """

    title = gettext_lazy("statut")
    parameter_name = "status__exact"
    ALL = "all"
    DEFAULT = Application.Status.SUBMITTED

    def lookups(self, request, model_admin):
        return [
            *((value, label) for value, label in Application.Status.choices if value != Application.Status.DRAFT),
            (self.ALL, _("Toutes")),
        ]

    def value(self):
        value = super().value()
        return value if value else self.DEFAULT

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.ALL or value not in Application.Status.values:
            return queryset
        return queryset.filter(status=value)

    def choices(self, changelist):
        current = self.value()
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class AnswerFilter(ChoicesFilter):
    title = gettext_lazy("réponse de l'association")
    parameter_name = "reponse"
    options = {
        "recue": (gettext_lazy("réponse reçue, à lire"), Q(answer_received_at__isnull=False)),
        "non": (gettext_lazy("rien à lire"), Q(answer_received_at__isnull=True)),
    }


class AssignedFilter(ChoicesFilter):
    title = gettext_lazy("instruction")
    parameter_name = "instruite_par"
    options = {
        "moi": (gettext_lazy("mes candidatures"), lambda request: Q(assigned_to=request.user)),
        "personne": (gettext_lazy("non attribuées"), Q(assigned_to__isnull=True)),
    }
