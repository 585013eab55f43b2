"""Campaigns and what feeds them: donor companies, their pledges, and the campaign's status history.

The tables keep their first names (``donations_*``): the models moved here from the donations app without
touching the data (see migrations 0001 here and donations 0005/0006).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.validators import validate_no_nul, validate_siret
from core.constraints import choices_check
from core.models import Journal
from core.textlimits import length_check, max_length_validator
from core.transitions import Transitions

DONOR_ADDRESS_MAX = 500


class DonorQuerySet(models.QuerySet):
    def for_user(self, user):
        """The donors a person acts for in the donor space (none for an anonymous visitor)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)


class Donor(models.Model):
    """A company that gives back its reconditioned desktops."""

    name = models.CharField(_("nom"), max_length=200, unique=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    contact_email = models.EmailField(_("e-mail de contact"), blank=True)
    # Printed on the in-kind gift receipts (Cerfa n° 16216) that associations issue for this donor's units.
    address = models.TextField(
        _("adresse du siège"),
        max_length=DONOR_ADDRESS_MAX,
        blank=True,
        validators=[max_length_validator(DONOR_ADDRESS_MAX)],
        help_text=_("Adresse du siège de l'entreprise, imprimée sur les reçus fiscaux des associations."),
    )
    # Anonymous unless the company agreed: the public pages and the open data then say « Une entreprise ».
    public_name_shown = models.BooleanField(
        _("nom affiché sur le site public"),
        default=False,
        help_text=_(
            "À cocher seulement si l'entreprise a accepté que son nom soit publié. Sinon, le site public et les "
            "données ouvertes disent « Une entreprise »."
        ),
    )

    # A public body (State, local authority, public establishment) giving its own equipment: its reuse
    # (« réemploi ») counts towards its yearly obligations (loi AGEC, décret n° 2021-254), so the donor space
    # offers it a yearly reuse attestation.
    is_public_body = models.BooleanField(
        _("organisme public"),
        default=False,
        help_text=_(
            "État, collectivité ou établissement public : l'espace donateur lui propose une attestation annuelle "
            "de réemploi (loi AGEC, décret n° 2021-254)."
        ),
    )

    objects = DonorQuerySet.as_manager()

    class Meta:
        db_table = "donations_donor"  # kept from the donations app, where the model was born
        verbose_name = _("donateur")
        verbose_name_plural = _("donateurs")
        ordering = ["name"]
        constraints = [length_check("address", DONOR_ADDRESS_MAX, "donor_address_length")]

    def __str__(self) -> str:
        return self.name

    @property
    def public_name(self) -> str:
        """The name the public pages show: the company's, if it agreed to it, else « Une entreprise »."""
        return self.name if self.public_name_shown else str(ANONYMOUS_DONOR)


# What the public pages say for a company that did not agree to show its name.
ANONYMOUS_DONOR = _("Une entreprise")


class DonorMembership(models.Model):
    """A person who acts for a donor company in the donor space (/donor/), as ``associations.Membership``."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="donor_memberships")
    donor = models.ForeignKey(Donor, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("donateur"))
    created_at = models.DateTimeField(_("depuis le"), auto_now_add=True)

    class Meta:
        verbose_name = _("personne du donateur")
        verbose_name_plural = _("personnes du donateur (espace donateur)")
        constraints = [models.UniqueConstraint(fields=["user", "donor"], name="one_donor_membership_per_user")]

    def __str__(self) -> str:
        return f"{self.user} → {self.donor}"


class OrganiserKind(models.TextChoices):
    CITY = "city", _("Ville")
    METROPOLIS = "metropolis", _("Métropole")
    NATIONAL = "national", _("Opérateur d'un programme national")


postal_codes_validator = RegexValidator(
    r"^\s*(\d{5}(\s+\d{5})*)?\s*$",
    _("Donnez des codes postaux de 5 chiffres, séparés par des espaces."),
)


class Organiser(models.Model):
    """Who runs campaigns (a city, a metropolis, a national programme's operator). Staff work per organiser."""

    Kind = OrganiserKind

    name = models.CharField(_("nom"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.CITY)
    slug = models.SlugField(_("identifiant d'URL"), max_length=80, unique=True)
    city = models.CharField(_("ville"), max_length=120, blank=True)
    postal_codes = models.TextField(
        _("codes postaux"),
        blank=True,
        validators=[postal_codes_validator],
        help_text=_("Les codes postaux du territoire, séparés par des espaces."),
    )

    class Meta:
        verbose_name = _("organisateur")
        verbose_name_plural = _("organisateurs")
        ordering = ["name"]
        permissions = [
            ("view_every_organiser", _("Voir les listes et les chiffres de tous les organisateurs (lecture seule)")),
        ]
        constraints = [
            choices_check("kind", OrganiserKind, "organiser_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def postal_code_list(self) -> list[str]:
        return self.postal_codes.split()


class StaffRole(models.TextChoices):
    """The staff roles held per organiser; the permissions stay those of the groups of ``accounts.roles``."""

    REVIEWER = "reviewer", _("Instruction des candidatures")
    STOCK = "stock", _("Opérateur de stock")
    MANAGER = "manager", _("Responsable de campagne")
    DESK = "desk", _("Guichet de remise")


class StaffMembership(models.Model):
    """A staff member works for an organiser, in a role: the organiser's objects are the only ones they see."""

    Role = StaffRole

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_memberships",
        verbose_name=_("membre de l'équipe"),
    )
    organiser = models.ForeignKey(
        Organiser, on_delete=models.CASCADE, related_name="staff_memberships", verbose_name=_("organisateur")
    )
    role = models.CharField(_("rôle"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("depuis le"), auto_now_add=True)

    class Meta:
        verbose_name = _("membre d'une équipe")
        verbose_name_plural = _("membres des équipes")
        ordering = ["organiser__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organiser", "role"], name="one_membership_per_role_and_organiser"),
            choices_check("role", StaffRole, "staff_membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.organiser} ({self.get_role_display()})"


def default_contact_email() -> str:
    """The address a new campaign's team is reached at, until the campaign's own is set (CAMPAIGN_CONTACT_EMAIL)."""
    return settings.CAMPAIGN_CONTACT_EMAIL


class CampaignQuerySet(models.QuerySet):
    def open_for_applications(self, today=None):
        today = today or timezone.localdate()
        return self.filter(
            status=Campaign.Status.OPEN, applications_open_on__lte=today, applications_close_on__gte=today
        )

    def public(self):
        return self.exclude(status=Campaign.Status.DRAFT)


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("En préparation")
    OPEN = "open", _("Ouverte")
    CLOSED = "closed", _("Terminée")


def add_months(day, months: int):
    """``day`` plus ``months`` calendar months, on the last day of the month when that day does not exist."""
    import calendar

    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


class Campaign(models.Model):
    Status = CampaignStatus
    # The one table of allowed status changes of a campaign (the rest of a campaign is plain data).
    TRANSITIONS = Transitions(
        {Status.DRAFT: {Status.OPEN}, Status.OPEN: {Status.CLOSED}, Status.CLOSED: set()},
        journal="campaigns.CampaignEvent",
        subject="campaign",
        kind=None,
        refused=_("Impossible de passer une campagne « %(from)s » à « %(to)s »."),
    )

    organiser = models.ForeignKey(
        Organiser,
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("organisateur"),
        help_text=_("La ville, la métropole ou l'opérateur qui mène la campagne ; son équipe seule la gère."),
    )
    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant d'URL"), max_length=80, unique=True)
    city = models.CharField(_("ville"), max_length=120)
    description = models.TextField(_("présentation"), blank=True)
    eligibility = models.TextField(_("qui peut candidater"), blank=True)
    donors = models.ManyToManyField(
        Donor, through="CampaignDonor", related_name="campaigns", verbose_name=_("donateurs")
    )
    pledged_units = models.PositiveIntegerField(_("ordinateurs promis"), validators=[MinValueValidator(1)])
    min_per_association = models.PositiveSmallIntegerField(
        _("minimum par association"), default=10, validators=[MinValueValidator(1)]
    )
    max_per_association = models.PositiveSmallIntegerField(
        _("maximum par association"), default=30, validators=[MinValueValidator(1)]
    )
    applications_open_on = models.DateField(_("ouverture des candidatures"))
    applications_close_on = models.DateField(_("clôture des candidatures"))
    status = models.CharField(_("statut"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    contact_email = models.EmailField(
        _("adresse de contact de l'équipe"),
        default=default_contact_email,
        help_text=_(
            "Donnée aux associations partout où elles peuvent vous écrire : pages de leur espace et e-mails de la "
            "campagne."
        ),
    )
    warranty_months = models.PositiveSmallIntegerField(
        _("garantie (mois)"),
        default=6,
        validators=[MaxValueValidator(60)],
        help_text=_(
            "Pendant combien de mois après la remise une association peut signaler un ordinateur en panne depuis son "
            "espace (0 : pas de garantie)."
        ),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        db_table = "donations_campaign"  # kept from the donations app, where the model was born
        verbose_name = _("campagne")
        verbose_name_plural = _("campagnes")
        ordering = ["-applications_open_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_per_association__gte=1) & Q(min_per_association__lte=F("max_per_association")),
                name="campaign_bounds_ordered",
                violation_error_message=_("Le minimum par association ne peut pas dépasser le maximum."),
            ),
            models.CheckConstraint(
                condition=Q(applications_open_on__lte=F("applications_close_on")),
                name="campaign_window_ordered",
                violation_error_message=_("La clôture des candidatures doit suivre leur ouverture."),
            ),
            models.CheckConstraint(condition=Q(pledged_units__gte=1), name="campaign_pledged_positive"),
            models.CheckConstraint(
                condition=Q(warranty_months__lte=60),
                name="campaign_warranty_bounded",
                violation_error_message=_("La garantie ne peut pas dépasser 60 mois."),
            ),
            choices_check("status", CampaignStatus, "campaign_status_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("donations:campaign", kwargs={"slug": self.slug})

    def warranty_ends_on(self, handed_over_on):
        """The last day a unit handed over on ``handed_over_on`` is under warranty (None: no warranty).

        Calendar months: handed over on 31 August with 6 months, covered up to 28 (or 29) February."""
        if not self.warranty_months or handed_over_on is None:
            return None
        return add_months(handed_over_on, self.warranty_months)

    def is_open_for_applications(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status == self.Status.OPEN and self.applications_open_on <= today <= self.applications_close_on


class CampaignDonor(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="pledges")
    donor = models.ForeignKey(Donor, on_delete=models.PROTECT, related_name="pledges", verbose_name=_("donateur"))
    pledged_units = models.PositiveIntegerField(_("ordinateurs promis"), validators=[MinValueValidator(1)])

    class Meta:
        db_table = "donations_campaigndonor"  # kept from the donations app, where the model was born
        verbose_name = _("engagement d'un donateur")
        verbose_name_plural = _("engagements des donateurs")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "donor"], name="one_pledge_per_donor_and_campaign"),
            models.CheckConstraint(condition=Q(pledged_units__gte=1), name="pledge_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.donor} : {self.pledged_units}"


class CampaignEvent(Journal):
    """Append-only history of a campaign's status."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="events")
    from_status, to_status = Journal.status_fields(Campaign.Status, max_length=16)

    class Meta(Journal.Meta):
        db_table = "donations_campaignevent"  # kept from the donations app, where the model was born
        verbose_name = _("événement de campagne")
        verbose_name_plural = _("historique des campagnes")

    def __str__(self) -> str:
        # The statuses' labels, in local time: the admin shows this line above each history row.
        when = timezone.localtime(self.created_at)
        return f"{self.get_from_status_display()} → {self.get_to_status_display()} ({when:%d/%m/%Y %H:%M})"


class DonorOfferStatus(models.TextChoices):
    PENDING = "pending", _("À examiner")
    ACCEPTED = "accepted", _("Acceptée")
    DECLINED = "declined", _("Déclinée")


OFFER_MAX_UNITS = 100_000


class DonorOffer(models.Model):
    """A company's offer of computers from the public page /donate/: the campaign's team accepts it (a pledge,
    the donor and an account for its contact) or declines it, in the admin."""

    Status = DonorOfferStatus
    TRANSITIONS = Transitions(
        {Status.PENDING: {Status.ACCEPTED, Status.DECLINED}, Status.ACCEPTED: set(), Status.DECLINED: set()},
        journal="campaigns.DonorOfferEvent",
        subject="offer",
        kind=None,
        refused=_("Impossible de passer une offre « %(from)s » à « %(to)s »."),
        already=_("Cette offre est déjà « %(status)s »."),
    )
    # What the company fills in on /donate/ (the public form's fields; read-only in the admin).
    OFFERED_FIELDS = (
        "campaign",
        "company_name",
        "siret",
        "units",
        "models_description",
        "site_address",
        "available_from",
        "collection_notes",
        "contact_name",
        "contact_email",
        "contact_phone",
    )

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="donor_offers", verbose_name=_("campagne")
    )
    company_name = models.CharField(_("entreprise"), max_length=200, validators=[validate_no_nul])
    siret = models.CharField(
        _("SIRET"), max_length=14, validators=[validate_siret], help_text=_("14 chiffres, sur un extrait Kbis.")
    )
    units = models.PositiveIntegerField(
        _("nombre d'ordinateurs"), validators=[MinValueValidator(1), MaxValueValidator(OFFER_MAX_UNITS)]
    )
    models_description = models.TextField(
        _("modèles"),
        max_length=2000,
        validators=[validate_no_nul],
        help_text=_("Marques, modèles, année d'achat, écrans ou claviers fournis : ce que vous savez."),
    )
    site_address = models.CharField(_("adresse du site d'enlèvement"), max_length=300, validators=[validate_no_nul])
    available_from = models.DateField(_("enlèvement possible à partir du"))
    collection_notes = models.CharField(
        _("quand les enlever"),
        max_length=500,
        blank=True,
        validators=[validate_no_nul],
        help_text=_("Jours et heures possibles, accès au quai, étage…"),
    )
    contact_name = models.CharField(_("personne à contacter"), max_length=150, validators=[validate_no_nul])
    contact_email = models.EmailField(_("e-mail de contact"))
    contact_phone = models.CharField(_("téléphone"), max_length=20, blank=True, validators=[validate_no_nul])
    status = models.CharField(_("statut"), max_length=16, choices=Status.choices, default=Status.PENDING)
    decision_note = models.TextField(_("motif ou message"), blank=True, max_length=2000)
    donor = models.ForeignKey(
        Donor, on_delete=models.PROTECT, null=True, blank=True, related_name="offers", verbose_name=_("donateur")
    )
    created_at = models.DateTimeField(_("reçue le"), default=timezone.now, db_index=True)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("offre d'ordinateurs")
        verbose_name_plural = _("offres d'ordinateurs (/donate/)")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(units__gte=1) & Q(units__lte=OFFER_MAX_UNITS), name="donoroffer_units_bounded"
            ),
            choices_check("status", DonorOfferStatus, "donoroffer_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=DonorOfferStatus.ACCEPTED) | Q(donor__isnull=False),
                name="donoroffer_accepted_has_donor",
            ),
            models.CheckConstraint(
                condition=Q(status=DonorOfferStatus.PENDING) | Q(decided_at__isnull=False),
                name="donoroffer_decided_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_name} : {self.units}"


class DonorOfferEvent(Journal):
    """Append-only history of an offer: received, accepted or declined, by whom."""

    offer = models.ForeignKey(DonorOffer, on_delete=models.CASCADE, related_name="events")
    from_status, to_status = Journal.status_fields(DonorOffer.Status, max_length=16)

    class Meta(Journal.Meta):
        verbose_name = _("événement d'une offre")
        verbose_name_plural = _("historique des offres")
