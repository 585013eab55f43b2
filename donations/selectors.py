from django.db.models import QuerySet

from donations.models import Campaign


def campaigns_for_home() -> QuerySet[Campaign]:
    return Campaign.objects.public().prefetch_related("pledges__donor").order_by("status", "-applications_open_on")
