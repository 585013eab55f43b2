"""After the handover: an association reports a faulty unit under warranty, the stock team asks, repairs or replaces.

A ``Ticket`` is one faulty unit of one signed handover. Its status moves only through
``support.services`` (one table, ``Ticket.TRANSITIONS``), each move leaving an append-only ``TicketEvent``.
The database keeps one open ticket per unit, and a replaced ticket always names its replacement.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from associations.validators import validate_no_nul
from core.constraints import choices_check
from core.models import Journal, done_by
from core.textlimits import length_check, max_length_validator
from core.transitions import Transitions

DESCRIPTION_MAX = 2000
MESSAGE_MAX = 2000
MAX_PHOTOS = 3
PHOTO_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


def photo_upload_to(instance: "TicketPhoto", filename: str) -> str:
    # Never the visitor's file name: a random one, with the checked type's extension.
    extension = instance.image_type if instance.image_type in PHOTO_TYPES else "bin"
    return f"support/{instance.ticket.association_id}/{uuid.uuid4().hex}.{extension}"


class TicketStatus(models.TextChoices):
    NEW = "new", _("Signalée, à examiner")
    QUESTION = "question", _("Question de l'équipe, en attente de votre réponse")
    TO_RETURN = "to_return", _("À retourner à l'atelier")
    IN_REPAIR = "in_repair", _("En réparation")
    RETURNED = "returned", _("Réparé et rendu")
    REPLACED = "replaced", _("Remplacé")
    CLOSED = "closed", _("Close sans suite")


OPEN_TICKET_STATUSES = (TicketStatus.NEW, TicketStatus.QUESTION, TicketStatus.TO_RETURN, TicketStatus.IN_REPAIR)
# What waits for the stock team (a question waits for the association).
STAFF_TODO_STATUSES = (TicketStatus.NEW, TicketStatus.TO_RETURN, TicketStatus.IN_REPAIR)


class TicketQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_TICKET_STATUSES)

    def for_user(self, user):
        """The tickets of ``user``'s associations (members only)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(association__memberships__user=user)


