"""Impact reports: what the associations do with the computers they received.

An association equipped by a campaign reports once per period (quarterly by default, set per
campaign in ``CampaignReporting``): workshops, hours, people trained and anonymous counts of
participants. No personal data about participants is collected: only counts. Every status change
goes through ``impact.services`` and leaves an append-only ``ImpactReportEvent``.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.constraints import choices_check
from core.models import Journal, actor_fields, done_by
from core.textlimits import length_check, max_length_validator
from core.transitions import Transitions
from core.words import period_words

COMMENT_MAX = 4000
RETURN_MESSAGE_MAX = 2000
REOPEN_REASON_MAX = 2000
RECEIPT_CANCEL_REASON_MAX = 2000


class CampaignReporting(models.Model):
    """How often the associations equipped by a campaign report, and when the calendar starts."""

    campaign = models.OneToOneField(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="reporting", verbose_name=_("campagne")
    )
    period_months = models.PositiveSmallIntegerField(
        _("durée d'une période (mois)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("3 pour un bilan trimestriel."),
    )
    starts_on = models.DateField(
        _("début du calendrier des bilans"),
        null=True,
        blank=True,
        help_text=_("Vide : le 1er janvier de l'année d'ouverture des candidatures (trimestres civils)."),
    )
    grace_days = models.PositiveSmallIntegerField(
        _("délai pour rendre le bilan (jours)"),
        default=15,
        validators=[MaxValueValidator(90)],
        help_text=_("Le bilan d'une période est attendu ce nombre de jours après sa fin."),
    )
    remind_days_before = models.PositiveSmallIntegerField(
        _("rappel avant l'échéance (jours)"), default=7, validators=[MaxValueValidator(60)]
    )
    remind_days_after = models.PositiveSmallIntegerField(
        _("relance après l'échéance (jours)"), default=7, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )

    class Meta:
        verbose_name = _("calendrier des bilans")
        verbose_name_plural = _("calendriers des bilans")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_months__gte=1, period_months__lte=12),
                name="reporting_period_months_range",
                violation_error_message=_("Une période dure de 1 à 12 mois."),
            ),
            models.CheckConstraint(condition=Q(remind_days_after__gte=1), name="reporting_remind_after_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} – {self.period_months} mois"


COUNT_FIELDS = (
    "workshops_held",
    "people_trained",
    "age_under_26",
    "age_26_59",
    "age_60_74",
    "age_75_plus",
    "gender_women",
    "gender_men",
    "gender_other",
    "situation_job_seekers",
    "situation_seniors",
    "situation_young_out_of_school",
    "machines_in_use",
    "machines_out_of_order",
    "machines_lent",
)
AGE_FIELDS = ("age_under_26", "age_26_59", "age_60_74", "age_75_plus")
GENDER_FIELDS = ("gender_women", "gender_men", "gender_other")
SITUATION_FIELDS = ("situation_job_seekers", "situation_seniors", "situation_young_out_of_school")
MACHINE_FIELDS = ("machines_in_use", "machines_out_of_order", "machines_lent")


def _sum(fields) -> F:
    expression = F(fields[0])
    for name in fields[1:]:
        expression = expression + F(name)
    return expression


class ImpactReportQuerySet(models.QuerySet):
    def for_user(self, user):
        """The reports an association member may see and file: their associations'."""
        from associations.models import Association

        return self.filter(association__in=Association.objects.for_user(user))

    def open(self):
        """Reports the association may fill in and send (never sent, returned, or reopened at its request)."""
        return self.filter(status__in=OPEN_REPORT_STATUSES)

    def due(self):
        """Reports the association owes (never sent, or returned by staff): what reminders and "overdue" count.
        A report reopened at the association's own request is not owed again."""
        return self.filter(status__in=DUE_REPORT_STATUSES)

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.due().filter(due_on__lt=today)

    def counted(self):
        """Reports whose figures count in the public statistics (sent, not returned)."""
        return self.filter(status__in=SENT_REPORT_STATUSES)


class ImpactReportStatus(models.TextChoices):
    DRAFT = "draft", _("À remplir")
    SUBMITTED = "submitted", _("Envoyé")
    RETURNED = "returned", _("À corriger")
    ACCEPTED = "accepted", _("Validé")
    # The association asks to correct a report it sent; staff accept (reopened) or refuse (back as it was).
    REOPEN_REQUESTED = "reopen_requested", _("Correction demandée")
    REOPENED = "reopened", _("Rouvert pour correction")


