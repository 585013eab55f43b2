"""Campaigns: their status changes (the rest of a campaign is plain data edited in the admin); the organisers'
teams."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import roles
from campaigns.models import (
    DONOR_ADDRESS_MAX,
    Campaign,
    CampaignDonor,
    Donor,
    DonorMembership,
    DonorOffer,
    DonorOfferEvent,
    Organiser,
    StaffMembership,
)
from campaigns.validators import normalize_siret
from core.emails import notify
from core.errors import DomainError
from core.textlimits import text_errors
from core.transitions import transition

logger = logging.getLogger(__name__)


@transaction.atomic
def campaign_set_status(*, campaign: Campaign, to: str, by, note: str = "") -> Campaign:
    """Open a campaign in preparation, or close an open one (``Campaign.TRANSITIONS``)."""
    return transition(campaign, to=to, by=by, note=note, lock=True)


@transaction.atomic
def donor_address_set(*, donor: Donor, address: str, by) -> Donor:
    """The donor's people set its head office address, printed on the in-kind gift receipts issued from now on."""
    address = "\n".join(line.strip() for line in (address or "").strip().splitlines())
    problem = text_errors(address)
    if problem:
        raise ValidationError({"address": problem})
    if len(address) > DONOR_ADDRESS_MAX:
        raise ValidationError(
            {
                "address": _("Cette adresse fait %(n)s caractères, pour %(max)s au plus : raccourcissez-la.")
                % {"n": len(address), "max": DONOR_ADDRESS_MAX}
            }
        )
    locked = Donor.objects.select_for_update().get(pk=donor.pk)
    locked.address = address
    locked.save(update_fields=["address"])
    logger.info("donor address set", extra={"donor_id": donor.pk, "by_id": getattr(by, "pk", None)})
    return locked


def donor_member_add(*, donor: Donor, user, by=None) -> DonorMembership:
    """``user`` acts for ``donor`` in the donor space from now on (again: nothing changes)."""
    membership, _created = DonorMembership.objects.get_or_create(user=user, donor=donor)
    return membership


# Offers of computers (/donate/) ------------------------------------------------------------------------------


def _lock_offer(offer: DonorOffer) -> DonorOffer:
    return DonorOffer.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=offer.pk)


@transaction.atomic
def donor_offer_create(*, by=None, **fields) -> DonorOffer:
    """A company offers computers to a public campaign: a pending offer for the campaign's team, and its history."""
    offer = DonorOffer(**fields)
    offer.siret = normalize_siret(offer.siret)
    offer.contact_email = (offer.contact_email or "").strip().lower()
    offer.full_clean(exclude=["status", "donor", "decided_at", "decision_note"])
    if offer.campaign.status == Campaign.Status.DRAFT:
        raise ValidationError({"campaign": _("Cette campagne n'est pas encore publiée.")})
    offer.save()
    DonorOfferEvent.record(by=by, offer=offer, to_status=offer.status)
    logger.info("donor offer received", extra={"offer_id": offer.pk, "campaign_id": offer.campaign_id})
    return offer


def _donor_for(offer: DonorOffer) -> Donor:
    """The donor of the offer's SIRET when there is one (locked), else a new donor named after the company."""
    donor = Donor.objects.select_for_update().filter(siret=offer.siret).order_by("pk").first()
    if donor is not None:
        return donor
    name = offer.company_name.strip()
    if Donor.objects.filter(name=name).exists():  # another company of the same name: the SIRET tells them apart
        name = f"{name} ({offer.siret})"
    return Donor.objects.create(name=name, siret=offer.siret, contact_email=offer.contact_email)


def _set_password_path(user) -> str:
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    return reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )


def _donor_account(email: str, name: str):
    """The account of the offer's contact: theirs if they have one, else a new one without a password (the
    email's link sets it). The address is the one the offer's emails go to."""
    from allauth.account.models import EmailAddress

    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        first, _sep, last = name.strip().partition(" ")
        user = User.objects.create_user(email=email, password=None, first_name=first[:150], last_name=last[:150])
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user, created


@transaction.atomic
def donor_offer_accept(*, offer: DonorOffer, by, note: str = "") -> DonorOffer:
    """Accept an offer: the donor (the SIRET's, or a new one), its pledge to the campaign (or more units on its
    pledge), and an account for the contact in the donor space, who gets an email to set their password."""
    offer = _lock_offer(offer)
    DonorOffer.TRANSITIONS.check(offer, DonorOffer.Status.ACCEPTED)
    donor = _donor_for(offer)
    pledge = CampaignDonor.objects.select_for_update().filter(campaign=offer.campaign, donor=donor).first()
    if pledge is None:
        CampaignDonor.objects.create(campaign=offer.campaign, donor=donor, pledged_units=offer.units)
    else:
        CampaignDonor.objects.filter(pk=pledge.pk).update(pledged_units=F("pledged_units") + offer.units)
    user, created = _donor_account(offer.contact_email, offer.contact_name)
    donor_member_add(donor=donor, user=user, by=by)
    offer = transition(
        offer, to=DonorOffer.Status.ACCEPTED, by=by, note=note, stamps=("decided_at",), donor=donor, decision_note=note
    )
    context = {
        "company": offer.company_name,
        "campaign": offer.campaign.name,
        "units": offer.units,
        "space_path": reverse("donors:space"),
        "set_password_path": _set_password_path(user) if created or not user.has_usable_password() else "",
        "email": user.email,
        "note": note,
    }
    notify({user.email: user.language or "fr"}, "donor_offer_accepted", context)
    return offer


@transaction.atomic
def donor_offer_decline(*, offer: DonorOffer, by, reason: str = "") -> DonorOffer:
    """Decline an offer; the contact is told by email, with the reason when one is given."""
    offer = _lock_offer(offer)
    reason = (reason or "").strip()
    offer = transition(
        offer, to=DonorOffer.Status.DECLINED, by=by, note=reason, stamps=("decided_at",), decision_note=reason
    )
    notify(
        {offer.contact_email: "fr"},
        "donor_offer_declined",
        {"company": offer.company_name, "campaign": offer.campaign.name, "units": offer.units, "reason": reason},
    )
    return offer


# The role of a membership -> the group that gives its permissions (accounts.roles stays their source).
ROLE_GROUPS = {
    StaffMembership.Role.REVIEWER: roles.REVIEWER,
    StaffMembership.Role.STOCK: roles.INVENTORY_OPERATOR,
    StaffMembership.Role.MANAGER: roles.CAMPAIGN_MANAGER,
    StaffMembership.Role.DESK: roles.HANDOVER_OPERATOR,
}


@transaction.atomic
def staff_membership_grant(*, user, organiser: Organiser, role: str, by=None) -> StaffMembership:
    """Make ``user`` a member of ``organiser``'s team in ``role``: staff, in the role's group, seeing only the
    organisers they work for. Granting twice changes nothing."""
    from django.contrib.auth.models import Group

    if role not in ROLE_GROUPS:
        raise DomainError(_("Rôle inconnu : %(role)s.") % {"role": role})
    membership, _created = StaffMembership.objects.get_or_create(user=user, organiser=organiser, role=role)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
    return membership


@transaction.atomic
def staff_membership_revoke(*, membership: StaffMembership, by=None) -> None:
    """End a membership; the user leaves the role's group when no other organiser keeps them in that role."""
    from django.contrib.auth.models import Group

    user, role = membership.user, membership.role
    membership.delete()
    if not StaffMembership.objects.filter(user=user, role=role).exists():
        user.groups.remove(Group.objects.get(name=ROLE_GROUPS[role]))
