from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.constraints import choices_check
from core.models import Journal
from core.textlimits import length_check, max_length_validator
from core.transitions import Transitions
from donations.planner import DEFAULT_OPENING_HOURS, DEFAULT_SLOT_MINUTES, parse_opening_hours

APPOINTMENT_REQUEST_MAX = 1000
DESK_CAPACITY_MAX = 50


def validate_opening_hours(value: str) -> None:
    try:
        parse_opening_hours(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


class WaveQuerySet(models.QuerySet):
    def with_totals(self):
        """Annotate proposed / allocated (confirmed + handed over) / handed over quantities, in one query."""
        A = Allocation.Status
        return self.annotate(
            proposed_total=Coalesce(Sum("allocations__quantity", filter=Q(allocations__status=A.PROPOSED)), 0),
            allocated_total=Coalesce(
                Sum("allocations__quantity", filter=Q(allocations__status__in=[A.CONFIRMED, A.HANDED_OVER])), 0
            ),
            handed_over_total=Coalesce(Sum("allocations__quantity", filter=Q(allocations__status=A.HANDED_OVER)), 0),
            allocation_count=Count("allocations", filter=~Q(allocations__status=A.CANCELLED)),
        )


class WaveStatus(models.TextChoices):
    PLANNING = "planning", _("En préparation")
    CONFIRMED = "confirmed", _("Confirmée")
    DISTRIBUTING = "distributing", _("Remises en cours")
    CLOSED = "closed", _("Clôturée")


class Wave(models.Model):
    """One distribution round of a campaign: a capacity in units, a place and dates for the handovers."""

    Status = WaveStatus

    # The one table of allowed status changes of a wave.
    TRANSITIONS = Transitions(
        {
            Status.PLANNING: {Status.CONFIRMED},
            Status.CONFIRMED: {Status.DISTRIBUTING, Status.CLOSED},
            Status.DISTRIBUTING: {Status.CLOSED},
            Status.CLOSED: set(),
        },
        journal="donations.WaveEvent",
        subject="wave",
        refused=_("Impossible de passer une vague « %(from)s » à « %(to)s »."),
        already=_("La vague est déjà « %(status)s »."),
    )
    # Waves in which allocations may be confirmed one by one (after the wave itself is confirmed).
    CONFIRMABLE_STATUSES = (Status.CONFIRMED, Status.DISTRIBUTING)

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="waves", verbose_name=_("campagne")
    )
    number = models.PositiveSmallIntegerField(_("numéro"), validators=[MinValueValidator(1)])
    name = models.CharField(_("nom"), max_length=120, blank=True)
    capacity = models.PositiveIntegerField(
        _("capacité"),
        validators=[MinValueValidator(1)],
        help_text=_("Nombre d'ordinateurs à distribuer dans cette vague."),
    )
    is_final_lot = models.BooleanField(
        _("lot final"),
        default=False,
        help_text=_("Dernière vague, pour les petits besoins : les quantités sous le minimum y sont permises."),
    )
    handover_starts_on = models.DateField(_("premier jour de remise"), null=True, blank=True)
    handover_ends_on = models.DateField(_("dernier jour de remise"), null=True, blank=True)
    place = models.CharField(_("lieu de remise"), max_length=250, blank=True)
    opening_hours = models.CharField(
        _("heures d'ouverture du guichet"),
        max_length=100,
        default=DEFAULT_OPENING_HOURS,
        validators=[validate_opening_hours],
        help_text=_("Plages horaires, séparées par des espaces : « 09:00-12:00 14:00-17:00 »."),
    )
    slot_minutes = models.PositiveSmallIntegerField(
        _("durée d'un créneau (minutes)"),
        default=DEFAULT_SLOT_MINUTES,
        validators=[MinValueValidator(10), MaxValueValidator(480)],
    )
    desk_capacity = models.PositiveSmallIntegerField(
        _("associations reçues en même temps"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(DESK_CAPACITY_MAX)],
        help_text=_("Combien d'associations le guichet sert à la fois : les places de chaque créneau."),
    )
    status = models.CharField(_("statut"), max_length=16, choices=Status.choices, default=Status.PLANNING)
    planned_at = models.DateTimeField(_("proposition calculée le"), null=True, blank=True)
    plan_skipped = models.JSONField(
        _("associations sans attribution"),
        default=list,
        blank=True,
        help_text=_("Ce que le planificateur a écarté à son dernier calcul, avec la raison."),
    )
    confirmed_at = models.DateTimeField(_("confirmée le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    objects = WaveQuerySet.as_manager()

    class Meta:
        verbose_name = _("vague")
        verbose_name_plural = _("vagues")
        ordering = ["campaign", "number"]
        permissions = [("plan_wave", _("Peut planifier et confirmer une vague"))]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "number"],
                name="one_wave_number_per_campaign",
                violation_error_message=_("Cette campagne a déjà une vague avec ce numéro."),
            ),
            models.UniqueConstraint(
                fields=["campaign"],
                condition=Q(is_final_lot=True),
                name="one_final_lot_per_campaign",
                violation_error_message=_("Cette campagne a déjà un lot final."),
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="wave_capacity_positive"),
            models.CheckConstraint(
                condition=Q(desk_capacity__gte=1, desk_capacity__lte=DESK_CAPACITY_MAX), name="wave_desk_capacity_range"
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=10, slot_minutes__lte=480), name="wave_slot_minutes_range"
            ),
            choices_check("status", WaveStatus, "wave_status_valid"),
            models.CheckConstraint(
                condition=Q(handover_starts_on__isnull=True)
                | Q(handover_ends_on__isnull=True)
                | Q(handover_starts_on__lte=F("handover_ends_on")),
                name="wave_dates_ordered",
                violation_error_message=_("Le dernier jour de remise doit suivre le premier."),
            ),
        ]

    def __str__(self) -> str:
        label = _("Lot final") if self.is_final_lot else _("Vague %(number)s") % {"number": self.number}
        if self.name:
            return f"{label} – {self.name}"
        return str(label)

    def get_admin_url(self) -> str:
        return reverse("admin:donations_wave_change", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.PLANNING


class WaveEvent(Journal):
    """Append-only history of a wave: status changes and every change to its plan."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Création")
        STATUS = "status", _("Changement de statut")
        PLANNED = "planned", _("Proposition calculée")
        EDITED = "edited", _("Proposition modifiée")
        UPDATED = "updated", _("Modification")

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="events")
    kind = Journal.kind_field(Kind)
    from_status, to_status = Journal.status_fields(Wave.Status, max_length=16)

    class Meta(Journal.Meta):
        verbose_name = _("événement de vague")
        verbose_name_plural = _("historique des vagues")


class HandoverSlotQuerySet(models.QuerySet):
    def with_booked(self):
        """Annotate ``booked``: the allocations holding units (confirmed or handed over) booked in each slot."""
        return self.annotate(
            booked=Count("allocations", filter=Q(allocations__status__in=HOLDING_UNITS_STATUSES)),
        )


class HandoverSlot(models.Model):
    """One time slot of a wave's handover schedule, with its places: how many associations the desk serves at once.

    A booking is an allocation (confirmed or handed over) whose ``slot`` is this one. Bookings are made under
    a row lock on the slot (``select_for_update``), so that concurrent bookings never exceed ``capacity``.
    """

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="slots", verbose_name=_("vague"))
    date = models.DateField(_("jour"))
    start = models.TimeField(_("début"))
    end = models.TimeField(_("fin"))
    capacity = models.PositiveSmallIntegerField(
        _("places"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(DESK_CAPACITY_MAX)],
        help_text=_("Associations reçues en même temps sur ce créneau."),
    )

    objects = HandoverSlotQuerySet.as_manager()

    class Meta:
        verbose_name = _("créneau de remise")
        verbose_name_plural = _("créneaux de remise")
        ordering = ["date", "start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "date", "start"],
                name="one_slot_per_wave_and_time",
                violation_error_message=_("Cette vague a déjà un créneau à ce jour et à cette heure."),
            ),
            models.CheckConstraint(
                condition=Q(start__lt=F("end")),
                name="handover_slot_ordered",
                violation_error_message=_("La fin du créneau doit suivre son début."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=DESK_CAPACITY_MAX), name="handover_slot_capacity_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.start:%H:%M}–{self.end:%H:%M}"


class AllocationStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposée")
    CONFIRMED = "confirmed", _("Confirmée")
    HANDED_OVER = "handed_over", _("Remise")
    CANCELLED = "cancelled", _("Annulée")


class AppointmentStatus(models.TextChoices):
    NONE = "none", _("À fixer")
    PROPOSED = "proposed", _("Proposé, à confirmer par l'association")
    ACCEPTED = "accepted", _("Confirmé par l'association")
    CHANGE_REQUESTED = "change_requested", _("Autre créneau demandé")


# Live: an allocation that still counts in its wave: every status but cancelled (the queries and the
# unique constraint say it as « not cancelled »).
LIVE_ALLOCATION_STATUSES = tuple(s for s in AllocationStatus if s != AllocationStatus.CANCELLED)
# Holding units: confirmed or handed over; counts against a grant, has its units, gets a certificate.
HOLDING_UNITS_STATUSES = (AllocationStatus.CONFIRMED, AllocationStatus.HANDED_OVER)


class AllocationQuerySet(models.QuerySet):
    def live(self):
        return self.exclude(status=AllocationStatus.CANCELLED)

    def holding_units(self):
        """Allocations that count against a grant: confirmed or handed over."""
        return self.filter(status__in=HOLDING_UNITS_STATUSES)

    def for_user(self, user):
        """The allocations an association member may see: confirmed or later, of their associations."""
        from associations.models import Association

        return self.filter(
            application__association__in=Association.objects.for_user(user),
            status__in=HOLDING_UNITS_STATUSES,
        )


class Allocation(models.Model):
    """What one approved application receives in one wave, and when it comes to collect it."""

    Status = AllocationStatus
    Appointment = AppointmentStatus

    # The one table of allowed status changes of an allocation.
    TRANSITIONS = Transitions(
        {
            Status.PROPOSED: {Status.CONFIRMED, Status.CANCELLED},
            Status.CONFIRMED: {Status.HANDED_OVER, Status.CANCELLED},
            Status.HANDED_OVER: set(),
            Status.CANCELLED: set(),
        },
        journal="donations.AllocationEvent",
        subject="allocation",
        refused=_("Impossible de passer une attribution « %(from)s » à « %(to)s »."),
        already=_("L'attribution de %(association)s est déjà « %(status)s »."),
        params=lambda allocation: {"association": allocation.application.association},
    )
    # The one table of allowed changes of the handover appointment (managers propose, associations answer
    # or pick a free slot of the wave's schedule themselves).
    APPOINTMENT_TRANSITIONS = Transitions(
        {
            # ACCEPTED is also where an association lands when it picks a free slot itself (from any state).
            Appointment.NONE: {Appointment.PROPOSED, Appointment.ACCEPTED},
            Appointment.PROPOSED: {Appointment.PROPOSED, Appointment.ACCEPTED, Appointment.CHANGE_REQUESTED},
            Appointment.ACCEPTED: {Appointment.PROPOSED, Appointment.ACCEPTED, Appointment.CHANGE_REQUESTED},
            Appointment.CHANGE_REQUESTED: {Appointment.PROPOSED, Appointment.ACCEPTED},
        },
        journal="donations.AllocationEvent",
        subject="allocation",
        field="appointment_status",
        kind="appointment",
        refused=_("Rendez-vous « %(from)s » : impossible de passer à « %(to)s »."),
        clean=("wave", "application"),
    )
    LIVE_STATUSES = LIVE_ALLOCATION_STATUSES
    HOLDING_UNITS_STATUSES = HOLDING_UNITS_STATUSES

    wave = models.ForeignKey(Wave, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("vague"))
    application = models.ForeignKey(
        "associations.Application",
        on_delete=models.PROTECT,
        related_name="allocations",
        verbose_name=_("candidature"),
    )
    quantity = models.PositiveSmallIntegerField(_("quantité"), validators=[MinValueValidator(1)])
    planned_quantity = models.PositiveSmallIntegerField(
        _("quantité proposée par le planificateur"), null=True, blank=True
    )
    position = models.PositiveIntegerField(_("ordre"), default=0)
    reason = models.TextField(_("calcul"), blank=True, help_text=_("Comment la quantité a été calculée."))
    status = models.CharField(_("statut"), max_length=16, choices=Status.choices, default=Status.PROPOSED)
    appointment_status = models.CharField(
        _("rendez-vous"), max_length=20, choices=Appointment.choices, default=Appointment.NONE
    )
    appointment_date = models.DateField(_("date du rendez-vous"), null=True, blank=True)
    appointment_start = models.TimeField(_("début du créneau"), null=True, blank=True)
    appointment_end = models.TimeField(_("fin du créneau"), null=True, blank=True)
    appointment_place = models.CharField(_("lieu du rendez-vous"), max_length=250, blank=True)
    slot = models.ForeignKey(
        HandoverSlot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
        verbose_name=_("créneau"),
        help_text=_(
            "Le créneau du planning de la vague réservé pour ce rendez-vous (vide : rendez-vous hors planning)."
        ),
    )
    appointment_request = models.TextField(
        _("demande de l'association"),
        blank=True,
        max_length=APPOINTMENT_REQUEST_MAX,
        validators=[max_length_validator(APPOINTMENT_REQUEST_MAX)],
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmée le"), null=True, blank=True)
    handed_over_at = models.DateTimeField(_("remise le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)

    objects = AllocationQuerySet.as_manager()

    class Meta:
        verbose_name = _("attribution")
        verbose_name_plural = _("attributions")
        ordering = ["wave", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "application"],
                condition=~Q(status=AllocationStatus.CANCELLED),
                name="one_live_allocation_per_wave_and_application",
                violation_error_message=_("Cette association a déjà une attribution dans cette vague."),
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="allocation_quantity_positive"),
            length_check("appointment_request", APPOINTMENT_REQUEST_MAX, "allocation_appointment_request_length"),
            choices_check("status", AllocationStatus, "allocation_status_valid"),
            choices_check("appointment_status", AppointmentStatus, "allocation_appointment_status_valid"),
            models.CheckConstraint(
                condition=Q(appointment_status=AppointmentStatus.NONE)
                | Q(appointment_date__isnull=False, appointment_start__isnull=False, appointment_end__isnull=False),
                name="allocation_appointment_complete",
                violation_error_message=_("Un rendez-vous a une date, une heure de début et une heure de fin."),
            ),
            models.CheckConstraint(
                condition=Q(appointment_start__isnull=True)
                | Q(appointment_end__isnull=True)
                | Q(appointment_start__lt=F("appointment_end")),
                name="allocation_appointment_ordered",
                violation_error_message=_("La fin du créneau doit suivre son début."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.wave} – {self.application.association} ({self.quantity})"

    def get_admin_url(self) -> str:
        return reverse("admin:donations_allocation_change", args=[self.pk])

    @property
    def association(self):
        return self.application.association


class AllocationUnit(models.Model):
    """A concrete unit assigned to an allocation. Live while ``released_at`` is empty.

    The partial unique constraint is what makes double allocation impossible: whatever the
    code does, the database refuses a second live link to the same computer.
    """

    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="units")
    computer = models.ForeignKey(
        "inventory.Computer", on_delete=models.PROTECT, related_name="allocation_links", verbose_name=_("ordinateur")
    )
    assigned_at = models.DateTimeField(_("attribué le"), default=timezone.now)
    released_at = models.DateTimeField(_("libéré le"), null=True, blank=True)

    class Meta:
        verbose_name = _("ordinateur attribué")
        verbose_name_plural = _("ordinateurs attribués")
        ordering = ["allocation", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["computer"],
                condition=Q(released_at__isnull=True),
                name="one_live_allocation_per_computer",
                violation_error_message=_("Cet ordinateur est déjà attribué à une autre association."),
            ),
        ]

    def __str__(self) -> str:
        computer = self.computer
        return f"{computer.asset_tag} – {computer.manufacturer} {computer.model}".strip(" –")


class AllocationEvent(Journal):
    """Append-only history of an allocation: status, appointment, quantity and unit changes.

    ``from_status``/``to_status`` hold the allocation's status, or its appointment's (kind « appointment »).
    """

    class Kind(models.TextChoices):
        STATUS = "status", _("Changement de statut")
        APPOINTMENT = "appointment", _("Rendez-vous")
        UNITS = "units", _("Ordinateurs")

    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="events")
    kind = Journal.kind_field(Kind)

    def status_label(self, value: str) -> str:
        """The allocation's status, or its appointment's for an appointment row, in words."""
        if not value:
            return ""
        choices = AppointmentStatus if self.kind == self.Kind.APPOINTMENT else AllocationStatus
        return str(dict(choices.choices).get(value, value))

    class Meta(Journal.Meta):
        verbose_name = _("événement d'attribution")
        verbose_name_plural = _("historique des attributions")
        ordering = ["created_at", "pk"]


class AppointmentReminder(models.Model):
    """The reminder sent two days before a handover appointment: recorded, so that it goes out exactly once.

    One row per allocation and appointment (day and time): an appointment moved later gets its own reminder.
    """

    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="reminders")
    appointment_date = models.DateField(_("date du rendez-vous"))
    appointment_start = models.TimeField(_("début du créneau"))
    sent_at = models.DateTimeField(_("envoyé le"), default=timezone.now)

    class Meta:
        verbose_name = _("rappel de rendez-vous")
        verbose_name_plural = _("rappels de rendez-vous")
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["allocation", "appointment_date", "appointment_start"],
                name="one_reminder_per_appointment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.allocation_id} – {self.appointment_date:%d/%m/%Y} {self.appointment_start:%H:%M}"
