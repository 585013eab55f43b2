"""Stock: donor lots, the computers they hold, their data-wipe evidence and their history.

Every write goes through ``inventory.services``; the database refuses what the rules refuse
(a computer is never ready, reserved or handed over without a clearing wipe record).
"""

from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.models import AppendOnlyModel, Journal, actor_fields
from core.transitions import Transitions

# The grading scale of a reconditioned computer's appearance, shown in the admin and on the certificate. Every unit
# is "reconditionné" in the sense of décret n° 2022-190: all its functions tested, the previous user's data erased.
GRADE_SCALE = _(
    "Aspect de l'ordinateur reconditionné (toutes ses fonctions testées, données effacées) : "
    "A – très bon état, traces d'usage à peine visibles ; B – bon état, traces d'usage légères ; "
    "C – état correct, traces d'usage visibles (rayures, marques), sans effet sur le fonctionnement."
)


def gigabytes(value) -> str:
    """A size in gigabytes, in the reader's language (« 8 Go » in French, « 8 GB » in English)."""
    return gettext("%(n)s Go") % {"n": value}


class LotQuerySet(models.QuerySet):
    def with_counts(self):
        """Annotate ``received_count`` and one ``n_<status>`` per status, in one query."""
        per_status = {
            f"n_{value}": Count("computers", filter=Q(computers__status=value)) for value in Computer.Status.values
        }
        return self.annotate(received_count=Count("computers"), **per_status)


