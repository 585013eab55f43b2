"""Handover certificates: one per confirmed allocation, rendered to PDF by a Celery task, then signed.

A ``Handover`` carries its certificate (number, verification code, PDF and checksum), the state of
its generation, and, once the association collected its computers, the signed handover (date,
representative, signatures or scan, refused units, signed PDF). Every state change goes through
``certificates.services`` and leaves an append-only ``HandoverEvent``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certificates import codes
from core.constraints import choices_check
from core.models import Journal, actor_fields
from core.transitions import Transitions
from donations.models import AllocationStatus


def new_verification_code() -> str:
    """An unguessable code for the public verification page, easy to type from paper (see certificates.codes)."""
    return codes.new_code()


def certificate_upload_to(instance: "Handover", filename: str) -> str:
    return f"certificates/{instance.wave_id}/{filename}"


def signature_upload_to(instance: "Handover", filename: str) -> str:
    return f"certificates/{instance.wave_id}/signatures/{filename}"


class HandoverQuerySet(models.QuerySet):
    def for_wave(self, wave):
        return self.filter(wave=wave)

    def live(self):
        """Certificates of allocations that still stand (not cancelled)."""
        return self.exclude(allocation__status=AllocationStatus.CANCELLED)

    def due(self):
        """Certificates whose current document is not ready yet."""
        return self.filter(state__in=[Handover.State.PENDING, Handover.State.RENDERING, Handover.State.FAILED])

    def stuck(self, *, pending_before, rendering_before):
        """Renders that were queued or started long ago and never finished (lost message, killed worker)."""
        return self.live().filter(
            Q(state=Handover.State.PENDING, queued_at__lt=pending_before)
            | Q(state=Handover.State.PENDING, queued_at__isnull=True)
            | Q(state=Handover.State.RENDERING, render_started_at__lt=rendering_before)
        )

    def visible_to(self, user):
        """What ``user`` may download: their associations' certificates; every one for staff who may view them."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_staff and user.has_perm("certificates.view_handover"):
            return self.all()
        return self.filter(allocation__application__association__memberships__user=user)


class HandoverState(models.TextChoices):
    PENDING = "pending", _("En attente de génération")
    RENDERING = "rendering", _("En cours de génération")
    READY = "ready", _("Prête")
    FAILED = "failed", _("Échec de la génération")


