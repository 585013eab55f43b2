"""API tokens: issued and revoked by staff in the admin, each scoped to one donor or one stock partner.

The secret is shown once, when the token is created; only its SHA-256 is kept (a leaked database gives no
usable token). The first characters (``prefix``) find the row; the hash is compared in constant time.
A stock partner's token writes through the stock services as its own service account (``actor``), so that
the units' history names the token that wrote them, like an operator's name in the admin.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import Journal, done_by
from core.transitions import Transitions


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=ApiToken.Status.ACTIVE)


class ApiTokenStatus(models.TextChoices):
    ACTIVE = "active", _("Actif")
    REVOKED = "revoked", _("Révoqué")


class ApiToken(models.Model):
    Status = ApiTokenStatus
    # A revoked token never comes back: its owner gets a new one.
    TRANSITIONS = Transitions(
        {Status.ACTIVE: {Status.REVOKED}, Status.REVOKED: set()},
        journal="api.ApiTokenEvent",
        subject="token",
        refused=_("Impossible de passer un jeton « %(from)s » à « %(to)s »."),
        already=_("Ce jeton est déjà révoqué."),
    )

    class Kind(models.TextChoices):
        DONOR = "donor", _("Donateur")
        STOCK_PARTNER = "stock_partner", _("Partenaire de reconditionnement")

    name = models.CharField(_("nom"), max_length=100, help_text=_("À quoi sert ce jeton, par exemple « ERP Orange »."))
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    donor = models.ForeignKey(
        "campaigns.Donor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_tokens",
        verbose_name=_("donateur"),
    )
    partner = models.ForeignKey(
        "inventory.StockPartner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_tokens",
        verbose_name=_("partenaire de reconditionnement"),
    )
    prefix = models.CharField(_("début du jeton"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    actor = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_token",
        editable=False,
        verbose_name=_("compte de service"),
    )
    status = models.CharField(_("statut"), max_length=16, choices=Status.choices, default=Status.ACTIVE, editable=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    created_by = done_by(_("créé par"), editable=False)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True, editable=False)
    revoked_by = done_by(_("révoqué par"), editable=False)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")
        ordering = ["-created_at", "-pk"]
        permissions = [("revoke_apitoken", _("Peut révoquer un jeton d'API"))]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="donor", donor__isnull=False, partner__isnull=True))
                | (Q(kind="stock_partner", partner__isnull=False, donor__isnull=True, actor__isnull=False)),
                name="apitoken_one_scope",
                violation_error_message=_(
                    "Un jeton est lié à un seul donateur ou à un seul partenaire de reconditionnement."
                ),
            ),
            models.CheckConstraint(condition=~Q(secret_hash="") & ~Q(prefix=""), name="apitoken_has_secret"),
            models.CheckConstraint(
                condition=Q(status="active", revoked_at__isnull=True) | Q(status="revoked", revoked_at__isnull=False),
                name="apitoken_revoked_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def scope(self):
        return self.donor if self.kind == self.Kind.DONOR else self.partner


class ApiTokenEvent(Journal):
    """Append-only history of a token: issued, revoked (who and when)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Création")
        STATUS = "status", _("Changement de statut")

    token = models.ForeignKey(ApiToken, on_delete=models.PROTECT, related_name="events")
    kind = Journal.kind_field(Kind)
    from_status, to_status = Journal.status_fields(ApiToken.Status, max_length=16)

    class Meta(Journal.Meta):
        verbose_name = _("événement de jeton d'API")
        verbose_name_plural = _("historique des jetons d'API")
