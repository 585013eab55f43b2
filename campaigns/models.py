"""Campaigns and what feeds them: donor companies, their pledges, and the campaign's status history.

The tables keep their first names (``donations_*``): the models moved here from the donations app without
touching the data (see migrations 0001 here and donations 0005/0006).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Journal
from core.transitions import Transitions


class Donor(models.Model):
    """A company that gives back its reconditioned desktops."""

    name = models.CharField(_("nom"), max_length=200, unique=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    contact_email = models.EmailField(_("e-mail de contact"), blank=True)

    class Meta:
        db_table = "donations_donor"  # kept from the donations app, where the model was born
        verbose_name = _("donateur")
        verbose_name_plural = _("donateurs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


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
            models.CheckConstraint(condition=Q(status__in=CampaignStatus.values), name="campaign_status_valid"),
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
