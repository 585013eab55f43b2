"""Rows the benchmarks build in bulk, shared by the scripts (imported once Django is set up)."""


def open_campaign(
    donors,
    *,
    name: str,
    slug: str,
    city: str,
    pledged_units: int,
    pledged_each: int,
    opens_on=None,
    closes_on=None,
):
    """An open campaign of Marseille's demo organiser, each donor pledging ``pledged_each`` units; applications
    open from 60 days ago to 60 days ahead unless ``opens_on`` and ``closes_on`` say otherwise."""
    import datetime

    from django.utils import timezone

    from campaigns.models import Campaign, CampaignDonor
    from demo.organisers import organiser as demo_organiser

    today = timezone.localdate()
    campaign = Campaign.objects.create(
        organiser=demo_organiser("Marseille"),
        name=name,
        slug=slug,
        city=city,
        pledged_units=pledged_units,
        applications_open_on=opens_on or today - datetime.timedelta(days=60),
        applications_close_on=closes_on or today + datetime.timedelta(days=60),
        status=Campaign.Status.OPEN,
    )
    CampaignDonor.objects.bulk_create(
        [CampaignDonor(campaign=campaign, donor=d, pledged_units=pledged_each) for d in donors]
    )
    return campaign


def donor_lots(donors, *, arrival_date, site: str, expected_count: int | None = None) -> list:
    """One lot a donor (``LOT-00``, ``LOT-01``…), received by Marseille's demo organiser."""
    from demo.organisers import organiser as demo_organiser
    from inventory.models import Lot

    extra = {} if expected_count is None else {"expected_count": expected_count}
    return Lot.objects.bulk_create(
        [
            Lot(
                organiser=demo_organiser("Marseille"),
                donor=d,
                reference=f"LOT-{i:02d}",
                arrival_date=arrival_date,
                site=site,
                **extra,
            )
            for i, d in enumerate(donors)
        ]
    )


def approved_applications(campaign, associations, grants, *, priority=None, batch_size: int | None = None) -> list:
    """One approved application an association, granted ``grants[i]`` (2 of them for its own use), approved a
    minute apart 30 days ago (the planner's order); ``priority(i)``, when given, sets each one's priority."""
    import datetime

    from django.utils import timezone

    from associations.models import Application

    base = timezone.now() - datetime.timedelta(days=30)
    return Application.objects.bulk_create(
        [
            Application(
                association=a,
                campaign=campaign,
                status=Application.Status.APPROVED,
                requested_quantity=g,
                public_use_quantity=g - 2,
                admin_use_quantity=2,
                granted_quantity=g,
                submitted_at=base,
                approved_at=base + datetime.timedelta(minutes=i),
                decided_at=base + datetime.timedelta(minutes=i),
                **({} if priority is None else {"priority": priority(i)}),
            )
            for i, (a, g) in enumerate(zip(associations, grants, strict=True))
        ],
        batch_size=batch_size,
    )
