"""Factories for every model; later apps add theirs here."""

import datetime
import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts import roles
from accounts.models import User
from associations.models import Application, Association, Membership, Mission
from donations.models import Campaign, CampaignDonor, Donor

# RNA and SIRET that validate (SIRET with a correct Luhn key).
VALID_SIRETS = ["73282932000074", "35600000000048", "44306184100047", "55208131766522", "40483304800022"]


def make_pdf_bytes(text: str = "Statuts") -> bytes:
    """A minimal valid one-page PDF, built with pypdf."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": text})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_upload(name: str = "statuts.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_pdf_bytes(), content_type="application/pdf")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    password = factory.PostGenerationMethodCall("set_password", "motdepasse-solide-42")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create:
            from allauth.account.models import EmailAddress

            obj.save()
            EmailAddress.objects.get_or_create(user=obj, email=obj.email, defaults={"verified": True, "primary": True})


class StaffFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if create and extracted:
            from django.contrib.auth.models import Group

            obj.groups.add(Group.objects.get(name=extracted))


def staff_with_role(role: str, **kwargs) -> User:
    return StaffFactory(role=role, **kwargs)


def reviewer(**kwargs) -> User:
    return staff_with_role(roles.REVIEWER, **kwargs)


class DonorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Donor
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Opérateur {n}")


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Campagne {n}")
    slug = factory.Sequence(lambda n: f"campagne-{n}")
    city = "Marseille"
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


class AssociationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Association
        skip_postgeneration_save = True

    legal_name = factory.Sequence(lambda n: f"Association Numérique Solidaire {n}")
    rna = factory.Sequence(lambda n: f"W13{n:07d}")
    address = "12 rue de la République"
    postal_code = "13001"
    city = "Marseille"
    beneficiaries_per_year = 250
    contact_name = "Nadia Benali"
    contact_email = factory.Sequence(lambda n: f"contact{n}@asso.example.org")

    @factory.post_generation
    def missions(obj, create, extracted, **kwargs):
        if create:
            obj.missions.set(extracted or Mission.objects.filter(code__in=["illectronism", "mediation"]))

    @factory.post_generation
    def members(obj, create, extracted, **kwargs):
        if create and extracted:
            for user in extracted:
                Membership.objects.create(user=user, association=obj)


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    association = factory.SubFactory(AssociationFactory)
    campaign = factory.SubFactory(CampaignFactory)
    status = Application.Status.SUBMITTED
    requested_quantity = 20
    public_use_quantity = 16
    admin_use_quantity = 4
    project = "Ateliers d'initiation au numérique pour les seniors du quartier."
    has_premises = True
    has_internet = True
    statutes = factory.LazyFunction(lambda: pdf_upload("statuts.pdf"))
    activity_report = factory.LazyFunction(lambda: pdf_upload("rapport.pdf"))
    submitted_at = factory.LazyFunction(timezone.now)
    consent_at = factory.LazyFunction(timezone.now)


def member_of(association: Association, **kwargs) -> User:
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, association=association)
    return user


# Donations (waves, allocations) ---------------------------------------------------------------


class WaveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "donations.Wave"

    campaign = factory.SubFactory(CampaignFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = ""
    capacity = 100
    handover_starts_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=14))
    handover_ends_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=18))
    place = "Cité des associations, 93 La Canebière, 13001 Marseille"


def approved_application(campaign, granted: int = 20, *, priority: int = 3, approved_at=None, **kwargs):
    """An approved application without documents (fast), granted ``granted`` PCs."""
    admin_use = 2 if granted > 2 else 0
    fields = {
        "status": Application.Status.APPROVED,
        "requested_quantity": granted,
        "public_use_quantity": granted - admin_use,
        "admin_use_quantity": admin_use,
        "granted_quantity": granted,
        "priority": priority,
        "approved_at": approved_at or timezone.now(),
        "decided_at": approved_at or timezone.now(),
        "statutes": "",
        "activity_report": "",
        **kwargs,
    }
    return ApplicationFactory(campaign=campaign, **fields)


def ready_units(count: int, *, lot=None, manufacturer: str = "Dell", model: str = "OptiPlex 7070", prefix: str = ""):
    """``count`` ready computers (wiped, through the inventory services), returned oldest first."""
    from inventory import services as inventory_services
    from inventory.models import Computer, Lot

    operator = StaffFactory(email="operateur-stock@example.org", role=roles.INVENTORY_OPERATOR)
    if lot is None:
        lot = Lot.objects.create(
            donor=DonorFactory(name="Orange"),
            reference=f"LOT-{Lot.objects.count() + 1:04d}",
            arrival_date=timezone.localdate(),
            site="Atelier de Vitrolles",
        )
    start = Computer.objects.count()
    prefix = prefix or f"{lot.reference}-"
    computers = Computer.objects.bulk_create(
        [
            Computer(
                asset_tag=f"{prefix}{start + i:06d}",
                manufacturer=manufacturer,
                model=model,
                serial_number=f"SN{lot.pk:03d}{start + i:07d}",
                lot=lot,
            )
            for i in range(count)
        ]
    )
    ids = [c.pk for c in computers] or list(
        Computer.objects.filter(lot=lot, asset_tag__startswith=prefix).values_list("pk", flat=True)
    )
    inventory_services.computers_start_reconditioning(computer_ids=ids, by=operator)
    inventory_services.computers_record_wipe(
        computer_ids=ids,
        by=operator,
        kind="exemption",
        exemption="drive_kept",
        exemption_reason="Disque conservé par le donateur.",
    )
    inventory_services.computers_mark_ready(computer_ids=ids, by=operator)
    return list(Computer.objects.filter(pk__in=ids).order_by("pk"))


# Inventory (inventory app) ----------------------------------------------------------------------


def stock_operator(**kwargs) -> User:
    return staff_with_role(roles.INVENTORY_OPERATOR, **kwargs)


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "inventory.Lot"

    donor = factory.SubFactory(DonorFactory, name="Orange")
    reference = factory.Sequence(lambda n: f"LOT-2026-{n:03d}")
    arrival_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=20))
    site = "Atelier de reconditionnement, Marseille 14e"
    expected_count = 100


class ComputerFactory(factory.django.DjangoModelFactory):
    """A unit in the given status; ready, reserved and handed-over units get a passed wipe record."""

    class Meta:
        model = "inventory.Computer"
        skip_postgeneration_save = True

    asset_tag = factory.Sequence(lambda n: f"TEST-{n:05d}")
    manufacturer = "Dell"
    model = "OptiPlex 7070 SFF"
    serial_number = factory.Sequence(lambda n: f"SN{n:07d}")
    cpu = "Intel Core i5-9500"
    ram_gb = 8
    storage_gb = 256
    storage_type = "nvme"
    os = "Windows 10 Pro"
    grade = "A"
    lot = factory.SubFactory(LotFactory)
    status = "received"
    scrap_reason = factory.LazyAttribute(lambda o: "Carte mère hors service" if o.status == "scrapped" else "")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from inventory.models import Computer, WipeRecord

        status = kwargs.get("status", "received")
        cleared = status in Computer.CLEARED_STATUSES
        if cleared:
            kwargs["status"] = "reconditioning"
        computer = super()._create(model_class, *args, **kwargs)
        if cleared:
            record = WipeRecord.objects.create(
                computer=computer,
                kind="wipe",
                method="nist_purge",
                tool="Blancco Drive Eraser",
                tool_version="7.9",
                result="passed",
                report_reference=f"BLANCCO-{computer.serial_number}",
                actor_label="Usine de test",
            )
            Computer.objects.filter(pk=computer.pk).update(wipe_record=record, status=status)
            computer.refresh_from_db()
        return computer


def ready_computers(n: int, **kwargs) -> list:
    """``n`` ready units in one lot, created in a few queries."""
    from inventory.models import Computer, WipeRecord

    lot = kwargs.pop("lot", None) or LotFactory()
    start = Computer.objects.count()
    computers = Computer.objects.bulk_create(
        [
            Computer(
                asset_tag=f"{lot.reference}-R{start + i:05d}",
                manufacturer="HP",
                model="EliteDesk 800 G5 SFF",
                serial_number=f"CZC{lot.pk:03d}{start + i:06d}",
                cpu="Intel Core i5-9500",
                ram_gb=8,
                storage_gb=256,
                storage_type="ssd",
                os="Windows 10 Pro",
                grade="A",
                lot=lot,
                status="reconditioning",
                **kwargs,
            )
            for i in range(n)
        ]
    )
    records = WipeRecord.objects.bulk_create(
        [
            WipeRecord(
                computer=c,
                kind="wipe",
                method="nist_purge",
                result="passed",
                report_reference=f"R-{c.serial_number}",
                tool="Blancco Drive Eraser",
            )
            for c in computers
        ]
    )
    for computer, record in zip(computers, records, strict=True):
        computer.wipe_record = record
        computer.status = "ready"
    Computer.objects.bulk_update(computers, ["wipe_record", "status"])
    return computers


# Certificates (certificates app) ----------------------------------------------------------------


def desk_operator(**kwargs) -> User:
    return staff_with_role(roles.HANDOVER_OPERATOR, **kwargs)


def confirmed_wave(allocations: int = 1, units: int = 12, *, campaign=None, wave_number: int = 1):
    """A confirmed wave of ``allocations`` associations with ``units`` reserved computers each, and their
    certificates (pending, not rendered). Built through the donations services, in a few dozen queries.
    Returns the wave; its allocations are ``wave.allocations.order_by("position")``.
    """
    from certificates.services import handover_ensure_for_allocations
    from donations import services as donation_services

    campaign = campaign or CampaignFactory()
    manager = staff_with_role(roles.CAMPAIGN_MANAGER, email="responsable-certificats@example.org")
    wave = WaveFactory(campaign=campaign, number=wave_number, capacity=allocations * units)
    for _i in range(allocations):
        approved_application(campaign, units)
    ready_computers(allocations * units)
    donation_services.wave_plan(wave=wave, by=manager)
    donation_services.wave_confirm(wave=wave, by=manager, notify=False)
    ids = list(wave.allocations.values_list("pk", flat=True))
    handover_ensure_for_allocations(ids, by=manager)  # a no-op when the donations app already did it
    wave.refresh_from_db()
    return wave


# Impact (impact app) ----------------------------------------------------------------------------


def handed_over_wave(allocations: int = 2, units: int = 10, *, campaign=None, wave_number: int = 1, on=None):
    """A wave whose allocations are all handed over (through the donations service), optionally dated ``on``."""
    from donations import services as donation_services
    from donations.models import Allocation

    wave = confirmed_wave(allocations, units, campaign=campaign, wave_number=wave_number)
    desk = staff_with_role(roles.HANDOVER_OPERATOR, email="guichet-impact@example.org")
    for allocation in wave.allocations.order_by("position"):
        donation_services.allocation_hand_over(allocation=allocation, by=desk)
    if on is not None:
        moment = timezone.make_aware(datetime.datetime.combine(on, datetime.time(10)))
        Allocation.objects.filter(wave=wave).update(handed_over_at=moment)
    wave.refresh_from_db()
    return wave


def impact_reports_for(wave, *, today=None, period_months: int = 3, starts_on=None, grace_days: int = 15):
    """Set the campaign's reporting calendar and schedule the reports owed; returns them by association."""
    from impact import services as impact_services
    from impact.models import CampaignReporting, ImpactReport

    CampaignReporting.objects.update_or_create(
        campaign=wave.campaign,
        defaults={"period_months": period_months, "starts_on": starts_on, "grace_days": grace_days},
    )
    impact_services.impact_reports_schedule(today=today, campaign=wave.campaign)
    return list(ImpactReport.objects.filter(campaign=wave.campaign).order_by("association__legal_name", "period_start"))
