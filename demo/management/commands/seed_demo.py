"""Load the Marseille demo campaign, and Lyon's (a second organiser): idempotent, refused with DEBUG off unless
--force."""

import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts import roles
from accounts.models import User
from accounts.services import user_add_totp
from campaigns.models import Campaign, CampaignDonor, Donor, StaffMembership
from campaigns.services import donor_member_add, staff_membership_grant
from demo.builders import associations as associations_demo
from demo.builders import certificates as certificates_demo
from demo.builders import collections as collections_demo
from demo.builders import donations as donations_demo
from demo.builders import impact as impact_demo
from demo.builders import inventory as inventory_demo
from demo.builders import lyon as lyon_demo
from demo.builders import receipts as receipts_demo
from demo.organisers import organiser

DEMO_PASSWORD = "demo-dons-2026"
# The staff accounts sign in with a second factor: their authenticator app holds this secret (README).
# Add it to an authenticator app (« saisir une clé »), or print the current code: manage.py demo_totp_code.
DEMO_TOTP_SECRET = "DEMODONSPCMARSEILLEDEMOTOTPSECRT"

DEMO_USERS = [
    # email, first name, last name, role (None: no staff role), superuser, organiser whose team they are in
    ("admin@demo.test", "Alice", "Admin", None, True, None),
    ("reviewer@demo.test", "Romain", "Instructeur", roles.REVIEWER, False, "Marseille"),
    ("stock@demo.test", "Samia", "Stock", roles.INVENTORY_OPERATOR, False, "Marseille"),
    ("manager@demo.test", "Marc", "Campagne", roles.CAMPAIGN_MANAGER, False, "Marseille"),
    ("desk@demo.test", "Denise", "Guichet", roles.HANDOVER_OPERATOR, False, "Marseille"),
    ("association@demo.test", "Aïcha", "Association", None, False, None),
    # The second organiser's team: it sees only Lyon's campaign, applications, stock, waves and certificates.
    ("reviewer-lyon@demo.test", "Louise", "Instructrice", roles.REVIEWER, False, "Lyon"),
    ("stock-lyon@demo.test", "Sami", "Stock", roles.INVENTORY_OPERATOR, False, "Lyon"),
    ("manager-lyon@demo.test", "Manon", "Campagne", roles.CAMPAIGN_MANAGER, False, "Lyon"),
    ("desk-lyon@demo.test", "David", "Guichet", roles.HANDOVER_OPERATOR, False, "Lyon"),
    # The national coordinator reads every organiser's lists and figures, and decides nothing.
    ("coordinator@demo.test", "Claire", "Coordination", roles.NATIONAL_COORDINATOR, False, None),
    # A person of the donor company Orange: the donor space (/donor/), no staff role.
    ("donor@demo.test", "Dorian", "Donateur", None, False, None),
]
# The role groups -> the role of a membership of an organiser's team (campaigns.StaffMembership.Role).
MEMBERSHIP_ROLES = {
    roles.REVIEWER: StaffMembership.Role.REVIEWER,
    roles.INVENTORY_OPERATOR: StaffMembership.Role.STOCK,
    roles.CAMPAIGN_MANAGER: StaffMembership.Role.MANAGER,
    roles.HANDOVER_OPERATOR: StaffMembership.Role.DESK,
}

# Each app's demo data after the applications: a module with seed(context) -> None, called in this order.
DEMO_BUILDERS = [
    inventory_demo,
    donations_demo,
    certificates_demo,
    impact_demo,
    lyon_demo,
    receipts_demo,
    collections_demo,
]


ORANGE_ADDRESS = "111 quai du Président Roosevelt, 92130 Issy-les-Moulineaux (adresse de démonstration)"


class Command(BaseCommand):
    help = "Charge les données de démonstration de la campagne de Marseille (sans effet si elles existent déjà)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Accepter de charger la démo avec DEBUG désactivé.")

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo crée des comptes au mot de passe connu : refusé avec DEBUG désactivé. "
                "Utilisez --force si c'est bien voulu (par exemple sur un serveur de démonstration)."
            )
        with transaction.atomic():
            users = self.seed_users()
            campaign = self.seed_campaign()
            applications = associations_demo.seed(
                campaign=campaign,
                reviewer=users["reviewer@demo.test"],
                demo_member=users["association@demo.test"],
                stdout=self.stdout,
            )
            context = {"campaign": campaign, "users": users, "applications": applications, "stdout": self.stdout}
            for builder in DEMO_BUILDERS:
                builder.seed(context)
        self.stdout.write(
            self.style.SUCCESS(
                f"Démo prête. Mot de passe des comptes de démonstration : {DEMO_PASSWORD} ; "
                f"clé de double authentification des comptes de l'équipe : {DEMO_TOTP_SECRET}"
            )
        )

    def seed_users(self) -> dict[str, User]:
        users = {}
        for email, first, last, role, superuser, city in DEMO_USERS:
            user, created = User.objects.get_or_create(
                email=email,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "is_staff": bool(role) or superuser,
                    "is_superuser": superuser,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            if role and city:
                staff_membership_grant(user=user, organiser=organiser(city), role=MEMBERSHIP_ROLES[role])
            elif role:
                user.groups.add(Group.objects.get(name=role))
            EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
            if user.is_staff or user.is_superuser:
                user_add_totp(user=user, secret=DEMO_TOTP_SECRET)
            users[email] = user
        self.stdout.write(f"  comptes : {', '.join(users)}")
        return users

    def seed_campaign(self) -> Campaign:
        today = timezone.localdate()
        # Orange agreed to be named on the public site (the model's default is anonymous).
        donor, _ = Donor.objects.get_or_create(
            name="Orange", defaults={"contact_email": "dons@orange-demo.test", "public_name_shown": True}
        )
        # Its head office address, printed on the in-kind gift receipts (also for a database seeded before it).
        if not donor.public_name_shown or not donor.address:
            donor.public_name_shown = True
            donor.address = donor.address or ORANGE_ADDRESS
            donor.save(update_fields=["public_name_shown", "address"])
        campaign, created = Campaign.objects.get_or_create(
            slug="marseille-2026",
            defaults={
                "organiser": organiser("Marseille"),
                "name": "1000 ordinateurs pour les associations marseillaises",
                "city": "Marseille",
                "description": (
                    "Orange donne 1000 ordinateurs de bureau reconditionnés, avec clavier et souris, "
                    "à plus de 60 associations marseillaises qui luttent contre la fracture numérique. "
                    "Chaque association reçoit de 10 à 30 ordinateurs selon ses besoins, en plusieurs vagues."
                ),
                "eligibility": (
                    "Associations de Marseille qui luttent contre la précarité, l'exclusion sociale, l'illettrisme, "
                    "l'analphabétisme ou l'illectronisme, pour l'accès à l'emploi et l'insertion professionnelle, "
                    "ou qui font de la médiation numérique."
                ),
                "pledged_units": 1000,
                "min_per_association": 10,
                "max_per_association": 30,
                "applications_open_on": datetime.date(2026, 2, 1),
                "applications_close_on": max(today + datetime.timedelta(days=90), datetime.date(2026, 12, 31)),
                "status": Campaign.Status.OPEN,
            },
        )
        CampaignDonor.objects.get_or_create(campaign=campaign, donor=donor, defaults={"pledged_units": 1000})
        donor_member_add(donor=donor, user=User.objects.get(email="donor@demo.test"))
        self.stdout.write(f"  campagne : {campaign.name} ({'créée' if created else 'déjà là'})")
        return campaign
