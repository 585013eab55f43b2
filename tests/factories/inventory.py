"""Lots and computers, ready units (inventory app)."""

import datetime

import factory
from django.utils import timezone

from accounts import roles
from accounts.models import User
from demo.stock import passed_functional_tests
from demo.stock import ready_computers as demo_ready_computers
from tests.factories.accounts import StaffFactory, staff_with_role
from tests.factories.campaigns import DonorFactory, OrganiserFactory

# The wipe the workshop helpers record: an exemption, the donor keeping the drive.
DRIVE_KEPT = {"kind": "exemption", "exemption": "drive_kept", "exemption_reason": "Disque conservé par le donateur."}


def stock_operator(**kwargs) -> User:
    return staff_with_role(roles.INVENTORY_OPERATOR, **kwargs)


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "inventory.Lot"
        skip_postgeneration_save = True

    organiser = factory.SubFactory(OrganiserFactory)
    donor = factory.SubFactory(DonorFactory, name="Orange")
    reference = factory.Sequence(lambda n: f"LOT-2026-{n:03d}")
    arrival_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=20))
    site = "Atelier de reconditionnement, Marseille 14e"
    expected_count = 100

    @factory.post_generation
    def partner_works_for_organiser(obj, create, extracted, **kwargs):
        """A lot given a partner: the partner works for the lot's organiser (``=False``: it does not)."""
        if create and obj.partner_id and extracted is not False:
            obj.partner.organisers.add(obj.organiser_id)


def passed_wipe(computer, **fields):
    """A passed wipe record of ``computer`` (a NIST purge by the test factory unless ``fields`` say otherwise), written
    straight in the database, not through the services; not attached to the unit."""
    from inventory.models import WipeRecord

    passed = {"kind": "wipe", "method": "nist_purge", "result": "passed", "actor_label": "Usine de test"}
    return WipeRecord.objects.create(computer=computer, **{**passed, **fields})


class ComputerFactory(factory.django.DjangoModelFactory):
    """A unit in the given status; ready, reserved and handed-over units get a passed wipe record and a passed
    functional test."""

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
    scrap_cause = factory.LazyAttribute(lambda o: "faulty" if o.status == "scrapped" else "")
    storage_outcome = factory.LazyAttribute(lambda o: "removed" if o.status == "scrapped" else "")
    recycler = factory.LazyAttribute(lambda o: "ecosystem" if o.status == "scrapped" else "")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from inventory.models import Computer

        status = kwargs.get("status", "received")
        cleared = status in Computer.CLEARED_STATUSES
        if cleared:
            kwargs["status"] = "reconditioning"
        computer = super()._create(model_class, *args, **kwargs)
        if cleared:
            reference = f"BLANCCO-{computer.serial_number}"
            record = passed_wipe(computer, tool="Blancco Drive Eraser", tool_version="7.9", report_reference=reference)
            test = passed_functional_tests([computer])[0]
            Computer.objects.filter(pk=computer.pk).update(wipe_record=record, functional_test=test, status=status)
            computer.refresh_from_db()
        return computer


def nwipe_record(computer, *, reference: str, disk_serial: str):
    """A passed nwipe wipe of ``computer`` whose report file is kept as its evidence (as the import leaves it)."""
    from django.core.files.base import ContentFile

    from inventory.models import WipeEvidence, WipeRecord

    evidence = WipeEvidence(
        original_name="nwipe-sda.log", format="nwipe", extension="log", size=5, sha256="0" * 64, actor_label="Stock"
    )
    evidence.file.save("nwipe-sda.log", ContentFile(b"nwipe"), save=False)
    evidence.save()
    return WipeRecord.objects.create(
        computer=computer,
        method=WipeRecord.Method.NIST_CLEAR,
        tool="nwipe",
        result=WipeRecord.Result.PASSED,
        report_reference=reference,
        disk_serial=disk_serial,
        evidence=evidence,
        actor_label="Stock",
    )


