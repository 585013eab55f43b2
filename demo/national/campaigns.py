"""The national dataset's campaigns, donors, lots and pledges."""

from __future__ import annotations

import datetime

from demo.national.data import CITIES, DOMAIN, DONOR_NAMES, LOT_PREFIX, PARTNER_NAMES, SLUGS


class CampaignsBuilder:
    """One part of ``builder._Builder``: it reads and sets the state the earlier parts left on ``self``."""

    def campaigns(self) -> None:
        from campaigns.models import Campaign, CampaignEvent
        from demo.organisers import organiser
        from impact.models import CampaignReporting

        today = self.today
        # One organiser per city (the city's or the metropolis's team runs its campaign and receives its lots).
        self.organisers = [organiser(city) for city, _slug, _dept in CITIES]
        self.campaign_list = Campaign.objects.bulk_create(
            [
                Campaign(
                    organiser=self.organisers[index],
                    name=f"Des ordinateurs pour les associations de {city}",
                    slug=slug,
                    city=city,
                    description=(
                        f"Vingt entreprises donnent leurs ordinateurs de bureau reconditionnés aux associations "
                        f"de {city} qui luttent contre la fracture numérique, en trois vagues."
                    ),
                    eligibility=f"Associations de {city} et de sa métropole engagées pour l'inclusion numérique.",
                    pledged_units=1,  # set below, once the lots are known
                    applications_open_on=today - datetime.timedelta(days=330),
                    applications_close_on=today + datetime.timedelta(days=90),
                    status=Campaign.Status.OPEN,
                )
                for index, (city, slug, _dept) in enumerate(CITIES)
            ]
        )
        CampaignEvent.objects.bulk_create(
            [
                CampaignEvent(
                    campaign=c,
                    **self.by(self.staff["manager"]),
                    from_status="draft",
                    to_status="open",
                    created_at=self.now - datetime.timedelta(days=331),
                )
                for c in self.campaign_list
            ]
        )
        CampaignReporting.objects.bulk_create([CampaignReporting(campaign=c) for c in self.campaign_list])
        self.say(f"campagnes : {', '.join(SLUGS)}")

    def lots_and_pledges(self) -> None:
        from campaigns.models import Campaign, CampaignDonor, Donor, DonorMembership
        from inventory.models import Lot, StockPartner

        today = self.today
        self.donors = Donor.objects.bulk_create(
            [
                # One company in four did not agree to be named: the public pages say « Une entreprise ».
                Donor(name=name, contact_email=f"dons-{i + 1:02d}@donateur.{DOMAIN}", public_name_shown=i % 4 != 3)
                for i, name in enumerate(DONOR_NAMES)
            ]
        )
        # One person of each company sees its donor space (/donor/).
        DonorMembership.objects.bulk_create(
            [DonorMembership(user=u, donor=d) for u, d in zip(self.donor_people, self.donors, strict=True)]
        )
        # One refurbisher per city, working for its organiser: it reconditions that city's lots.
        self.partners = StockPartner.objects.bulk_create([StockPartner(name=name) for name in PARTNER_NAMES])
        StockPartner.organisers.through.objects.bulk_create(
            [
                StockPartner.organisers.through(stockpartner=partner, organiser=organiser)
                for partner, organiser in zip(self.partners, self.organisers, strict=True)
            ]
        )
        # Units per lot: the donors give unequal lots (the first ones more).
        weights = [40 - i for i in range(len(self.donors))]
        total = sum(weights)
        self.lot_sizes = [self.total_units * w // total for w in weights]
        self.lot_sizes[0] += self.total_units - sum(self.lot_sizes)
        self.lots = Lot.objects.bulk_create(
            [
                Lot(
                    organiser=self.organisers[i % len(CITIES)],
                    donor=d,
                    reference=f"{LOT_PREFIX}{i + 1:02d}-2026",
                    arrival_date=today - datetime.timedelta(days=320 - 10 * i),
                    site=f"Atelier de reconditionnement de {CITIES[i % len(CITIES)][0]}",
                    expected_count=self.lot_sizes[i],
                    partner=self.partners[i % len(CITIES)],
                )
                for i, d in enumerate(self.donors)
            ]
        )
        # Each donor pledges its lot to one campaign; one in three splits it with a second campaign.
        pledges: dict[tuple[int, int], int] = {}
        for i, units in enumerate(self.lot_sizes):
            first = i % len(CITIES)
            if i % 3 == 0:
                pledges[(first, i)] = units - units // 2
                pledges[((first + 1) % len(CITIES), i)] = units // 2
            else:
                pledges[(first, i)] = units
        CampaignDonor.objects.bulk_create(
            [
                CampaignDonor(campaign=self.campaign_list[c], donor=self.donors[d], pledged_units=max(1, n))
                for (c, d), n in pledges.items()
            ]
        )
        for c, campaign in enumerate(self.campaign_list):
            campaign.pledged_units = max(1, sum(n for (cc, _d), n in pledges.items() if cc == c))
        Campaign.objects.bulk_update(self.campaign_list, ["pledged_units"])
        self.say(
            f"donateurs : {len(self.donors)} (une personne chacun), {len(self.lots)} lots, {self.total_units} "
            f"ordinateurs promis, {len(self.partners)} ateliers"
        )
