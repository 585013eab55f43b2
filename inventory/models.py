"""Stock: donor lots, the computers they hold, their data-wipe evidence and their history.

Every write goes through ``inventory.services``; the database refuses what the rules refuse
(a computer is never ready, reserved or handed over without a clearing wipe record).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.constraints import choices_check
from core.models import AppendOnlyModel, Journal, actor_fields, done_by
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


class StockPartner(models.Model):
    """A refurbisher that reconditions lots for the portal (an ESAT, a social enterprise, a company's workshop).

    Its lots are the ones it may fill and update through the API with a stock partner's token (``api`` app).
    """

    name = models.CharField(
        _("nom"),
        max_length=200,
        unique=True,
        error_messages={"unique": _("Un partenaire de reconditionnement porte déjà ce nom.")},
    )
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    contact_email = models.EmailField(_("e-mail de contact"), blank=True)
    # The organisers it works for: its API token writes only into their lots (a lot of another organiser that
    # still names it is refused), whoever set the lot's partner.
    organisers = models.ManyToManyField(
        "campaigns.Organiser",
        blank=True,
        related_name="stock_partners",
        verbose_name=_("organisateurs"),
        help_text=_(
            "Les organisateurs pour lesquels cet atelier reconditionne : avec son jeton d'API, il ne peut saisir "
            "des unités que dans les lots de ces organisateurs."
        ),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("partenaire de reconditionnement")
        verbose_name_plural = _("partenaires de reconditionnement")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


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
    organiser = models.ForeignKey(
        "campaigns.Organiser",
        on_delete=models.PROTECT,
        related_name="lots",
        verbose_name=_("organisateur"),
        help_text=_("L'organisateur dont l'équipe de stock reçoit et prépare ce lot."),
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
    partner = models.ForeignKey(
        StockPartner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lots",
        verbose_name=_("partenaire de reconditionnement"),
        help_text=_("L'atelier qui reconditionne ce lot ; avec un jeton d'API, il peut y saisir les unités."),
    )
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

    def clean(self):
        super().clean()
        # Its refurbisher must work for the lot's organiser: its API token writes only into their lots.
        if (
            self.partner_id
            and self.organiser_id
            and not StockPartner.organisers.through.objects.filter(
                stockpartner_id=self.partner_id, organiser_id=self.organiser_id
            ).exists()
        ):
            raise ValidationError(
                {
                    "partner": _(
                        "Ce partenaire ne reconditionne pas pour l'organisateur de ce lot : choisissez un atelier "
                        "qui travaille pour lui, ou ajoutez cet organisateur à la fiche du partenaire."
                    )
                }
            )


class ComputerQuerySet(models.QuerySet):
    def ready(self):
        """Units that may be allocated: wiped and ready, not yet reserved."""
        return self.filter(status=Computer.Status.READY)

    def awaiting_wipe(self):
        """In the workshop (received or reconditioning) with no wipe recorded yet and no failed one."""
        return self.filter(AWAITING_WIPE)

    def awaiting_check(self):
        """In the workshop with something to look at: a failed wipe, a failed functional test or a part to replace."""
        return self.filter(AWAITING_CHECK)

    def awaiting_test(self):
        """Wiped in the workshop, functional test not yet recorded."""
        return self.filter(AWAITING_TEST)


class ComputerStatus(models.TextChoices):
    RECEIVED = "received", _("Reçu")
    RECONDITIONING = "reconditioning", _("En reconditionnement")
    READY = "ready", _("Prêt")
    RESERVED = "reserved", _("Réservé")
    HANDED_OVER = "handed_over", _("Remis")
    SCRAPPED = "scrapped", _("Mis au rebut")


IN_WORKSHOP_STATUSES = (ComputerStatus.RECEIVED, ComputerStatus.RECONDITIONING)
AWAITING_WIPE = Q(status__in=IN_WORKSHOP_STATUSES, wipe_record__isnull=True, wipe_failed=False)
AWAITING_CHECK = Q(status__in=IN_WORKSHOP_STATUSES) & (
    Q(wipe_failed=True) | Q(needs_spare_part=True) | Q(functional_test_failed=True)
)
# Wiped (or exempted) in the workshop, but no functional test recorded yet, and no failed one to look at.
AWAITING_TEST = Q(
    status__in=IN_WORKSHOP_STATUSES,
    wipe_record__isnull=False,
    functional_test__isnull=True,
    functional_test_failed=False,
)

# Statuses that require a clearing wipe record (a passed wipe or an exemption) and a passed functional test.
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
    # The wiping tools report the drive's serial, not the computer's: imported wipe reports are matched by it.
    disk_serial = models.CharField(
        _("numéro de série du disque"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("Tel que l'affichent les outils d'effacement (nwipe, Blancco) : sert à rattacher leurs rapports."),
    )
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
    functional_test = models.ForeignKey(
        "FunctionalTest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("test fonctionnel validé"),
        help_text=_("Le test fonctionnel réussi qui autorise la remise de l'ordinateur."),
    )
    functional_test_failed = models.BooleanField(_("test fonctionnel en échec"), default=False)
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
            choices_check("status", ComputerStatus, "computer_status_valid"),
            models.CheckConstraint(
                condition=~Q(status__in=CLEARED_COMPUTER_STATUSES) | Q(wipe_record__isnull=False),
                name="computer_cleared_needs_wipe",
                violation_error_message=_(
                    "Un ordinateur ne peut être prêt, réservé ou remis sans effacement réussi ou exemption."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=CLEARED_COMPUTER_STATUSES) | Q(functional_test__isnull=False),
                name="computer_cleared_needs_functional_test",
                violation_error_message=_(
                    "Un ordinateur ne peut être prêt, réservé ou remis sans test fonctionnel réussi."
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


def wipe_report_path(instance, filename: str) -> str:
    # The checksum names the file: nothing the uploader chose reaches the storage path.
    return f"wipe-reports/{instance.sha256[:2]}/{instance.sha256}.{instance.extension}"


class WipeEvidence(AppendOnlyModel):
    """The original report file of a wiping tool (nwipe log, Blancco XML or CSV export), kept as evidence.

    One row per file, whatever the number of drives it reports; its checksum is unique, so that the
    same report imported twice is recognised and records nothing more.
    """

    class Format(models.TextChoices):
        NWIPE = "nwipe", _("Journal nwipe")
        BLANCCO_XML = "blancco_xml", _("Rapport Blancco (XML)")
        BLANCCO_CSV = "blancco_csv", _("Rapport Blancco (CSV)")

    file = models.FileField(_("fichier du rapport"), upload_to=wipe_report_path, max_length=200)
    original_name = models.CharField(_("nom du fichier"), max_length=200)
    format = models.CharField(_("format"), max_length=16, choices=Format.choices)
    extension = models.CharField(_("extension"), max_length=8)
    size = models.PositiveIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, unique=True)
    actor, actor_label = actor_fields(_("importé par"))
    created_at = models.DateTimeField(_("importé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("rapport d'effacement importé")
        verbose_name_plural = _("rapports d'effacement importés")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="wipeevidence_sha256_hex"),
            models.CheckConstraint(
                condition=Q(format__in=["nwipe", "blancco_xml", "blancco_csv"]), name="wipeevidence_format_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_format_display()})"


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
    started_at = models.DateTimeField(_("début"), null=True, blank=True)
    ended_at = models.DateTimeField(_("fin"), null=True, blank=True)
    verification = models.CharField(_("vérification"), max_length=120, blank=True)
    disk_serial = models.CharField(_("numéro de série du disque effacé"), max_length=64, blank=True)
    evidence = models.ForeignKey(
        WipeEvidence,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="records",
        verbose_name=_("rapport de l'outil"),
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
            # The same drive of the same report file is recorded once: importing a report twice adds nothing.
            models.UniqueConstraint(
                fields=["evidence", "disk_serial"],
                condition=Q(evidence__isnull=False),
                name="wiperecord_one_per_drive_of_a_report",
                violation_error_message=_("Ce disque de ce rapport est déjà enregistré."),
            ),
            models.CheckConstraint(
                condition=Q(started_at__isnull=True) | Q(ended_at__isnull=True) | Q(started_at__lte=F("ended_at")),
                name="wiperecord_starts_before_it_ends",
                violation_error_message=_("Un effacement ne peut pas finir avant d'avoir commencé."),
            ),
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


# The checklist every campaign starts with (décret n° 2022-190: a reconditioned product is tested on all its
# functions). Each campaign's team adapts it in the admin; a test keeps the words of the items it checked.
DEFAULT_CHECKLIST = (
    (_("Mise sous tension"), _("L'ordinateur démarre jusqu'au système, sans bip ni message d'erreur.")),
    (_("Sortie d'affichage"), _("Image nette sur un écran, par chaque sortie vidéo.")),
    (_("Ports USB"), _("Chaque port USB reconnaît une clé ou un périphérique.")),
    (_("Réseau"), _("Le port Ethernet (et le Wi-Fi s'il y en a) obtient une connexion.")),
    (_("Clavier et souris"), _("Le clavier et la souris fournis fonctionnent.")),
    (_("État du stockage (SMART)"), _("Le disque est sain d'après ses indicateurs SMART.")),
)


class ChecklistItem(models.Model):
    """One function to check on every unit before it is ready, in a campaign's checklist."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.CASCADE,
        related_name="checklist_items",
        verbose_name=_("campagne"),
    )
    label = models.CharField(_("point à tester"), max_length=120)
    help_text = models.CharField(_("comment le vérifier"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    active = models.BooleanField(
        _("actif"), default=True, help_text=_("Décochez pour ne plus le demander, sans effacer les tests passés.")
    )

    class Meta:
        verbose_name = _("point du test fonctionnel")
        verbose_name_plural = _("tests fonctionnels : listes de contrôle")
        ordering = ["campaign", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "label"],
                name="checklistitem_unique_label_per_campaign",
                violation_error_message=_("Cette campagne a déjà un point à tester de ce nom."),
            ),
            models.CheckConstraint(condition=~Q(label=""), name="checklistitem_has_label"),
        ]

    def __str__(self) -> str:
        return self.label