def wiped_in_workshop(operator, **kwargs):
    """A unit in reconditioning that may be marked ready: its wipe recorded (an exemption) and its functional test
    passed (décret n° 2022-190), both through the services, by ``operator``."""
    from inventory import services
    from inventory.models import DEFAULT_CHECKLIST, Computer

    computer = ComputerFactory(status=Computer.Status.RECONDITIONING, **kwargs)
    services.computers_record_wipe(computer_ids=[computer.pk], by=operator, **DRIVE_KEPT)
    services.computers_record_functional_test(
        computer_ids=[computer.pk],
        by=operator,
        results=[services.ItemResult(str(label), True) for label, _help in DEFAULT_CHECKLIST],
    )
    computer.refresh_from_db()
    return computer


def ready_units(count: int, *, lot=None, manufacturer: str = "Dell", model: str = "OptiPlex 7070", prefix: str = ""):
    """``count`` ready computers (wiped, through the inventory services), returned oldest first."""
    from inventory import services as inventory_services
    from inventory.models import Computer, Lot
    from inventory.selectors import checklists_for

    operator = StaffFactory(email="operateur-stock@example.org", role=roles.INVENTORY_OPERATOR)
    if lot is None:
        lot = Lot.objects.create(
            organiser=OrganiserFactory(),
            donor=DonorFactory(name="Orange"),
            reference=f"LOT-{Lot.objects.count() + 1:04d}",
            arrival_date=timezone.localdate(),
            site="Atelier de Vitrolles",
        )
    start = Computer.objects.count()
    prefix = prefix or f"{lot.reference}-"
    computers = Computer.objects.bulk_create(
        ComputerFactory.build(
            lot=lot,
            asset_tag=f"{prefix}{start + i:06d}",
            serial_number=f"SN{lot.pk:03d}{start + i:07d}",
            manufacturer=manufacturer,
            model=model,
        )
        for i in range(count)
    )
    ids = [c.pk for c in computers] or list(
        Computer.objects.filter(lot=lot, asset_tag__startswith=prefix).values_list("pk", flat=True)
    )
    inventory_services.computers_start_reconditioning(computer_ids=ids, by=operator)
    inventory_services.computers_record_wipe(computer_ids=ids, by=operator, **DRIVE_KEPT)
    checklist = checklists_for(ids[:1])
    labels = next(iter(checklist.values())).labels if checklist else ()
    inventory_services.computers_record_functional_test(
        computer_ids=ids, by=operator, results=[inventory_services.ItemResult(label, True) for label in labels]
    )
    inventory_services.computers_mark_ready(computer_ids=ids, by=operator)
    return list(Computer.objects.filter(pk__in=ids).order_by("pk"))


def ready_computers(n: int, **kwargs) -> list:
    """``n`` ready units in one lot (a new one unless ``lot`` is given), created in a few queries."""
    return demo_ready_computers(n, lot=kwargs.pop("lot", None) or LotFactory(), **kwargs)


class StockPartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "inventory.StockPartner"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Atelier solidaire {n}")


# A fixed day in the future of any test run's clock is impossible; slots are built relative to today.
def slot_day(days: int = 7) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


class CollectionFactory(factory.django.DjangoModelFactory):
    """A donor's proposal with two slots (``slots=n`` for another number); ``confirmed=True`` sets its
    confirmed slot (the first), as the statuses confirmed and collected require."""

    class Meta:
        model = "inventory.Collection"
        skip_postgeneration_save = True

    lot = factory.SubFactory(LotFactory)
    contact_name = "Claire Dupont"
    contact_phone = "04 91 00 00 00"
    contact_email = "claire@donateur.example.com"
    models_description = "Dell OptiPlex 7070"

    @classmethod
    def _create(cls, model_class, *args, slots: int = 2, confirmed: bool = False, **kwargs):
        from inventory.models import Collection, CollectionSlot

        status = kwargs.pop("status", Collection.Status.PROPOSED)
        collection = model_class.objects.create(*args, **kwargs)
        created = CollectionSlot.objects.bulk_create(
            CollectionSlot(
                collection=collection,
                date=slot_day(7 + i),
                starts_at=datetime.time(9, 0),
                ends_at=datetime.time(12, 0),
                address="1 rue du Port, 13002 Marseille",
                access_notes="Quai B",
            )
            for i in range(slots)
        )
        if status != Collection.Status.PROPOSED or confirmed:
            collection.confirmed_slot = created[0]
            collection.status = status
            collection.save(update_fields=["confirmed_slot", "status"])
        return collection
