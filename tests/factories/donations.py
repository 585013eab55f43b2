"""Waves (donations app)."""

import datetime

import factory
from django.utils import timezone

from tests.factories.campaigns import CampaignFactory


class WaveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "donations.Wave"

    campaign = factory.SubFactory(CampaignFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = ""
    capacity = 100
    handover_starts_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=14))
    # Two weeks of handovers: at least 10 working days whatever today is (80 slots at 8 a day).
    handover_ends_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=27))
    place = "Cité des associations, 93 La Canebière, 13001 Marseille"