class Ticket(models.Model):
    """A unit an association reports faulty after its handover, and what the stock team decides."""

    Status = TicketStatus

    # The one table of allowed status changes of a ticket (support.services performs each move).
    TRANSITIONS = Transitions(
        {
            Status.NEW: {Status.QUESTION, Status.TO_RETURN, Status.REPLACED, Status.CLOSED},
            # back to « new » when the association answers the question
            Status.QUESTION: {Status.NEW, Status.TO_RETURN, Status.REPLACED, Status.CLOSED},
            # a repair that turns out impossible ends in a replacement
            Status.TO_RETURN: {Status.IN_REPAIR, Status.REPLACED},
            Status.IN_REPAIR: {Status.RETURNED, Status.REPLACED},
            Status.RETURNED: set(),
            Status.REPLACED: set(),
            Status.CLOSED: set(),
        },
        journal="support.TicketEvent",
        subject="ticket",
        refused=_("Impossible de passer un signalement « %(from)s » à « %(to)s »."),
        already=_("Ce signalement est déjà « %(status)s »."),
        save_fields=("updated_at",),
    )
    OPEN_STATUSES = OPEN_TICKET_STATUSES

    association = models.ForeignKey(
        "associations.Association",
        on_delete=models.PROTECT,
        related_name="support_tickets",
        verbose_name=_("association"),
    )
    allocation = models.ForeignKey(
        "donations.Allocation", on_delete=models.PROTECT, related_name="support_tickets", verbose_name=_("attribution")
    )
    handover = models.ForeignKey(
        "certificates.Handover",
        on_delete=models.PROTECT,
        related_name="support_tickets",
        verbose_name=_("attestation de remise"),
    )
    computer = models.ForeignKey(
        "inventory.Computer",
        on_delete=models.PROTECT,
        related_name="support_tickets",
        verbose_name=_("ordinateur signalé"),
    )
    replacement = models.ForeignKey(
        "inventory.Computer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replacing_tickets",
        verbose_name=_("ordinateur de remplacement"),
    )
    reported_by = done_by(_("signalé par"))
    description = models.TextField(
        _("ce qui ne va pas"),
        max_length=DESCRIPTION_MAX,
        validators=[validate_no_nul, max_length_validator(DESCRIPTION_MAX)],
    )
    status = models.CharField(_("statut"), max_length=16, choices=Status.choices, default=Status.NEW)
    warranty_ends_on = models.DateField(_("fin de garantie"))
    created_at = models.DateTimeField(_("signalé le"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("signalement de panne")
        verbose_name_plural = _("signalements de panne")
        ordering = ["created_at", "pk"]  # the oldest first: the stock team works in order
        constraints = [
            models.UniqueConstraint(
                fields=["computer"],
                condition=Q(status__in=OPEN_TICKET_STATUSES),
                name="one_open_ticket_per_computer",
                violation_error_message=_("Cet ordinateur a déjà un signalement en cours."),
            ),
            choices_check("status", TicketStatus, "ticket_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=TicketStatus.REPLACED) | Q(replacement__isnull=False),
                name="ticket_replaced_names_replacement",
                violation_error_message=_("Un ordinateur remplacé indique son remplaçant."),
            ),
            models.CheckConstraint(
                condition=~Q(replacement=models.F("computer")), name="ticket_replacement_is_another_unit"
            ),
            length_check("description", DESCRIPTION_MAX, "ticket_description_length"),
        ]

    def __str__(self) -> str:
        return _("Panne de %(unit)s") % {"unit": self.computer.asset_tag}

    def get_absolute_url(self) -> str:
        return reverse("support:ticket", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TICKET_STATUSES


class TicketPhoto(models.Model):
    """A photo of the fault (JPEG or PNG checked by core.imagecheck), served by an access-checked view."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to=photo_upload_to, max_length=200)
    image_type = models.CharField(_("type"), max_length=4, choices=[("jpg", "JPEG"), ("png", "PNG")])
    name = models.CharField(_("nom du fichier"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("ajoutée le"), default=timezone.now)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["created_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(image_type__in=["jpg", "png"]), name="ticket_photo_typed")]

    def __str__(self) -> str:
        return self.name or self.image_type

    @property
    def mimetype(self) -> str:
        return PHOTO_TYPES.get(self.image_type, "application/octet-stream")


class TicketMessage(models.Model):
    """The thread between the stock team (questions) and the association (answers) about one ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = done_by()
    from_staff = models.BooleanField(_("de l'équipe du stock"), default=False)
    body = models.TextField(
        _("message"), max_length=MESSAGE_MAX, validators=[validate_no_nul, max_length_validator(MESSAGE_MAX)]
    )
    created_at = models.DateTimeField(_("envoyé le"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        constraints = [length_check("body", MESSAGE_MAX, "ticket_message_body_length")]

    def __str__(self) -> str:
        return self.body[:60]


class TicketEvent(Journal):
    """Append-only history of a ticket: its report, questions and answers, status moves, the swap."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Signalement")
        STATUS = "status", _("Changement de statut")
        MESSAGE = "message", _("Message")
        ADDENDUM = "addendum", _("Avenant à l'attestation")

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="events")
    kind = Journal.kind_field(Kind)
    from_status, to_status = Journal.status_fields(Ticket.Status, max_length=16)

    class Meta(Journal.Meta):
        verbose_name = _("événement de signalement")
        verbose_name_plural = _("historique des signalements")


def addendum_upload_to(instance: "Addendum", filename: str) -> str:
    return f"support/addenda/{instance.handover_id}/{uuid.uuid4().hex}-{filename}"


class Addendum(models.Model):
    """A new signed page of a handover certificate listing a swap (a replacement under warranty).

    Rendered to PDF by a Celery task (support.tasks.render_addendum, WeasyPrint as the certificates), then signed
    either at the desk on the signature pads, as a handover certificate (both signatures; the signed PDF is
    rendered by ``support.tasks.render_signed_addendum``), or on paper and recorded by uploading its scan. Its file
    states are plain facts (rendered or not, signed or not), not a workflow: the ticket carries the status.
    """

    ticket = models.OneToOneField(Ticket, on_delete=models.PROTECT, related_name="addendum")
    handover = models.ForeignKey(
        "certificates.Handover", on_delete=models.PROTECT, related_name="addenda", verbose_name=_("attestation")
    )
    sequence = models.PositiveSmallIntegerField(_("numéro d'avenant"))
    number = models.CharField(_("numéro"), max_length=140, unique=True)
    pdf = models.FileField(_("avenant (PDF)"), upload_to=addendum_upload_to, max_length=255, blank=True)
    pdf_sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    render_error = models.TextField(_("erreur de génération"), blank=True)
    rendered_at = models.DateTimeField(_("généré le"), null=True, blank=True)
    signed_scan = models.FileField(_("avenant signé (scan)"), upload_to=addendum_upload_to, max_length=255, blank=True)
    signed_by_name = models.CharField(_("signé pour l'association par"), max_length=150, blank=True)
    # Signed at the desk on the pads: both signatures (PNG), who held the desk, and the signed PDF.
    association_signature = models.FileField(
        _("signature de l'association"), upload_to=addendum_upload_to, max_length=255, blank=True
    )
    operator_signature = models.FileField(
        _("signature de l'agent"), upload_to=addendum_upload_to, max_length=255, blank=True
    )
    operator = done_by(_("agent du guichet"))
    operator_name = models.CharField(_("nom de l'agent"), max_length=150, blank=True)
    signed_pdf = models.FileField(_("avenant signé (PDF)"), upload_to=addendum_upload_to, max_length=255, blank=True)
    signed_pdf_sha256 = models.CharField(_("empreinte SHA-256 de l'avenant signé"), max_length=64, blank=True)
    signed_rendered_at = models.DateTimeField(_("avenant signé généré le"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        verbose_name = _("avenant à l'attestation")
        verbose_name_plural = _("avenants aux attestations")
        ordering = ["handover", "sequence"]
        permissions = [("sign_addendum", _("Peut faire signer un avenant au guichet"))]
        constraints = [
            models.UniqueConstraint(fields=["handover", "sequence"], name="one_addendum_sequence_per_handover"),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True)
                | (
                    ~Q(signed_by_name="")
                    & (~Q(signed_scan="") | (~Q(association_signature="") & ~Q(operator_signature="")))
                ),
                name="addendum_signed_has_scan_or_signatures_and_name",
                violation_error_message=_(
                    "Un avenant signé a le nom du signataire, et son scan ou les deux signatures."
                ),
            ),
            models.CheckConstraint(
                condition=Q(signed_rendered_at__isnull=True) | ~Q(signed_pdf=""),
                name="addendum_signed_rendered_has_pdf",
            ),
            models.CheckConstraint(
                condition=Q(rendered_at__isnull=True) | ~Q(pdf=""), name="addendum_rendered_has_pdf"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def signed_on_pad(self) -> bool:
        return bool(self.association_signature)

    @property
    def signed_document(self):
        """The signed addendum: the PDF rendered with the pads' signatures, or the paper scan (empty while the
        signed PDF is being rendered)."""
        return self.signed_pdf or self.signed_scan

    @property
    def document(self):
        """The signed addendum once there is one, else the page to sign."""
        return self.signed_document or self.pdf
