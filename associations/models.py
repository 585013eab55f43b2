from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from associations.documents import ATTACHMENT_TYPES, attachment_upload_to, document_upload_to
from associations.validators import validate_no_nul, validate_postal_code, validate_rna, validate_siret
from core.constraints import choices_check
from core.models import Journal, done_by
from core.textlimits import length_check, max_length_validator
from core.transitions import Transitions

DESCRIPTION_MAX = 2000
PROJECT_MAX = 3000
PREMISES_MAX = 1000
DECISION_MAX = 2000
MESSAGE_MAX = 5000


class Mission(models.Model):
    """An eligible mission (DESIGN.md): the list is fixed and loaded by a migration."""

    class Code(models.TextChoices):
        PRECARITY = "precarity", _("Lutte contre la précarité")
        EXCLUSION = "exclusion", _("Lutte contre l'exclusion sociale")
        ILLITERACY = "illiteracy", _("Lutte contre l'illettrisme")
        ANALPHABETISM = "analphabetism", _("Lutte contre l'analphabétisme")
        ILLECTRONISM = "illectronism", _("Lutte contre l'illectronisme")
        EMPLOYMENT = "employment", _("Accès à l'emploi et insertion professionnelle")
        MEDIATION = "mediation", _("Médiation numérique")

    code = models.CharField(max_length=32, choices=Code.choices, unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("mission")
        verbose_name_plural = _("missions")
        ordering = ["position"]

    def __str__(self) -> str:
        return str(self.Code(self.code).label)


class AssociationQuerySet(models.QuerySet):
    def for_user(self, user):
        """The associations a person may see in the association space: their own."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)


class Association(models.Model):
    legal_name = models.CharField(_("nom de l'association"), max_length=200, validators=[validate_no_nul])
    acronym = models.CharField(_("sigle"), max_length=40, blank=True, validators=[validate_no_nul])
    rna = models.CharField(
        _("numéro RNA"),
        max_length=10,
        blank=True,
        validators=[validate_rna],
        help_text=_("W suivi de 9 chiffres, sur le récépissé de déclaration en préfecture."),
    )
    siret = models.CharField(
        _("numéro SIRET"),
        max_length=14,
        blank=True,
        validators=[validate_siret],
        help_text=_("14 chiffres, si votre association en a un."),
    )
    address = models.CharField(_("adresse"), max_length=250, validators=[validate_no_nul])
    postal_code = models.CharField(_("code postal"), max_length=5, validators=[validate_postal_code])
    city = models.CharField(_("ville"), max_length=120, validators=[validate_no_nul])
    missions = models.ManyToManyField(Mission, related_name="associations", verbose_name=_("missions"))
    description = models.TextField(
        _("activités"),
        blank=True,
        max_length=DESCRIPTION_MAX,
        validators=[validate_no_nul, max_length_validator(DESCRIPTION_MAX)],
    )
    beneficiaries_per_year = models.PositiveIntegerField(_("personnes accompagnées par an"))
    staff_count = models.PositiveIntegerField(_("salariés"), default=0)
    volunteer_count = models.PositiveIntegerField(_("bénévoles"), default=0)
    contact_name = models.CharField(_("personne à contacter"), max_length=150, validators=[validate_no_nul])
    contact_role = models.CharField(_("fonction"), max_length=100, blank=True, validators=[validate_no_nul])
    contact_email = models.EmailField(_("e-mail de contact"))
    contact_phone = models.CharField(_("téléphone"), max_length=20, blank=True, validators=[validate_no_nul])
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = AssociationQuerySet.as_manager()

    class Meta:
        verbose_name = _("association")
        verbose_name_plural = _("associations")
        ordering = ["legal_name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(rna="") | ~Q(siret=""),
                name="association_has_rna_or_siret",
                violation_error_message=_("Indiquez le numéro RNA ou le numéro SIRET de l'association."),
            ),
            models.UniqueConstraint(
                fields=["rna"],
                condition=~Q(rna=""),
                name="association_unique_rna",
                violation_error_message=_("Une association avec ce numéro RNA est déjà inscrite."),
            ),
            models.UniqueConstraint(
                fields=["siret"],
                condition=~Q(siret=""),
                name="association_unique_siret",
                violation_error_message=_("Une association avec ce numéro SIRET est déjà inscrite."),
            ),
            length_check("description", DESCRIPTION_MAX, "association_description_length"),
        ]

    def __str__(self) -> str:
        return self.legal_name

    def get_absolute_url(self) -> str:
        return reverse("associations:space")


class Membership(models.Model):
    """A person who acts for an association in the association space."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    association = models.ForeignKey(Association, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        constraints = [models.UniqueConstraint(fields=["user", "association"], name="one_membership_per_user")]

    def __str__(self) -> str:
        return f"{self.user} → {self.association}"


class ApplicationQuerySet(models.QuerySet):
    def for_user(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(association__memberships__user=user)

    def approved(self):
        return self.filter(status=Application.Status.APPROVED)

    def pending_review(self):
        """Submitted and waiting for a reviewer's decision."""
        return self.filter(status__in=PENDING_REVIEW_STATUSES)

    def answered(self):
        """The association answered (or wrote) and no reviewer has acted since."""
        return self.filter(answer_received_at__isnull=False)


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("En cours d'examen")
    INFO_REQUESTED = "info_requested", _("Informations demandées")
    WAITLISTED = "waitlisted", _("Sur liste d'attente")
    APPROVED = "approved", _("Acceptée")
    REJECTED = "rejected", _("Refusée")
    WITHDRAWN = "withdrawn", _("Retirée")


# A closed application no longer counts for its campaign (refused or withdrawn): the association may
# apply again, its documents are deleted after the retention period. An approved one is decided (no more
# messages) but not closed: it stays the association's application for the campaign, and a reviewer may
# still correct its granted quantity or reopen it (back to review) while no wave holds units for it.
CLOSED_APPLICATION_STATUSES = (ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN)
# Waiting for a reviewer's decision (the review queue).
PENDING_REVIEW_STATUSES = (ApplicationStatus.SUBMITTED,)


class Application(models.Model):
    Status = ApplicationStatus

    class Priority(models.IntegerChoices):
        HIGHEST = 1, _("1 – très haute")
        HIGH = 2, _("2 – haute")
        NORMAL = 3, _("3 – normale")
        LOW = 4, _("4 – basse")

    # The one table of allowed status changes of an application.
    TRANSITIONS = Transitions(
        {
            Status.DRAFT: {Status.SUBMITTED, Status.WITHDRAWN},
            Status.SUBMITTED: {
                Status.INFO_REQUESTED,
                Status.APPROVED,
                Status.REJECTED,
                Status.WAITLISTED,
                Status.WITHDRAWN,
            },
            Status.INFO_REQUESTED: {Status.SUBMITTED, Status.REJECTED, Status.WITHDRAWN},
            Status.WAITLISTED: {Status.APPROVED, Status.REJECTED, Status.INFO_REQUESTED, Status.WITHDRAWN},
            # Reopened by a reviewer (a decision to correct) while no wave holds units for it.
            Status.APPROVED: {Status.SUBMITTED},
            Status.REJECTED: set(),
            Status.WITHDRAWN: set(),
        },
        journal="associations.ApplicationEvent",
        subject="application",
        refused=_("Impossible de passer une candidature « %(from)s » à « %(to)s »."),
        clean=("statutes", "activity_report"),
        save_fields=None,
    )
    CLOSED_STATUSES = CLOSED_APPLICATION_STATUSES
    PENDING_REVIEW_STATUSES = PENDING_REVIEW_STATUSES
    EDITABLE_STATUSES = (Status.DRAFT, Status.INFO_REQUESTED)

    association = models.ForeignKey(
        Association, on_delete=models.PROTECT, related_name="applications", verbose_name=_("association")
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="applications", verbose_name=_("campagne")
    )
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    requested_quantity = models.PositiveSmallIntegerField(_("ordinateurs demandés"), null=True, blank=True)
    public_use_quantity = models.PositiveSmallIntegerField(
        _("pour le public (ateliers, formations, accès libre)"), null=True, blank=True
    )
    admin_use_quantity = models.PositiveSmallIntegerField(
        _("pour le fonctionnement de l'association"), null=True, blank=True
    )
    project = models.TextField(
        _("votre projet en quelques lignes"),
        blank=True,
        max_length=PROJECT_MAX,
        validators=[validate_no_nul, max_length_validator(PROJECT_MAX)],
    )
    has_premises = models.BooleanField(_("nous avons un local pour installer les ordinateurs"), default=False)
    has_internet = models.BooleanField(_("ce local a une connexion internet"), default=False)
    premises_details = models.TextField(
        _("précisions sur le local"),
        blank=True,
        max_length=PREMISES_MAX,
        validators=[validate_no_nul, max_length_validator(PREMISES_MAX)],
    )
    statutes = models.FileField(_("statuts (PDF)"), upload_to=document_upload_to, blank=True)
    activity_report = models.FileField(_("dernier rapport d'activité (PDF)"), upload_to=document_upload_to, blank=True)
    consent_at = models.DateTimeField(_("consentement donné le"), null=True, blank=True)
    granted_quantity = models.PositiveSmallIntegerField(_("ordinateurs accordés"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priorité"),
        choices=Priority.choices,
        default=Priority.NORMAL,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text=_("Sert à l'ordre de distribution : 1 est servie en premier."),
    )
    decision_reason = models.TextField(
        _("motif de la décision"),
        blank=True,
        max_length=DECISION_MAX,
        validators=[max_length_validator(DECISION_MAX)],
    )
    created_by = done_by()
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_applications",
        verbose_name=_("instruite par"),
        help_text=_("La personne de l'équipe qui suit cette candidature ; elle reçoit les réponses de l'association."),
    )
    answer_received_at = models.DateTimeField(
        _("réponse reçue le"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("L'association a écrit et personne de l'équipe n'a encore agi depuis."),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    submitted_at = models.DateTimeField(_("déposée le"), null=True, blank=True)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    approved_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    # Read marker of the thread, per association (not per member): the team's messages after it are « unread »
    # on the space's home. One member reading the thread marks it read for the others, as a shared mailbox.
    messages_read_at = models.DateTimeField(_("messages lus le"), null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("candidature")
        verbose_name_plural = _("candidatures")
        ordering = ["-created_at"]
        permissions = [("review_application", _("Peut instruire les candidatures"))]
        constraints = [
            models.UniqueConstraint(
                fields=["association", "campaign"],
                condition=~Q(status__in=CLOSED_APPLICATION_STATUSES),
                name="one_open_application_per_campaign",
                violation_error_message=_("Votre association a déjà une candidature en cours pour cette campagne."),
            ),
            models.CheckConstraint(
                condition=Q(status=ApplicationStatus.DRAFT)
                | Q(
                    requested_quantity__isnull=False,
                    requested_quantity__gte=1,
                    public_use_quantity__isnull=False,
                    admin_use_quantity__isnull=False,
                    requested_quantity=F("public_use_quantity") + F("admin_use_quantity"),
                ),
                name="application_quantities_add_up",
                violation_error_message=_("La répartition doit faire le total des ordinateurs demandés."),
            ),
            models.CheckConstraint(
                condition=~Q(status=ApplicationStatus.APPROVED)
                | Q(granted_quantity__isnull=False, granted_quantity__gte=1),
                name="approved_application_has_grant",
            ),
            models.CheckConstraint(condition=Q(priority__gte=1, priority__lte=4), name="application_priority_range"),
            choices_check("status", ApplicationStatus, "application_status_valid"),
            length_check("project", PROJECT_MAX, "application_project_length"),
            length_check("premises_details", PREMISES_MAX, "application_premises_details_length"),
            length_check("decision_reason", DECISION_MAX, "application_decision_reason_length"),
        ]

    def __str__(self) -> str:
        return f"{self.association} – {self.campaign}"

    def get_absolute_url(self) -> str:
        return reverse("associations:application", kwargs={"pk": self.pk})

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES


class ApplicationEvent(Journal):
    """Append-only history of an application: who did what, when."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Création")
        STATUS = "status", _("Changement de statut")
        MESSAGE = "message", _("Message")
        UPDATED = "updated", _("Modification")
        PRIORITY = "priority", _("Priorité")
        GRANT = "grant", _("Quantité accordée corrigée")
        ASSIGNED = "assigned", _("Attribution")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    kind = Journal.kind_field(Kind)
    from_status, to_status = Journal.status_fields(Application.Status)

    class Meta(Journal.Meta):
        verbose_name = _("événement")
        verbose_name_plural = _("historique")


class Message(models.Model):
    """The thread between the reviewers and the association about one application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="messages")
    author = done_by()
    from_staff = models.BooleanField(_("de l'équipe de la ville"), default=False)
    body = models.TextField(
        _("message"), max_length=MESSAGE_MAX, validators=[validate_no_nul, max_length_validator(MESSAGE_MAX)]
    )
    created_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)
    # One PDF or photo, checked by associations.documents.validate_attachment; served by an access-checked view.
    attachment = models.FileField(_("pièce jointe"), upload_to=attachment_upload_to, blank=True, max_length=200)
    attachment_name = models.CharField(_("nom de la pièce jointe"), max_length=100, blank=True)
    attachment_type = models.CharField(
        _("type de la pièce jointe"),
        max_length=4,
        blank=True,
        choices=[("pdf", "PDF"), ("jpg", "JPEG"), ("png", "PNG")],
    )

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        constraints = [
            length_check("body", MESSAGE_MAX, "message_body_length"),
            models.CheckConstraint(
                condition=Q(attachment="", attachment_type="")
                | (~Q(attachment="") & Q(attachment_type__in=["pdf", "jpg", "png"])),
                name="message_attachment_typed",
            ),
        ]

    def __str__(self) -> str:
        return self.body[:60]

    @property
    def attachment_mimetype(self) -> str:
        return ATTACHMENT_TYPES.get(self.attachment_type, "application/octet-stream")

    @property
    def attachment_is_image(self) -> bool:
        return self.attachment_type in ("jpg", "png")


JOIN_MESSAGE_MAX = 1000
INVITATION_SALT = "associations.invitation"  # the signing salt of invitation links


class JoinRequestStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    ACCEPTED = "accepted", _("Acceptée")
    REFUSED = "refused", _("Refusée")


class JoinRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=JoinRequestStatus.PENDING)

    def to_decide_by(self, user):
        """The requests a member may accept or refuse: those to join one of their associations."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(association__in=Association.objects.for_user(user).values("pk"))


class JoinRequest(models.Model):
    """A person asks to join an association already registered by someone else (a second volunteer)."""

    Status = JoinRequestStatus

    # The one table of allowed status changes of a join request.
    TRANSITIONS = Transitions(
        {
            Status.PENDING: {Status.ACCEPTED, Status.REFUSED},
            Status.ACCEPTED: set(),
            Status.REFUSED: set(),
        },
        journal="associations.JoinRequestEvent",
        subject="join_request",
        refused=_("Impossible de passer une demande « %(from)s » à « %(to)s »."),
        already=_("Cette demande est déjà « %(status)s »."),
    )

    association = models.ForeignKey(
        Association, on_delete=models.CASCADE, related_name="join_requests", verbose_name=_("association")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests", verbose_name=_("demandeur")
    )
    message = models.TextField(
        _("message aux membres"),
        blank=True,
        max_length=JOIN_MESSAGE_MAX,
        validators=[validate_no_nul, max_length_validator(JOIN_MESSAGE_MAX)],
    )
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    created_at = models.DateTimeField(_("demandée le"), auto_now_add=True)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)

    objects = JoinRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("demande pour rejoindre une association")
        verbose_name_plural = _("demandes pour rejoindre une association")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "association"],
                condition=Q(status=JoinRequestStatus.PENDING),
                name="one_pending_join_request",
                violation_error_message=_("Vous avez déjà une demande en attente pour cette association."),
            ),
            choices_check("status", JoinRequestStatus, "join_request_status_valid"),
            length_check("message", JOIN_MESSAGE_MAX, "join_request_message_length"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.association}"


class JoinRequestEvent(Journal):
    """Append-only history of a join request."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Demande")
        STATUS = "status", _("Décision")

    join_request = models.ForeignKey(JoinRequest, on_delete=models.CASCADE, related_name="events")
    kind = Journal.kind_field(Kind)
    from_status, to_status = Journal.status_fields(JoinRequest.Status)

    class Meta(Journal.Meta):
        verbose_name = _("événement d'une demande")
        verbose_name_plural = _("historique de la demande")


class Invitation(models.Model):
    """A member invites a colleague by email: a signed link, valid for a few days, used once."""

    association = models.ForeignKey(
        Association, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("association")
    )
    email = models.EmailField(_("adresse e-mail invitée"))
    invited_by = done_by()
    created_at = models.DateTimeField(_("envoyée le"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_by = done_by()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["association", "email"],
                condition=Q(accepted_at__isnull=True),
                name="one_open_invitation_per_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.association}"