# Open: the association may fill it in and send it (never sent, returned for correction, reopened at its request).
OPEN_REPORT_STATUSES = (ImpactReportStatus.DRAFT, ImpactReportStatus.RETURNED, ImpactReportStatus.REOPENED)
# Due: the association owes it (reminders, "overdue"); a report reopened at its own request is not owed again.
DUE_REPORT_STATUSES = (ImpactReportStatus.DRAFT, ImpactReportStatus.RETURNED)
# Sent: it has a submission date and its figures count in the public statistics (while a correction is only
# asked for, the figures sent still stand).
SENT_REPORT_STATUSES = (
    ImpactReportStatus.SUBMITTED,
    ImpactReportStatus.ACCEPTED,
    ImpactReportStatus.REOPEN_REQUESTED,
)
# Where the association may ask to correct a report it sent.
REOPENABLE_REPORT_STATUSES = (ImpactReportStatus.SUBMITTED, ImpactReportStatus.ACCEPTED)


class ImpactReport(models.Model):
    """One association's report for one period of one campaign."""

    Status = ImpactReportStatus

    # The one table of allowed status changes of an impact report.
    TRANSITIONS = Transitions(
        {
            Status.DRAFT: {Status.SUBMITTED},
            Status.SUBMITTED: {Status.RETURNED, Status.ACCEPTED, Status.REOPEN_REQUESTED},
            Status.RETURNED: {Status.SUBMITTED},
            Status.ACCEPTED: {Status.REOPEN_REQUESTED},
            # Staff accept the request (reopened), or refuse it: the report goes back to where it was.
            Status.REOPEN_REQUESTED: {Status.REOPENED, Status.SUBMITTED, Status.ACCEPTED},
            Status.REOPENED: {Status.SUBMITTED},
        },
        journal="impact.ImpactReportEvent",
        subject="report",
        refused=_("Impossible de passer un bilan « %(from)s » à « %(to)s »."),
        clean=(),
        save_fields=None,
    )
    OPEN_STATUSES = OPEN_REPORT_STATUSES
    DUE_STATUSES = DUE_REPORT_STATUSES
    SENT_STATUSES = SENT_REPORT_STATUSES
    REOPENABLE_STATUSES = REOPENABLE_REPORT_STATUSES

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="impact_reports", verbose_name=_("campagne")
    )
    association = models.ForeignKey(
        "associations.Association",
        on_delete=models.PROTECT,
        related_name="impact_reports",
        verbose_name=_("association"),
    )
    allocation = models.ForeignKey(
        "donations.Allocation",
        on_delete=models.PROTECT,
        related_name="impact_reports",
        verbose_name=_("attribution"),
        help_text=_("La première remise de la campagne à cette association."),
    )
    period_start = models.DateField(_("début de la période"))
    period_end = models.DateField(_("fin de la période"))
    due_on = models.DateField(_("à rendre le"), db_index=True)
    machines_received = models.PositiveIntegerField(_("ordinateurs reçus"), default=0)
    status = models.CharField(_("statut"), max_length=16, choices=Status.choices, default=Status.DRAFT)

    workshops_held = models.PositiveIntegerField(_("ateliers tenus"), default=0)
    workshop_hours = models.DecimalField(_("heures d'atelier (total)"), max_digits=7, decimal_places=1, default=0)
    people_trained = models.PositiveIntegerField(_("personnes formées"), default=0)
    age_under_26 = models.PositiveIntegerField(_("moins de 26 ans"), default=0)
    age_26_59 = models.PositiveIntegerField(_("26 à 59 ans"), default=0)
    age_60_74 = models.PositiveIntegerField(_("60 à 74 ans"), default=0)
    age_75_plus = models.PositiveIntegerField(_("75 ans et plus"), default=0)
    gender_women = models.PositiveIntegerField(_("femmes"), default=0)
    gender_men = models.PositiveIntegerField(_("hommes"), default=0)
    gender_other = models.PositiveIntegerField(_("autre ou non précisé"), default=0)
    situation_job_seekers = models.PositiveIntegerField(_("demandeurs d'emploi"), default=0)
    situation_seniors = models.PositiveIntegerField(_("seniors"), default=0)
    situation_young_out_of_school = models.PositiveIntegerField(_("jeunes sortis du système scolaire"), default=0)
    machines_in_use = models.PositiveIntegerField(_("ordinateurs en service"), default=0)
    machines_out_of_order = models.PositiveIntegerField(_("ordinateurs en panne"), default=0)
    machines_lent = models.PositiveIntegerField(_("ordinateurs prêtés"), default=0)
    comment = models.TextField(
        _("commentaire"), blank=True, max_length=COMMENT_MAX, validators=[max_length_validator(COMMENT_MAX)]
    )

    return_message = models.TextField(
        _("motif du retour"),
        blank=True,
        max_length=RETURN_MESSAGE_MAX,
        validators=[max_length_validator(RETURN_MESSAGE_MAX)],
    )
    reopen_reason = models.TextField(
        _("motif de la demande de correction"),
        blank=True,
        max_length=REOPEN_REASON_MAX,
        validators=[max_length_validator(REOPEN_REASON_MAX)],
        help_text=_("Ce que l'association veut corriger dans le bilan qu'elle a envoyé."),
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    submitted_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("validé le"), null=True, blank=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = ImpactReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("bilan d'impact")
        verbose_name_plural = _("bilans d'impact")
        ordering = ["due_on", "pk"]
        permissions = [
            ("review_impactreport", _("Peut valider ou renvoyer un bilan d'impact")),
            ("export_data", _("Peut exporter les données (CSV, XLSX)")),
        ]
        indexes = [models.Index(fields=["campaign", "status"], name="impactreport_campaign_status")]
        constraints = [
            length_check("comment", COMMENT_MAX, "impactreport_comment_length"),
            length_check("return_message", RETURN_MESSAGE_MAX, "impactreport_return_message_length"),
            length_check("reopen_reason", REOPEN_REASON_MAX, "impactreport_reopen_reason_length"),
            models.UniqueConstraint(
                fields=["campaign", "association", "period_start"],
                name="one_impact_report_per_period",
                violation_error_message=_("Cette association a déjà un bilan pour cette période."),
            ),
            choices_check("status", ImpactReportStatus, "impactreport_status_valid"),
            models.CheckConstraint(
                condition=Q(period_start__lte=F("period_end")) & Q(period_end__lte=F("due_on")),
                name="impactreport_period_ordered",
                violation_error_message=_("La période doit finir après son début, et l'échéance suivre sa fin."),
            ),
            models.CheckConstraint(
                condition=Q(**{f"{name}__gte": 0 for name in COUNT_FIELDS}) & Q(workshop_hours__gte=0),
                name="impactreport_counts_not_negative",
                violation_error_message=_("Les nombres ne peuvent pas être négatifs."),
            ),
            models.CheckConstraint(
                condition=Q(workshops_held=0, workshop_hours=0) | Q(workshops_held__gt=0, workshop_hours__gt=0),
                name="impactreport_workshops_have_hours",
                violation_error_message=_(
                    "Indiquez des heures d'atelier si des ateliers ont eu lieu, et seulement alors."
                ),
            ),
            models.CheckConstraint(
                condition=Q(people_trained__gte=_sum(AGE_FIELDS)),
                name="impactreport_ages_within_trained",
                violation_error_message=_("La répartition par âge dépasse le nombre de personnes formées."),
            ),
            models.CheckConstraint(
                condition=Q(people_trained__gte=_sum(GENDER_FIELDS)),
                name="impactreport_genders_within_trained",
                violation_error_message=_("La répartition par genre dépasse le nombre de personnes formées."),
            ),
            models.CheckConstraint(
                condition=Q(people_trained__gte=F("situation_job_seekers"))
                & Q(people_trained__gte=F("situation_seniors"))
                & Q(people_trained__gte=F("situation_young_out_of_school")),
                name="impactreport_situations_within_trained",
                violation_error_message=_("Une situation compte plus de personnes que de personnes formées."),
            ),
            models.CheckConstraint(
                condition=Q(machines_received__gte=_sum(MACHINE_FIELDS)),
                name="impactreport_machines_within_received",
                violation_error_message=_("Les ordinateurs en service, en panne et prêtés dépassent ceux reçus."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=SENT_REPORT_STATUSES) | Q(submitted_at__isnull=False),
                name="impactreport_sent_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=ImpactReportStatus.RETURNED) | ~Q(return_message=""),
                name="impactreport_returned_has_message",
                violation_error_message=_("Un bilan renvoyé pour correction indique pourquoi."),
            ),
            models.CheckConstraint(
                condition=~Q(status=ImpactReportStatus.REOPEN_REQUESTED) | ~Q(reopen_reason=""),
                name="impactreport_reopen_request_has_reason",
                violation_error_message=_("Une demande de correction indique ce qu'il faut corriger."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.association} – {self.period_label}"

    def get_absolute_url(self) -> str:
        return reverse("impact:report", kwargs={"pk": self.pk})

    @property
    def period_label(self) -> str:
        return period_words(self.period_start, self.period_end)

    @property
    def is_editable(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def can_request_reopen(self) -> bool:
        return self.status in self.REOPENABLE_STATUSES

    def is_overdue(self, today=None) -> bool:
        return self.status in self.DUE_STATUSES and self.due_on < (today or timezone.localdate())

    @property
    def age_60_plus(self) -> int:
        return self.age_60_74 + self.age_75_plus


class ImpactReportEvent(Journal):
    """Append-only history of a report: who sent, returned or accepted it, when, and why."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Création")
        UPDATED = "updated", _("Modification")
        STATUS = "status", _("Changement de statut")

    report = models.ForeignKey(ImpactReport, on_delete=models.PROTECT, related_name="events")
    kind = Journal.kind_field(Kind)
    from_status, to_status = Journal.status_fields(ImpactReport.Status, max_length=16)

    class Meta(Journal.Meta):
        verbose_name = _("événement de bilan")
        verbose_name_plural = _("historique des bilans")


class ImpactReminder(models.Model):
    """A reminder sent about a report: recorded so that the periodic task never sends it twice."""

    class Kind(models.TextChoices):
        BEFORE = "before", _("Rappel avant l'échéance")
        AFTER = "after", _("Relance après l'échéance")

    report = models.ForeignKey(ImpactReport, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    sent_at = models.DateTimeField(_("envoyé le"), default=timezone.now)
    recipients = models.TextField(_("destinataires"), blank=True)

    class Meta:
        verbose_name = _("rappel de bilan")
        verbose_name_plural = _("rappels de bilan")
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["report", "kind"], name="one_reminder_per_kind_and_report"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.report_id}"


def donor_document_path(instance: "DonorDocument", filename: str) -> str:
    return f"donors/{instance.donor_id}/{filename}"


class DonorDocumentStatus(models.TextChoices):
    PENDING = "pending", _("En préparation")
    RENDERING = "rendering", _("En cours de génération")
    READY = "ready", _("Prêt")
    FAILED = "failed", _("Échec de la génération")


class DonorDocumentKind(models.TextChoices):
    TRACEABILITY = "traceability", _("Rapport de traçabilité")
    REUSE_ATTESTATION = "reuse_attestation", _("Attestation de réemploi")


class DonorDocumentQuerySet(models.QuerySet):
    def for_user(self, user):
        """The documents of the donors ``user`` acts for in the donor space."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(donor__memberships__user=user)

    def stuck(self, *, pending_before, rendering_before):
        """Requests whose task was lost (broker down at commit) or whose worker died while rendering."""
        return self.filter(
            Q(status=DonorDocumentStatus.PENDING, queued_at__lt=pending_before)
            | Q(status=DonorDocumentStatus.RENDERING, render_started_at__lt=rendering_before)
        )


class DonorDocument(models.Model):
    """A PDF a donor's person (or the lot's stock team) asked for: a lot's or a campaign's traceability report, or
    a public body's yearly reuse attestation. Rendered by the worker (``impact.tasks.render_donor_document``); one
    file per request."""

    Status = DonorDocumentStatus
    Kind = DonorDocumentKind

    TRANSITIONS = Transitions(
        {
            Status.PENDING: {Status.RENDERING},
            # back to pending when its worker died (the sweep sends it again)
            Status.RENDERING: {Status.READY, Status.FAILED, Status.PENDING},
            Status.FAILED: {Status.RENDERING},  # the task's retry
            Status.READY: set(),
        },
        journal="impact.DonorDocumentEvent",
        subject="document",
        kind=None,
        refused=_("Impossible de passer un document « %(from)s » à « %(to)s »."),
    )

    donor = models.ForeignKey(
        "campaigns.Donor", on_delete=models.PROTECT, related_name="documents", verbose_name=_("donateur")
    )
    kind = models.CharField(_("document"), max_length=20, choices=Kind.choices)
    lot = models.ForeignKey(
        "inventory.Lot",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donor_documents",
        verbose_name=_("lot"),
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donor_documents",
        verbose_name=_("campagne"),
    )
    year = models.PositiveSmallIntegerField(_("année"), null=True, blank=True)
    # Whose staff see it in the admin: the lot's or the campaign's organiser (none for a yearly attestation).
    organiser = models.ForeignKey(
        "campaigns.Organiser",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donor_documents",
        verbose_name=_("organisateur"),
    )
    status = models.CharField(_("statut"), max_length=16, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(_("fichier (PDF)"), upload_to=donor_document_path, max_length=255, blank=True)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), default=0)
    requested_by = done_by(_("demandé par"))
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now, db_index=True)
    queued_at = models.DateTimeField(_("envoyé au générateur le"), default=timezone.now)
    render_started_at = models.DateTimeField(_("génération commencée le"), null=True, blank=True)
    rendered_at = models.DateTimeField(_("généré le"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    error = models.TextField(_("erreur"), blank=True)

    objects = DonorDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document du donateur")
        verbose_name_plural = _("documents des donateurs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            choices_check("status", DonorDocumentStatus, "donordocument_status"),
            models.CheckConstraint(
                condition=(
                    Q(kind=DonorDocumentKind.TRACEABILITY, year__isnull=True)
                    & (Q(lot__isnull=False, campaign__isnull=True) | Q(lot__isnull=True, campaign__isnull=False))
                )
                | Q(kind=DonorDocumentKind.REUSE_ATTESTATION, year__isnull=False, lot__isnull=True),
                name="donordocument_scope_matches_kind",
            ),
            models.CheckConstraint(
                condition=~Q(status=DonorDocumentStatus.READY) | ~Q(file=""), name="donordocument_ready_has_file"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.subject_label}"

    @property
    def subject_label(self) -> str:
        if self.lot_id:
            return _("lot %(ref)s") % {"ref": self.lot.reference}
        if self.campaign_id:
            return _("campagne %(name)s") % {"name": self.campaign.name}
        return _("année %(year)s") % {"year": self.year}

    @property
    def is_ready(self) -> bool:
        return self.status == DonorDocumentStatus.READY


class DonorDocumentEvent(Journal):
    """Append-only history of a donor document: requested, rendered, failed, sent again."""

    document = models.ForeignKey(DonorDocument, on_delete=models.PROTECT, related_name="events")
    from_status, to_status = Journal.status_fields(DonorDocument.Status, max_length=16)

    class Meta(Journal.Meta):
        verbose_name = _("événement de document du donateur")
        verbose_name_plural = _("historique des documents des donateurs")


# In-kind gift receipts (Cerfa n° 16216) ---------------------------------------------------------------------------

# The value a donor may declare for one unit: a used desktop is worth far less; above this, a typing mistake.
UNIT_VALUE_MAX = 100_000


class ReceiptBasis(models.TextChoices):
    """The legal basis under which an association issues receipts (its own responsibility)."""

    GENERAL_INTEREST = "general_interest", _("Organisme d'intérêt général (articles 200 et 238 bis du CGI)")


class ReceiptEligibility(models.Model):
    """An association's declaration that it may issue in-kind gift receipts: who declared it, when, and its
    withdrawal. Receipts exist only for an association whose declaration stands."""

    association = models.OneToOneField(
        "associations.Association",
        on_delete=models.CASCADE,
        related_name="receipt_eligibility",
        verbose_name=_("association"),
    )
    basis = models.CharField(
        _("fondement"), max_length=32, choices=ReceiptBasis.choices, default=ReceiptBasis.GENERAL_INTEREST
    )
    declared_by, declared_by_name = actor_fields(_("déclarée par"), _("nom du déclarant"))
    declared_at = models.DateTimeField(_("déclarée le"), default=timezone.now)
    withdrawn_by, withdrawn_by_name = actor_fields(_("retirée par"), _("nom de la personne qui l'a retirée"))
    withdrawn_at = models.DateTimeField(_("retirée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("éligibilité aux reçus fiscaux")
        verbose_name_plural = _("éligibilités aux reçus fiscaux")
        ordering = ["-declared_at", "pk"]
        constraints = [
            choices_check("basis", ReceiptBasis, "receipt_eligibility_basis_valid"),
        ]

    def __str__(self) -> str:
        return str(self.association)

    @property
    def is_eligible(self) -> bool:
        return self.withdrawn_at is None


class LotValuation(models.Model):
    """The value of one unit of a lot, as the donor declared it (the portal never invents one)."""

    lot = models.OneToOneField(
        "inventory.Lot", on_delete=models.CASCADE, related_name="valuation", verbose_name=_("lot")
    )
    unit_value = models.DecimalField(
        _("valeur déclarée par ordinateur (€)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(UNIT_VALUE_MAX)],
    )
    declared_by, declared_by_name = actor_fields(_("déclarée par"), _("nom du déclarant"))
    declared_at = models.DateTimeField(_("déclarée le"), default=timezone.now)

    class Meta:
        verbose_name = _("valeur déclarée d'un lot")
        verbose_name_plural = _("valeurs déclarées des lots")
        ordering = ["lot"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_value__gte=0) & Q(unit_value__lte=UNIT_VALUE_MAX), name="lot_valuation_bounds"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot} : {self.unit_value} €"


class ReceiptStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    ISSUED = "issued", _("Émis")
    CANCELLED = "cancelled", _("Annulé")


class ReceiptState(models.TextChoices):
    """The generation of an issued receipt's PDF."""

    PENDING = "pending", _("En attente de génération")
    RENDERING = "rendering", _("En cours de génération")
    READY = "ready", _("Prêt")
    FAILED = "failed", _("Échec de la génération")


def receipt_upload_to(instance: "Receipt", filename: str) -> str:
    return f"receipts/{instance.association_id}/{filename}"


class ReceiptQuerySet(models.QuerySet):
    def live(self):
        return self.exclude(status=ReceiptStatus.CANCELLED)

    def issued(self):
        return self.filter(status=ReceiptStatus.ISSUED)

    def stuck(self, *, pending_before, rendering_before):
        """Issued receipts whose PDF was queued or started long ago and never finished."""
        return self.issued().filter(
            Q(state=ReceiptState.PENDING, queued_at__lt=pending_before)
            | Q(state=ReceiptState.PENDING, queued_at__isnull=True)
            | Q(state=ReceiptState.RENDERING, render_started_at__lt=rendering_before)
        )


class Receipt(models.Model):
    """An in-kind gift receipt (after Cerfa n° 16216): one per association, donor and calendar year of handover.

    A draft's content is read live from the handovers; issuing numbers it (per association and year) and
    freezes its content in ``content``, from which its PDF is rendered by a Celery task.
    """

    Status = ReceiptStatus
    State = ReceiptState

    TRANSITIONS = Transitions(
        {
            Status.DRAFT: {Status.ISSUED, Status.CANCELLED},
            Status.ISSUED: {Status.CANCELLED},
            Status.CANCELLED: set(),
        },
        journal="impact.ReceiptEvent",
        subject="receipt",
        refused=_("Impossible de passer un reçu « %(from)s » à « %(to)s »."),
        already=_("Ce reçu est déjà « %(status)s »."),
        save_fields=("updated_at",),
    )
    RENDER_TRANSITIONS = Transitions(
        {
            State.PENDING: {State.RENDERING},
            State.RENDERING: {State.READY, State.FAILED, State.PENDING},
            State.READY: set(),
            State.FAILED: {State.PENDING, State.RENDERING},
        },
        journal="impact.ReceiptEvent",
        subject="receipt",
        field="state",
        kind="state",
        refused=_("Impossible de passer la génération d'un reçu « %(from)s » à « %(to)s »."),
        save_fields=("updated_at",),
    )

    association = models.ForeignKey(
        "associations.Association", on_delete=models.PROTECT, related_name="receipts", verbose_name=_("association")
    )
    donor = models.ForeignKey(
        "campaigns.Donor", on_delete=models.PROTECT, related_name="receipts", verbose_name=_("donateur")
    )
    year = models.PositiveSmallIntegerField(_("année des remises"))
    status = models.CharField(_("statut"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    sequence = models.PositiveIntegerField(_("numéro d'ordre dans l'année"), null=True, blank=True)
    number = models.CharField(_("numéro du reçu"), max_length=40, blank=True)
    # The units it covers (frozen at issue), for the staff's scoping by the lots' organisers.
    computers = models.ManyToManyField(
        "inventory.Computer", blank=True, related_name="receipts", verbose_name=_("ordinateurs")
    )
    content = models.JSONField(_("contenu figé à l'émission"), default=dict, blank=True)
    unit_count = models.PositiveIntegerField(_("ordinateurs"), default=0)
    total_value = models.DecimalField(_("valeur totale (€)"), max_digits=12, decimal_places=2, default=0)
    issued_by, issued_by_name = actor_fields(_("émis par"), _("nom de la personne qui l'a émis"))
    issued_at = models.DateTimeField(_("émis le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    cancel_reason = models.TextField(
        _("motif de l'annulation"),
        blank=True,
        max_length=RECEIPT_CANCEL_REASON_MAX,
        validators=[max_length_validator(RECEIPT_CANCEL_REASON_MAX)],
    )

    state = models.CharField(_("génération"), max_length=16, choices=State.choices, default=State.PENDING)
    error = models.TextField(_("erreur de génération"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    queued_at = models.DateTimeField(_("mis en file le"), null=True, blank=True)
    render_started_at = models.DateTimeField(_("génération commencée le"), null=True, blank=True)
    rendered_at = models.DateTimeField(_("généré le"), null=True, blank=True)
    pdf = models.FileField(_("reçu (PDF)"), upload_to=receipt_upload_to, max_length=255, blank=True)
    pdf_sha256 = models.CharField(_("empreinte SHA-256 du reçu"), max_length=64, blank=True)

    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = ReceiptQuerySet.as_manager()

    class Meta:
        verbose_name = _("reçu fiscal de don en nature")
        verbose_name_plural = _("reçus fiscaux de dons en nature")
        ordering = ["-year", "association", "sequence", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["association", "donor", "year"],
                condition=~Q(status=ReceiptStatus.CANCELLED),
                name="one_live_receipt_per_association_donor_year",
                violation_error_message=_("Un reçu existe déjà pour ce donateur et cette année."),
            ),
            models.UniqueConstraint(
                fields=["association", "year", "sequence"],
                name="one_receipt_sequence_per_association_year",
                violation_error_message=_("Ce numéro de reçu est déjà pris pour cette association et cette année."),
            ),
            choices_check("status", ReceiptStatus, "receipt_status_valid"),
            choices_check("state", ReceiptState, "receipt_state_valid"),
            models.CheckConstraint(
                condition=Q(status=ReceiptStatus.DRAFT) | (Q(sequence__isnull=False) & Q(issued_at__isnull=False)),
                name="receipt_issued_is_numbered",
                violation_error_message=_("Un reçu émis a son numéro et sa date d'émission."),
            ),
            models.CheckConstraint(
                condition=~Q(state=ReceiptState.READY) | ~Q(pdf=""),
                name="receipt_ready_has_pdf",
                violation_error_message=_("Un reçu prêt a son PDF."),
            ),
            models.CheckConstraint(condition=Q(year__gte=2000) & Q(year__lte=2999), name="receipt_year_range"),
            length_check("cancel_reason", RECEIPT_CANCEL_REASON_MAX, "receipt_cancel_reason_length"),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.association} – {self.donor} – {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("impact:receipt", args=[self.association_id, self.donor_id, self.year])

    @property
    def is_issued(self) -> bool:
        return self.status == ReceiptStatus.ISSUED


class ReceiptEvent(Journal):
    """Append-only history of a receipt: creation, issue, cancellation, PDF generation."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Création")
        STATUS = "status", _("Changement de statut")
        STATE = "state", _("Génération")

    receipt = models.ForeignKey(Receipt, on_delete=models.PROTECT, related_name="events")
    kind = Journal.kind_field(Kind)

    class Meta(Journal.Meta):
        verbose_name = _("événement de reçu fiscal")
        verbose_name_plural = _("historique des reçus fiscaux")

    def status_label(self, value: str) -> str:
        # Two kinds of status in the same columns: the receipt's, and its PDF's generation.
        labels = {**dict(ReceiptState.choices), **dict(ReceiptStatus.choices)}
        return str(labels.get(value, value))
