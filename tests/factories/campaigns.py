"""Donors and campaigns (campaigns app)."""

import datetime

import factory
from django.utils import timezone
from django.utils.text import slugify

from campaigns.models import Campaign, CampaignDonor, Donor, Organiser


class DonorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Donor
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Opérateur {n}")
    # The model's default is anonymous (privacy first); most tests read the company's name on the pages.
    public_name_shown = True


class OrganiserFactory(factory.django.DjangoModelFactory):
    """By default the Marseille of every test written before organisers existed (one row, shared)."""

    class Meta:
        model = Organiser
        django_get_or_create = ("slug",)

    name = "Ville de Marseille"
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    kind = Organiser.Kind.CITY
    city = "Marseille"


def lyon() -> Organiser:
    return OrganiserFactory(name="Métropole de Lyon", kind=Organiser.Kind.METROPOLIS, city="Lyon")


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    organiser = factory.SubFactory(OrganiserFactory)
    name = factory.Sequence(lambda n: f"Campagne {n}")
    slug = factory.Sequence(lambda n: f"campagne-{n}")
    city = factory.LazyAttribute(lambda o: o.organiser.city or "Marseille")
    pledged_units = 1000
    min_per_association = 10
    max_per_association = 30
    status = Campaign.Status.OPEN
    applications_open_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    applications_close_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=60))

    @factory.post_generation
    def with_donor(obj, create, extracted, **kwargs):
        if create:
            CampaignDonor.objects.create(
                campaign=obj, donor=DonorFactory(name="Orange"), pledged_units=obj.pledged_units
            )


def campaign_opened(name: str, organiser: Organiser, city: str, opened_days_ago: int) -> Campaign:
    """A campaign named ``name`` (its slug from it) in ``city``, whose applications opened ``opened_days_ago`` ago."""
    return CampaignFactory(
        name=name,
        slug=name.lower().replace(" ", "-"),
        organiser=organiser,
        city=city,
        applications_open_on=timezone.localdate() - datetime.timedelta(days=opened_days_ago),
    )


def campaigns_in_four_cities() -> dict[str, Campaign]:
    """One campaign in each of Villeurbanne, Lyon, Aix-en-Provence and Marseille, each of its city's organiser (with
    their postal codes); newest first by default: Villeurbanne, Lyon, Aix, then Marseille's."""
    marseille = OrganiserFactory()
    marseille.postal_codes = "13001 13002 13003"
    marseille.save()
    metropole = lyon()
    metropole.postal_codes = "69001 69002 69003"
    metropole.save()
    aix = OrganiserFactory(name="Pays d'Aix", city="Aix-en-Provence", postal_codes="13090 13100")
    villeurbanne = OrganiserFactory(name="Ville de Villeurbanne", city="Villeurbanne", postal_codes="69100")
    return {
        "villeurbanne": campaign_opened("Villeurbanne 2027", villeurbanne, "Villeurbanne", 1),
        "lyon": campaign_opened("Lyon 2027", metropole, "Lyon", 2),
        "aix": campaign_opened("Aix 2027", aix, "Aix-en-Provence", 3),
        "marseille": campaign_opened("Marseille 2027", marseille, "Marseille", 4),
    }


# A donor company's offer as /donate/ takes it (a valid SIRET, check key included): pass it with the campaign.
DONOR_OFFER_FIELDS = {
    "company_name": "Entreprise Généreuse",
    "siret": "73282932000074",
    "units": 40,
    "models_description": "Dell OptiPlex 7070",
    "site_address": "1 rue du Port, 13002 Marseille",
    "available_from": datetime.date(2026, 3, 1),
    "contact_name": "Claire Dupont",
    "contact_email": "claire@genereuse.example.com",
}