class Lot(models.Model):
    """A delivery of desktops from one donor, received at one site."""

    donor = models.ForeignKey(
        "campaigns.Donor", on_delete=models.PROTECT, related_name="lots", verbose_name=_("donateur")
    )
    reference = models.CharField(
        _("référence"),
        max_length=40,
        unique=True,
        help_text=_("Référence unique du lot, par exemple ORANGE-2026-01."),
        error_messages={"unique": _("Un lot avec cette référence existe déjà.")},
    )
    arrival_date = models.DateField(_("date d'arrivée"))
    site = models.CharField(_("site"), max_length=200, help_text=_("Entrepôt ou atelier où le lot est stocké."))
    expected_count = models.PositiveIntegerField(_("nombre d'unités annoncé"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = LotQuerySet.as_manager()

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["-arrival_date", "reference"]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("admin:inventory_lot_change", args=[self.pk])


class ComputerQuerySet(models.QuerySet):
    def ready(self):
        """Units that may be allocated: wiped and ready, not yet reserved."""
        return self.filter(status=Computer.Status.READY)

    def awaiting_wipe(self):
        """In the workshop (received or reconditioning) with no wipe recorded yet and no failed one."""
        return self.filter(AWAITING_WIPE)

    def awaiting_check(self):
        """In the workshop with something to look at: a failed wipe or a part to replace."""
        return self.filter(AWAITING_CHECK)


class ComputerStatus(models.TextChoices):
    RECEIVED = "received", _("Reçu")
    RECONDITIONING = "reconditioning", _("En reconditionnement")
    READY = "ready", _("Prêt")
    RESERVED = "reserved", _("Réservé")
    HANDED_OVER = "handed_over", _("Remis")
    SCRAPPED = "scrapped", _("Mis au rebut")


IN_WORKSHOP_STATUSES = (ComputerStatus.RECEIVED, ComputerStatus.RECONDITIONING)
AWAITING_WIPE = Q(status__in=IN_WORKSHOP_STATUSES, wipe_record__isnull=True, wipe_failed=False)
AWAITING_CHECK = Q(status__in=IN_WORKSHOP_STATUSES) & (Q(wipe_failed=True) | Q(needs_spare_part=True))

# Statuses that require a clearing wipe record (a passed wipe or an exemption).
CLEARED_COMPUTER_STATUSES = (ComputerStatus.READY, ComputerStatus.RESERVED, ComputerStatus.HANDED_OVER)


class Computer(models.Model):
    Status = ComputerStatus

    class FormFactor(models.TextChoices):
        DESKTOP = "desktop", _("Ordinateur de bureau")
        MINI = "mini", _("Mini PC")
        ALL_IN_ONE = "all_in_one", _("Tout-en-un")
        LAPTOP = "laptop", _("Portable")

    class StorageType(models.TextChoices):
        SSD = "ssd", _("SSD SATA")
        NVME = "nvme", _("SSD NVMe")
        HDD = "hdd", _("Disque dur")
        NONE = "none", _("Aucun disque")

    class ScrapCause(models.TextChoices):
        FAULTY = "faulty", _("Panne non réparable")
        PARTS = "parts", _("Pièces manquantes ou trop coûteuses")
        DAMAGED = "damaged", _("Endommagé (casse, liquide)")
        OBSOLETE = "obsolete", _("Trop ancien pour l'usage prévu")
        OTHER = "other", _("Autre motif")

    class StorageOutcome(models.TextChoices):
        DESTROYED = "destroyed", _("Support détruit (certificat de destruction)")
        WIPED = "wiped", _("Support effacé (effacement réussi enregistré)")
        REMOVED = "removed", _("Support retiré et conservé à l'atelier")
        NO_DRIVE = "no_drive", _("Aucun support de stockage")
        UNRECORDED = "unrecorded", _("Non renseigné (mis au rebut avant ce suivi)")

    class Grade(models.TextChoices):
        # Décret n° 2022-190 forbids calling a reconditioned product new or equivalent to new: permitted words only.
        A = "A", _("A – très bon état")
        B = "B", _("B – bon état")
        C = "C", _("C – état correct")

    # The one table of allowed status changes of a computer (which service performs which move:
    # ``inventory.services.MOVES``).
    TRANSITIONS = Transitions(
        {
            Status.RECEIVED: {Status.RECONDITIONING, Status.SCRAPPED},
            Status.RECONDITIONING: {Status.READY, Status.SCRAPPED},
            Status.READY: {Status.RESERVED, Status.RECONDITIONING, Status.SCRAPPED},
            # A reserved unit belongs to a live allocation: it leaves it first, then it can be scrapped.
            # Released to ready when the allocation is cancelled; back to reconditioning when the
            # association refused it at the handover (« disque non détecté »): it is not allocated again
            # before the stock checks it.
            Status.RESERVED: {Status.READY, Status.HANDED_OVER, Status.RECONDITIONING},
            # Back from an association under warranty, replaced by another unit (support.services).
            Status.HANDED_OVER: {Status.RECONDITIONING},
            Status.SCRAPPED: set(),
        },
        journal="inventory.ComputerEvent",
        subject="computer",
        refused=_("statut « %(from)s » : passage à « %(to)s » impossible"),
    )
    CLEARED_STATUSES = CLEARED_COMPUTER_STATUSES

    asset_tag = models.CharField(
        _("numéro d'inventaire"),
        max_length=32,
        unique=True,
        error_messages={"unique": _("Un ordinateur porte déjà ce numéro d'inventaire.")},
    )
    manufacturer = models.CharField(_("fabricant"), max_length=64)
    model = models.CharField(_("modèle"), max_length=120)
    serial_number = models.CharField(_("numéro de série"), max_length=64)
    form_factor = models.CharField(_("format"), max_length=16, choices=FormFactor.choices, default=FormFactor.DESKTOP)
    cpu = models.CharField(_("processeur"), max_length=120, blank=True)
    ram_gb = models.PositiveSmallIntegerField(_("mémoire vive (Go)"), null=True, blank=True)
    storage_gb = models.PositiveIntegerField(_("stockage (Go)"), null=True, blank=True)
    storage_type = models.CharField(_("type de stockage"), max_length=8, choices=StorageType.choices, blank=True)
    os = models.CharField(_("système installé"), max_length=80, blank=True)
    grade = models.CharField(
        _("état"),
        max_length=1,
        choices=Grade.choices,
        blank=True,
        help_text=GRADE_SCALE,
    )
    has_keyboard = models.BooleanField(_("clavier fourni"), default=True)
    has_mouse = models.BooleanField(_("souris fournie"), default=True)
    needs_spare_part = models.BooleanField(_("pièce à remplacer"), default=False)
    wipe_failed = models.BooleanField(_("effacement en échec"), default=False)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="computers", verbose_name=_("lot"))
    status = models.CharField(_("statut"), max_length=16, choices=Status.choices, default=Status.RECEIVED)
    status_changed_at = models.DateTimeField(_("statut depuis le"), default=timezone.now)
    scrap_reason = models.TextField(_("motif de mise au rebut"), blank=True)
    # End of life (set by ``services.computers_scrap`` only): why, what happened to the storage, where the unit went.
    scrap_cause = models.CharField(_("cause de mise au rebut"), max_length=16, choices=ScrapCause.choices, blank=True)
    storage_outcome = models.CharField(
        _("devenir du support de stockage"), max_length=16, choices=StorageOutcome.choices, blank=True
    )
    storage_certificate = models.CharField(_("référence du certificat de destruction"), max_length=120, blank=True)
    recycler = models.CharField(_("filière de reprise DEEE"), max_length=200, blank=True)
    recycler_reference = models.CharField(_("référence du bordereau de reprise"), max_length=120, blank=True)
    parts_kept = models.CharField(_("pièces conservées"), max_length=500, blank=True)
    wipe_record = models.ForeignKey(
        "WipeRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("effacement validé"),
        help_text=_("L'effacement réussi ou l'exemption qui autorise la remise de l'ordinateur."),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = ComputerQuerySet.as_manager()

    class Meta:
        verbose_name = _("ordinateur")
        verbose_name_plural = _("ordinateurs")
        ordering = ["asset_tag"]
        indexes = [models.Index(fields=["status", "status_changed_at"], name="computer_status_since")]
        constraints = [
            models.UniqueConstraint(
                fields=["manufacturer", "serial_number"],
                name="computer_unique_serial_per_manufacturer",
                violation_error_message=_("Un ordinateur de ce fabricant porte déjà ce numéro de série."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=ComputerStatus.values),
                name="computer_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=CLEARED_COMPUTER_STATUSES) | Q(wipe_record__isnull=False),
                name="computer_cleared_needs_wipe",
                violation_error_message=_(
                    "Un ordinateur ne peut être prêt, réservé ou remis sans effacement réussi ou exemption."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status=ComputerStatus.SCRAPPED) | ~Q(scrap_reason=""),
                name="computer_scrapped_has_reason",
                violation_error_message=_("Indiquez le motif de mise au rebut."),
            ),
            models.CheckConstraint(
                condition=~Q(status=ComputerStatus.SCRAPPED)
                | (~Q(scrap_cause="") & ~Q(storage_outcome="") & ~Q(recycler="")),
                name="computer_scrapped_has_end_of_life",
                violation_error_message=_(
                    "Un ordinateur mis au rebut indique sa cause, le devenir de son support et sa filière de reprise."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(storage_outcome="destroyed") | ~Q(storage_certificate=""),
                name="computer_destroyed_storage_has_certificate",
                violation_error_message=_("Indiquez la référence du certificat de destruction du support."),
            ),
            models.CheckConstraint(
                condition=~Q(serial_number="") & ~Q(manufacturer="") & ~Q(asset_tag=""),
                name="computer_identified",
                violation_error_message=_("Le fabricant, le numéro de série et le numéro d'inventaire sont requis."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset_tag} – {self.manufacturer} {self.model} ({self.serial_number})"

    def get_absolute_url(self) -> str:
        return reverse("admin:inventory_computer_change", args=[self.pk])

    @property
    def spec_label(self) -> str:
        parts = [self.cpu] if self.cpu else []
        if self.ram_gb:
            parts.append(gettext("%(size)s RAM") % {"size": gigabytes(self.ram_gb)})
        if self.storage_gb:
            kind = self.get_storage_type_display() if self.storage_type else ""
            parts.append(f"{gigabytes(self.storage_gb)} {kind}".strip())
        return ", ".join(parts)


class WipeRecord(AppendOnlyModel):
    """Evidence that a computer's drive was wiped (or why it did not need to be). Never changed."""

    class Kind(models.TextChoices):
        WIPE = "wipe", _("Effacement")
        EXEMPTION = "exemption", _("Exemption")

    class Method(models.TextChoices):
        NIST_CLEAR = "nist_clear", _("NIST SP 800-88 Clear (réécriture)")
        NIST_PURGE = "nist_purge", _("NIST SP 800-88 Purge (effacement sécurisé du support)")
        DESTROY = "destroy", _("Destruction physique du disque")

    class Result(models.TextChoices):
        PASSED = "passed", _("Réussi")
        FAILED = "failed", _("Échec")

    class Exemption(models.TextChoices):
        NO_DRIVE = "no_drive", _("Aucun disque dans la machine")
        DRIVE_KEPT = "drive_kept", _("Disque retiré et conservé par le donateur")
        NEW_DRIVE = "new_drive", _("Disque neuf installé (l'ancien a été détruit)")

    computer = models.ForeignKey(
        Computer, on_delete=models.PROTECT, related_name="wipe_records", verbose_name=_("ordinateur")
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.WIPE)
    method = models.CharField(_("méthode"), max_length=16, choices=Method.choices, blank=True)
    tool = models.CharField(_("outil"), max_length=120, blank=True)
    tool_version = models.CharField(_("version de l'outil"), max_length=40, blank=True)
    performed_on = models.DateField(_("date"), default=timezone.localdate)
    result = models.CharField(_("résultat"), max_length=8, choices=Result.choices, blank=True)
    report_reference = models.CharField(
        _("référence du rapport d'effacement"),
        max_length=120,
        blank=True,
        help_text=_("Numéro du rapport produit par l'outil, ou du certificat de destruction."),
    )
    exemption = models.CharField(_("exemption"), max_length=16, choices=Exemption.choices, blank=True)
    exemption_reason = models.TextField(_("justification de l'exemption"), blank=True)
    # Named as on every journal (``core.models.Journal``), which this evidence is not: it has no status
    # move nor note, and the database refuses any change to it.
    actor, actor_label = actor_fields(_("opérateur"))
    created_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)

    class Meta:
        verbose_name = _("effacement des données")
        verbose_name_plural = _("effacements des données")
        ordering = ["-created_at", "-pk"]
        permissions = [("record_wipe", _("Peut enregistrer un effacement des données"))]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="wipe", exemption="", result__in=["passed", "failed"])
                    & ~Q(method="")
                    & (Q(result="failed") | ~Q(report_reference=""))
                )
                | (Q(kind="exemption", method="", result="") & ~Q(exemption="") & ~Q(exemption_reason="")),
                name="wiperecord_wipe_or_exemption",
                violation_error_message=_(
                    "Un effacement indique sa méthode, son résultat et, s'il a réussi, la référence de son rapport ; "
                    "une exemption indique son type et sa justification."
                ),
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.EXEMPTION:
            return f"{self.get_exemption_display()} ({self.performed_on:%d/%m/%Y})"
        return f"{self.get_method_display()} – {self.get_result_display()} ({self.performed_on:%d/%m/%Y})"

    @property
    def clears(self) -> bool:
        """True when this record allows the computer to be handed over."""
        return self.kind == self.Kind.EXEMPTION or self.result == self.Result.PASSED


class ComputerEvent(Journal):
    """Append-only history of a computer: who did what, when, from which status to which."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Entrée en stock")
        STATUS = "status", _("Changement de statut")
        WIPE = "wipe", _("Effacement des données")
        UPDATED = "updated", _("Mise à jour")

    computer = models.ForeignKey(Computer, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    from_status, to_status = Journal.status_fields(Computer.Status, max_length=16)

    class Meta(Journal.Meta):
        verbose_name = _("événement")
        verbose_name_plural = _("historique des ordinateurs")
