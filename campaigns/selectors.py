"""Reads of the campaigns app that pages need."""

from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from campaigns.models import Campaign, Donor, StaffMembership


def donors_with_totals(donors: QuerySet[Donor]) -> QuerySet[Donor]:
    """Donors annotated with ``pledged_total`` (computers pledged over all campaigns) and ``campaigns_n``."""
    return donors.annotate(pledged_total=Coalesce(Sum("pledges__pledged_units"), 0), campaigns_n=Count("pledges"))


def organisers_with_counts(organisers):
    """Organisers annotated with ``campaign_n`` and ``member_n`` (one subquery each: one query for a list)."""

    def count_of(model, **filters):
        rows = model.objects.filter(organiser=OuterRef("pk"), **filters).order_by().values("organiser")
        return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")[:1]), 0)

    return organisers.annotate(campaign_n=count_of(Campaign), member_n=count_of(StaffMembership))