class Handover(models.Model):
    """The handover certificate of one allocation, and the record of its signed handover."""

    State = HandoverState

    # The one table of allowed changes of a certificate's generation state (for core.transitions;
    # certificates.services moves to it when it is split).
    TRANSITIONS = Transitions(
        {
            State.PENDING: {State.RENDERING},
            # pending: the render died or a newer document is due
            State.RENDERING: {State.READY, State.FAILED, State.PENDING},
            State.READY: {State.PENDING},  # a new document is due (the signed certificate)
            # rendering: an automatic retry; pending: the operator's retry
            State.FAILED: {State.PENDING, State.RENDERING},
        },
        journal="certificates.HandoverEvent",
        subject="handover",
        field="state",
        kind="state",
        refused=_("Impossible de passer une attestation « %(from)s » à « %(to)s »."),
        save_fields=("updated_at",),
    )

    allocation = models.OneToOneField(
        "donations.Allocation", on_delete=models.PROTECT, related_name="handover", verbose_name=_("attribution")
    )
    # Copied from the allocation: certificates are numbered within their wave.
    wave = models.ForeignKey(
        "donations.Wave", on_delete=models.PROTECT, related_name="handovers", verbose_name=_("vague")
    )
    sequence = models.PositiveIntegerField(_("numéro d'ordre dans la vague"))
    number = models.CharField(_("numéro d'attestation"), max_length=120, unique=True)
    code = models.CharField(
        _("code de vérification"), max_length=64, unique=True, default=new_verification_code, editable=False
    )

    # Generation of the current document (the certificate to sign, then the signed certificate).
    state = models.CharField(_("génération"), max_length=16, choices=State.choices, default=State.PENDING)
    error = models.TextField(_("erreur de génération"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    revision = models.PositiveIntegerField(
        _("révision"), default=1, help_text=_("Augmente à chaque fois qu'un nouveau document est à produire.")
    )
    rendered_revision = models.PositiveIntegerField(_("révision produite"), default=0)
    queued_at = models.DateTimeField(_("mise en file le"), null=True, blank=True)
    render_started_at = models.DateTimeField(_("génération commencée le"), null=True, blank=True)
    rendered_at = models.DateTimeField(_("générée le"), null=True, blank=True)
    pdf = models.FileField(_("attestation (PDF)"), upload_to=certificate_upload_to, max_length=255, blank=True)
    pdf_sha256 = models.CharField(_("empreinte SHA-256 de l'attestation"), max_length=64, blank=True)
    page_count = models.PositiveSmallIntegerField(_("pages"), default=0)

    # The signed handover.
    handed_over_on = models.DateField(_("date de la remise"), null=True, blank=True)
    representative_name = models.CharField(_("représentant de l'association"), max_length=150, blank=True)
    operator, operator_name = actor_fields(_("agent du guichet"), _("nom de l'agent"))
    association_signature = models.FileField(
        _("signature de l'association"), upload_to=signature_upload_to, max_length=255, blank=True
    )
    operator_signature = models.FileField(
        _("signature de l'agent"), upload_to=signature_upload_to, max_length=255, blank=True
    )
    signed_scan = models.FileField(
        _("scan de l'attestation signée sur papier"), upload_to=signature_upload_to, max_length=255, blank=True
    )
    refused_computers = models.ManyToManyField(
        "inventory.Computer", blank=True, related_name="+", verbose_name=_("ordinateurs refusés à la remise")
    )
    refusal_note = models.TextField(_("motif du refus"), blank=True)
    handed_over_count = models.PositiveSmallIntegerField(_("ordinateurs remis"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signée le"), null=True, blank=True)
    signed_pdf = models.FileField(
        _("attestation signée (PDF)"), upload_to=certificate_upload_to, max_length=255, blank=True
    )
    signed_pdf_sha256 = models.CharField(_("empreinte SHA-256 de l'attestation signée"), max_length=64, blank=True)
    signed_page_count = models.PositiveSmallIntegerField(_("pages de l'attestation signée"), default=0)
    notify_association = models.BooleanField(
        _("envoyer l'attestation signée à l'association"),
        default=True,
        help_text=_("Décoché pour les données de démonstration, dont les adresses sont fictives."),
    )
    emailed_at = models.DateTimeField(_("envoyée à l'association le"), null=True, blank=True)

    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = HandoverQuerySet.as_manager()

    class Meta:
        verbose_name = _("attestation de remise")
        verbose_name_plural = _("attestations de remise")
        ordering = ["wave", "sequence"]
        permissions = [("record_handover", _("Peut enregistrer une remise signée"))]
        indexes = [models.Index(fields=["state", "queued_at"], name="handover_state_queued")]
        constraints = [
            models.UniqueConstraint(
                fields=["wave", "sequence"],
                name="one_certificate_sequence_per_wave",
                violation_error_message=_("Ce numéro d'ordre est déjà pris dans cette vague."),
            ),
            choices_check("state", HandoverState, "handover_state_valid"),
            models.CheckConstraint(
                condition=~Q(state=HandoverState.FAILED) | ~Q(error=""),
                name="handover_failure_has_error",
                violation_error_message=_("Une génération en échec indique son erreur."),
            ),
            models.CheckConstraint(
                condition=~Q(state=HandoverState.READY) | ~Q(pdf="") | ~Q(signed_pdf=""),
                name="handover_ready_has_pdf",
                violation_error_message=_("Une attestation prête a son PDF."),
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True)
                | (Q(handed_over_on__isnull=False) & ~Q(representative_name="") & Q(handed_over_count__gte=1)),
                name="handover_signed_is_complete",
                violation_error_message=_(
                    "Une remise signée indique sa date, le représentant de l'association et les ordinateurs remis."
                ),
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True)
                | ~Q(signed_scan="")
                | (~Q(association_signature="") & ~Q(operator_signature="")),
                name="handover_signed_has_signatures",
                violation_error_message=_("Une remise signée porte les deux signatures, ou le scan signé sur papier."),
            ),
            models.CheckConstraint(condition=Q(rendered_revision__lte=models.F("revision")), name="handover_revision"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("certificates:download", args=[self.pk])

    def get_verify_url(self) -> str:
        return reverse("certificates:verify", args=[self.code])

    @property
    def verification_url(self) -> str:
        """The absolute address printed in the QR code."""
        return settings.SITE_URL + self.get_verify_url()

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def document(self):
        """The file to hand out: the signed certificate once there is one, else the certificate to sign."""
        return self.signed_pdf or self.pdf


class HandoverEvent(Journal):
    """Append-only history of a certificate: generation states, signature, email."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Création")
        STATE = "state", _("Génération")
        SIGNED = "signed", _("Remise signée")
        EMAILED = "emailed", _("Envoi à l'association")

    handover = models.ForeignKey(Handover, on_delete=models.PROTECT, related_name="events")
    kind = Journal.kind_field(Kind)
    # The certificate's generation ``state`` moves, named as on every journal.
    from_status, to_status = Journal.status_fields(Handover.State, max_length=16)

    class Meta(Journal.Meta):
        verbose_name = _("événement d'attestation")
        verbose_name_plural = _("historique des attestations")