class FunctionalTest(AppendOnlyModel):
    """A unit's functional test: every item of the checklist passed or failed, by whom, when. Never changed.

    ``passed`` is true only when every item passed (the service computes it, a database trigger refuses a
    failed item under a passed test). ``legacy`` marks the units already cleared before tests were recorded
    (migration 0009): no items, written by the migration, never by the service.
    """

    computer = models.ForeignKey(
        Computer, on_delete=models.PROTECT, related_name="functional_tests", verbose_name=_("ordinateur")
    )
    checklist = models.CharField(
        _("liste de contrôle"), max_length=200, blank=True, help_text=_("La campagne dont la liste a servi.")
    )
    passed = models.BooleanField(_("réussi"))
    legacy = models.BooleanField(_("antérieur au suivi des tests"), default=False)
    performed_at = models.DateTimeField(_("testé le"), default=timezone.now)
    actor, actor_label = actor_fields(_("testé par"))
    created_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)

    class Meta:
        verbose_name = _("test fonctionnel")
        verbose_name_plural = _("tests fonctionnels")
        ordering = ["-created_at", "-pk"]
        permissions = [("record_functional_test", _("Peut enregistrer un test fonctionnel"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(legacy=False) | Q(passed=True),
                name="functionaltest_legacy_is_passed",
            ),
        ]

    def __str__(self) -> str:
        result = gettext("réussi") if self.passed else gettext("en échec")
        return f"{gettext('Test fonctionnel')} {result} ({timezone.localtime(self.performed_at):%d/%m/%Y %H:%M})"


class FunctionalTestResult(AppendOnlyModel):
    """One checked item of a functional test, with its words as they were when tested."""

    test = models.ForeignKey(
        FunctionalTest, on_delete=models.PROTECT, related_name="results", verbose_name=_("test fonctionnel")
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    label = models.CharField(_("point testé"), max_length=120)
    passed = models.BooleanField(_("réussi"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("point testé")
        verbose_name_plural = _("points testés")
        ordering = ["test", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["test", "label"], name="functionaltestresult_one_per_item"),
            models.CheckConstraint(condition=~Q(label=""), name="functionaltestresult_has_label"),
        ]

    def __str__(self) -> str:
        return f"{self.label} : {gettext('réussi') if self.passed else gettext('en échec')}"


class ComputerEvent(Journal):
    """Append-only history of a computer: who did what, when, from which status to which."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Entrée en stock")
        STATUS = "status", _("Changement de statut")
        WIPE = "wipe", _("Effacement des données")
        FUNCTIONAL_TEST = "functional_test", _("Test fonctionnel")
        UPDATED = "updated", _("Mise à jour")

    computer = models.ForeignKey(Computer, on_delete=models.PROTECT, related_name="events")
    kind = Journal.kind_field(Kind)
    from_status, to_status = Journal.status_fields(Computer.Status, max_length=16)

    class Meta(Journal.Meta):
        verbose_name = _("événement")
        verbose_name_plural = _("historique des ordinateurs")


# Collections: the donor proposes slots for the stock team to come and take a lot -----------------------------

COLLECTION_MAX_SLOTS = 5


class CollectionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Créneaux proposés")
    CONFIRMED = "confirmed", _("Créneau confirmé")
    COLLECTED = "collected", _("Collecté")
    DECLINED = "declined", _("Autres créneaux demandés")
    CANCELLED = "cancelled", _("Annulée")


OPEN_COLLECTION_STATUSES = (CollectionStatus.PROPOSED, CollectionStatus.CONFIRMED)


class Collection(models.Model):
    """A donor's proposal to have a lot collected at its site: 1 to 5 slots, of which the lot's stock team
    confirms one (the others are declined with it), or asks for other slots with a message."""

    Status = CollectionStatus
    TRANSITIONS = Transitions(
        {
            Status.PROPOSED: {Status.CONFIRMED, Status.DECLINED, Status.CANCELLED},
            Status.CONFIRMED: {Status.COLLECTED, Status.CANCELLED},
            Status.COLLECTED: set(),
            Status.DECLINED: set(),
            Status.CANCELLED: set(),
        },
        journal="inventory.CollectionEvent",
        subject="collection",
        kind=None,
        refused=_("Impossible de passer une collecte « %(from)s » à « %(to)s »."),
        already=_("Cette collecte est déjà « %(status)s »."),
    )

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="collections", verbose_name=_("lot"))
    status = models.CharField(_("statut"), max_length=16, choices=Status.choices, default=Status.PROPOSED)
    models_description = models.TextField(_("modèles"), max_length=2000, blank=True)
    contact_name = models.CharField(_("personne à contacter sur place"), max_length=150)
    contact_phone = models.CharField(_("téléphone sur place"), max_length=20)
    contact_email = models.EmailField(_("e-mail de contact"), blank=True)
    proposed_by = done_by(_("proposée par"))
    confirmed_slot = models.ForeignKey(
        "CollectionSlot",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créneau confirmé"),
    )
    staff_message = models.TextField(_("message de l'équipe de stock"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("proposée le"), default=timezone.now, db_index=True)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    collected_at = models.DateTimeField(_("collectée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("collecte")
        verbose_name_plural = _("collectes")
        ordering = ["-created_at", "-pk"]
        constraints = [
            choices_check("status", CollectionStatus, "collection_status_valid"),
            models.CheckConstraint(
                condition=~Q(status__in=(CollectionStatus.CONFIRMED, CollectionStatus.COLLECTED))
                | Q(confirmed_slot__isnull=False),
                name="collection_confirmed_has_slot",
            ),
            # One live proposal per lot: two staff members cannot confirm two of them.
            models.UniqueConstraint(
                fields=["lot"],
                condition=Q(status__in=OPEN_COLLECTION_STATUSES),
                name="one_open_collection_per_lot",
                violation_error_message=_("Ce lot a déjà une collecte en cours."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("Collecte du lot %(lot)s") % {"lot": self.lot}

    def get_absolute_url(self) -> str:
        return reverse("admin:inventory_collection_change", args=[self.pk])


class CollectionSlot(models.Model):
    """One slot the donor proposes: a day, a time range, where, and how to get in."""

    collection = models.ForeignKey(
        Collection, on_delete=models.CASCADE, related_name="slots", verbose_name=_("collecte")
    )
    date = models.DateField(_("jour"))
    starts_at = models.TimeField(_("de"))
    ends_at = models.TimeField(_("à"))
    address = models.CharField(_("adresse d'enlèvement"), max_length=300)
    access_notes = models.CharField(
        _("accès"), max_length=500, blank=True, help_text=_("Quai, étage, code d'accès, badge à demander…")
    )

    class Meta:
        verbose_name = _("créneau de collecte")
        verbose_name_plural = _("créneaux de collecte")
        ordering = ["date", "starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="collectionslot_ends_after_start",
                violation_error_message=_("L'heure de fin doit suivre l'heure de début."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class CollectionEvent(Journal):
    """Append-only history of a collection: proposed, confirmed, collected, declined or cancelled, by whom."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="events")
    from_status, to_status = Journal.status_fields(Collection.Status, max_length=16)

    class Meta(Journal.Meta):
        verbose_name = _("événement d'une collecte")
        verbose_name_plural = _("historique des collectes")
