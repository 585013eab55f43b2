"""Reads of the campaigns app that pages need."""

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce

from campaigns.models import Donor


def donors_with_totals(donors: QuerySet[Donor]) -> QuerySet[Donor]:
    """Donors annotated with ``pledged_total`` (computers pledged over all campaigns) and ``campaigns_n``."""
    return donors.annotate(pledged_total=Coalesce(Sum("pledges__pledged_units"), 0), campaigns_n=Count("pledges"))
