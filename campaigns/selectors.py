"""Reads of the campaigns app that pages need."""

from collections.abc import Iterable

from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.text import slugify

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


def _department(postal_code: str) -> str:
    """The département of a French postal code: its first two digits, three overseas (971 to 989)."""
    code = (postal_code or "").strip()
    if len(code) != 5 or not code.isdigit():
        return ""
    return code[:3] if code.startswith("97") or code.startswith("98") else code[:2]


def _city_key(city: str) -> str:
    # « Saint-Étienne », « SAINT ETIENNE » and « saint-etienne » are one city.
    return slugify(city or "")


def _nearness(campaign: Campaign, places: list[tuple[str, str, str]]) -> int:
    """0: a campaign of one's city, 1: of one's département, 2: elsewhere (the best over one's associations)."""
    organiser = campaign.organiser
    cities = {_city_key(campaign.city), _city_key(organiser.city)} - {""}
    codes = set(organiser.postal_code_list)
    departments = {_department(code) for code in codes} - {""}
    best = 2
    for city, code, department in places:
        if city in cities or code in codes:
            return 0
        if department and department in departments:
            best = 1
    return best


def nearest_first(campaigns: Iterable[Campaign], associations: Iterable) -> list[Campaign]:
    """``campaigns`` with those of the associations' city first, then of their département, then the others
    (each group in its given order). No query: the campaigns come with their organiser (``select_related``)."""
    places = [(_city_key(a.city), a.postal_code, _department(a.postal_code)) for a in associations]
    ranked = [(_nearness(campaign, places), index, campaign) for index, campaign in enumerate(campaigns)]
    return [campaign for _rank, _index, campaign in sorted(ranked, key=lambda row: row[:2])]
