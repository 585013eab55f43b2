"""A national-scale dataset, for benchmarks and the load test (``manage.py seed_national``).

Three campaigns (Marseille, Lyon, Lille), 20 donors pledging across them, 10,500 units in the
donors' lots (wiped before they are ready: the wipe gate's constraint and triggers hold), 330
associations with one member each, applications in every status (mostly approved), three waves per
campaign (the first closed and handed over, the second being handed over, the third being planned),
the allocations and their units, the handover certificates (most signed) and the impact reports.

Everything is written with bulk inserts and a few set-based updates: a few hundred queries whatever
the scale, well under a minute on PostgreSQL. The rows are those the services would have written
(history included), with two shortcuts, both legitimate states of the application:

- the certificates' PDFs are not rendered (300 renders take minutes): every certificate is « pending »,
  the state of a certificate whose render is queued; ``render_pdfs`` renders some of them in-process.
  The periodic sweep of a running Celery beat would queue them again, as it does for lost renders;
- every account shares one password hash (hashing 340 passwords would take minutes).

Accounts (password ``PASSWORD``): ``admin@national.test`` (superuser), ``reviewer@``, ``stock@``,
``manager@``, ``desk@`` (one staff role each) and ``asso-0001@national.test`` ... one member per
association. Verification codes are derived from the certificate number (``verification_code``), so
that a load test can compute them.
"""

from __future__ import annotations

import datetime
import hashlib
import math
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from core.formatting import count_by_label

PASSWORD = "demo-dons-2026"
DOMAIN = "national.test"
# name, campaign slug, department (postal codes and RNA numbers)
CITIES = [
    ("Marseille", "national-marseille", "13"),
    ("Lyon", "national-lyon", "69"),
    ("Lille", "national-lille", "59"),
]
SLUGS = [slug for _name, slug, _dept in CITIES]
LOT_PREFIX = "NAT-"
UNITS = 10_500
ASSOCIATIONS_PER_CITY = 110
MIN_ASSOCIATIONS_PER_CITY = 20  # one full cycle of STATUS_CYCLE: every status exists at any scale
DONOR_NAMES = [
    "Banque Méridionale",
    "Rhône Énergies",
    "Assurances du Nord",
    "Transports Phocéens",
    "Groupe Lumière Télécom",
    "Mutuelle des Flandres",
    "Caisse Régionale Alpes-Provence",
    "Hôpitaux Lyonnais Services",
    "Métropole Logistique",
    "Société Portuaire de Marseille",
    "Nord Informatique Conseil",
    "Soieries Numériques",
    "Provence Distribution",
    "Lille Métropole Habitat",
    "Cabinet Durand & Associés",
    "Verallia Est (fictif)",
    "Calanques Assurances",
    "Agence Rhodanienne d'Études",
    "Office Lillois du Commerce",
    "Groupe Canebière Médias",
]
MODELS = [
    # manufacturer, model, cpu, storage type
    ("Dell", "OptiPlex 7070 SFF", "Intel Core i5-9500", "nvme"),
    ("HP", "EliteDesk 800 G5 SFF", "Intel Core i5-9500", "nvme"),
    ("Lenovo", "ThinkCentre M720s", "Intel Core i5-8500", "ssd"),
    ("Dell", "OptiPlex 5060 Micro", "Intel Core i5-8500T", "ssd"),
]
# Applications, by the association's index within its city: 15 in 20 approved, the others in every
# other status; the last of each 20 has registered but not applied yet.
STATUS_CYCLE = ["approved"] * 15 + ["submitted", "waitlisted", "info_requested|draft", "rejected|withdrawn", ""]
STAFF = [
    # email, first name, last name, role attribute of accounts.roles (None: superuser)
    ("admin@national.test", "Alice", "Admin", None),
    ("reviewer@national.test", "Romain", "Instructeur", "REVIEWER"),
    ("stock@national.test", "Samia", "Stock", "INVENTORY_OPERATOR"),
    ("manager@national.test", "Marc", "Campagne", "CAMPAIGN_MANAGER"),
    ("desk@national.test", "Denise", "Guichet", "HANDOVER_OPERATOR"),
]
FIRST_NAMES = ["Camille", "Nadia", "Karim", "Sophie", "Yann", "Fatou", "Julien", "Inès", "Thomas", "Léa"]
LAST_NAMES = ["Martin", "Benali", "Durand", "Nguyen", "Lefebvre", "Diallo", "Moreau", "Garcia", "Roux", "Petit"]
NAME_WORDS = [
    "Médiation Numérique",
    "Cyber-Base",
    "Clés du Numérique",
    "Espace Public Numérique",
    "Atelier Solidaire",
    "Insertion et Emploi",
    "Maison des Familles",
    "Lire et Écrire",
    "Entraide Seniors",
    "Jeunes et Connectés",
]


def member_email(number: int) -> str:
    """The member of association ``number`` (1-based, cities in the order of CITIES)."""
    return f"asso-{number:04d}@{DOMAIN}"


def verification_code(number: str) -> str:
    """The verification code of certificate ``number`` (32 hex characters, derived: no secret here)."""
    return hashlib.sha256(f"national:{number}".encode()).hexdigest()[:32]


def exists() -> bool:
    from donations.models import Campaign

    return Campaign.objects.filter(slug__in=SLUGS).exists()


@dataclass
class Sizes:
    associations_per_city: int
    units: int


def sizes(scale: float) -> Sizes:
    per_city = max(MIN_ASSOCIATIONS_PER_CITY, round(ASSOCIATIONS_PER_CITY * scale))
    return Sizes(associations_per_city=per_city, units=round(UNITS * scale))


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _grant(number: int) -> int:
    """10 to 30 units, every value in turn (13 and 21 are coprime)."""
    return 10 + (number * 13) % 21


def _status(local_index: int, city_index: int) -> str:
    """The status of an association's application (empty: none), alternating the rarer ones across cities."""
    status = STATUS_CYCLE[local_index % len(STATUS_CYCLE)]
    if "|" in status:
        first, second = status.split("|")
        return first if (local_index // len(STATUS_CYCLE) + city_index) % 2 == 0 else second
    return status


def _aware(day: datetime.date, at: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, at))


def _slot(index: int) -> tuple[datetime.time, datetime.time]:
    """Half-hour slots from 9:00 to 17:00."""
    minutes = 9 * 60 + 30 * (index % 16)
    start = datetime.time(minutes // 60, minutes % 60)
    end_minutes = minutes + 30
    return start, datetime.time(end_minutes // 60, end_minutes % 60)


def _figures(seed: int, received: int) -> dict:
    """Plausible, consistent counts for an impact report (every database check holds)."""
    workshops = 4 + seed % 11
    trained = workshops * (5 + seed % 5)
    over_60 = trained // 3
    over_75 = over_60 // 4
    under_26 = (trained - over_60) // 4
    women = trained // 2 + seed % 3
    out_of_order = seed % 3 if received >= 5 else 0
    lent = seed % 2 if received >= 5 else 0
    return {
        "workshops_held": workshops,
        "workshop_hours": workshops * (1 + seed % 2),
        "people_trained": trained,
        "age_under_26": under_26,
        "age_26_59": trained - over_60 - under_26,
        "age_60_74": over_60 - over_75,
        "age_75_plus": over_75,
        "gender_women": women,
        "gender_men": trained - women - 1,
        "gender_other": 1,
        "situation_job_seekers": trained // 4,
        "situation_seniors": over_60,
        "situation_young_out_of_school": min(under_26, seed % 6),
        "machines_in_use": received - out_of_order - lent,
        "machines_out_of_order": out_of_order,
        "machines_lent": lent,
    }


def build(*, scale: float = 1.0, stdout=None) -> Summary:
    """Write the whole dataset in one transaction. Refuses if it exists (see ``reset``)."""
    import time

    started = time.perf_counter()
    if exists():
        raise ValueError("national dataset already present")
    with transaction.atomic():
        _Builder(scale, stdout).run()
    summary = Summary(counts=counts(), seconds=time.perf_counter() - started)
    return summary


class _Builder:
    def __init__(self, scale: float, stdout=None):
        self.sizes = sizes(scale)
        self.stdout = stdout
        self.now = timezone.now()
        self.today = timezone.localdate()

    def say(self, text: str) -> None:
        if self.stdout is not None:
            self.stdout.write(f"  {text}")

    def run(self) -> None:
        self.users()
        self.campaigns()
        self.associations()
        self.plan()
        self.lots_and_pledges()
        self.stock()
        self.waves()
        self.handovers()
        self.impact()

    # Accounts -----------------------------------------------------------------------------------

    def users(self) -> None:
        from allauth.account.models import EmailAddress
        from django.contrib.auth.models import Group

        from accounts import roles
        from accounts.models import User

        password = make_password(PASSWORD)
        per_city = self.sizes.associations_per_city
        staff = [
            User(
                email=email,
                first_name=first,
                last_name=last,
                is_staff=True,
                is_superuser=role is None,
                password=password,
            )
            for email, first, last, role in STAFF
        ]
        members = []
        for number in range(1, per_city * len(CITIES) + 1):
            members.append(
                User(
                    email=member_email(number),
                    first_name=FIRST_NAMES[number % len(FIRST_NAMES)],
                    last_name=LAST_NAMES[(number // len(FIRST_NAMES)) % len(LAST_NAMES)],
                    password=password,
                )
            )
        created = User.objects.bulk_create(staff + members, batch_size=1000)
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in created], batch_size=1000
        )
        self.staff = {u.email.split("@")[0]: u for u in created[: len(staff)]}
        # The staff sign in with a second factor: the same documented demo secret as seed_demo's.
        from accounts.services import user_add_totp
        from core.management.commands.seed_demo import DEMO_TOTP_SECRET

        for user in created[: len(staff)]:
            user_add_totp(user=user, secret=DEMO_TOTP_SECRET)
        for (_email, _first, _last, role), user in zip(STAFF, created, strict=False):
            if role:
                user.groups.add(Group.objects.get(name=getattr(roles, role)))
        self.members = created[len(staff) :]
        self.say(f"comptes : {len(staff)} membres de l'équipe, {len(members)} membres d'associations")

    # Campaigns, donors, lots --------------------------------------------------------------------

    def campaigns(self) -> None:
        from donations.models import Campaign, CampaignEvent
        from impact.models import CampaignReporting

        today = self.today
        self.campaign_list = Campaign.objects.bulk_create(
            [
                Campaign(
                    name=f"Des ordinateurs pour les associations de {city}",
                    slug=slug,
                    city=city,
                    description=(
                        f"Vingt entreprises donnent leurs ordinateurs de bureau reconditionnés aux associations "
                        f"de {city} qui luttent contre la fracture numérique, en trois vagues."
                    ),
                    eligibility=f"Associations de {city} et de sa métropole engagées pour l'inclusion numérique.",
                    pledged_units=1,  # set below, once the lots are known
                    applications_open_on=today - datetime.timedelta(days=330),
                    applications_close_on=today + datetime.timedelta(days=90),
                    status=Campaign.Status.OPEN,
                )
                for city, slug, _dept in CITIES
            ]
        )
        CampaignEvent.objects.bulk_create(
            [
                CampaignEvent(
                    campaign=c,
                    actor=self.staff["manager"],
                    actor_label="Marc Campagne",
                    from_status="draft",
                    to_status="open",
                    created_at=self.now - datetime.timedelta(days=331),
                )
                for c in self.campaign_list
            ]
        )
        CampaignReporting.objects.bulk_create([CampaignReporting(campaign=c) for c in self.campaign_list])
        self.say(f"campagnes : {', '.join(SLUGS)}")

    # Associations and applications --------------------------------------------------------------

    def associations(self) -> None:
        from associations.demo import application_fields
        from associations.models import Application, ApplicationEvent, Association, Membership, Message, Mission

        S = Application.Status
        if not Mission.objects.exists():  # a flushed database: the list the migration loads
            for position, code in enumerate(Mission.Code.values):
                Mission.objects.get_or_create(code=code, defaults={"position": position})
        missions = list(Mission.objects.order_by("position"))
        per_city = self.sizes.associations_per_city
        rows = []
        for c, (city, _slug, dept) in enumerate(CITIES):
            for j in range(per_city):
                number = c * per_city + j + 1
                first, last = FIRST_NAMES[number % 10], LAST_NAMES[(number // 10) % 10]
                rows.append(
                    Association(
                        legal_name=f"{NAME_WORDS[number % len(NAME_WORDS)]} {city} {number:04d}",
                        acronym=f"A{number:04d}",
                        rna=f"W9{dept}{number:06d}",
                        address=f"{1 + number % 120} rue de la République",
                        postal_code=f"{dept}0{1 + j % 9:02d}",
                        city=city,
                        description="Ateliers d'initiation au numérique et accompagnement aux démarches en ligne.",
                        beneficiaries_per_year=100 + (number * 37) % 900,
                        staff_count=number % 6,
                        volunteer_count=5 + number % 30,
                        contact_name=f"{first} {last}",
                        contact_role="Président·e",
                        contact_email=f"contact-{number:04d}@{DOMAIN}",
                        contact_phone=f"04 91 {number % 100:02d} {number // 100:02d} 00",
                    )
                )
        self.association_list = Association.objects.bulk_create(rows, batch_size=1000)
        Through = Association.missions.through
        Through.objects.bulk_create(
            [
                Through(association_id=a.pk, mission_id=m.pk)
                for n, a in enumerate(self.association_list)
                for m in (missions[n % len(missions)], missions[(n + 3) % len(missions)])
            ],
            batch_size=2000,
        )
        Membership.objects.bulk_create(
            [Membership(user=u, association=a) for u, a in zip(self.members, self.association_list, strict=True)],
            batch_size=1000,
        )

        reviewer = self.staff["reviewer"]
        opened = self.campaign_list[0].applications_open_on
        applications, history = [], []
        for c, campaign in enumerate(self.campaign_list):
            for j in range(per_city):
                number = c * per_city + j + 1
                status = _status(j, c)
                if not status:
                    continue
                association = self.association_list[number - 1]
                requested = _grant(number)
                submitted = _aware(opened + datetime.timedelta(days=5 + j % 40), datetime.time(10, 0))
                decided = submitted + datetime.timedelta(days=10)
                application = Application(
                    **application_fields(association, campaign, requested=requested, status=status),
                    has_internet=True,
                    priority=1 + number % 4,
                    created_by=self.members[number - 1],
                )
                if status != S.DRAFT:
                    application.submitted_at = application.consent_at = submitted
                if status in (S.APPROVED, S.REJECTED):
                    application.decided_at = decided
                if status == S.APPROVED:
                    application.granted_quantity = requested
                    application.approved_at = decided
                if status == S.REJECTED:
                    application.decision_reason = "L'association n'a pas d'activité liée à l'inclusion numérique."
                applications.append(application)
        self.applications = Application.objects.bulk_create(applications, batch_size=1000)
        for application in self.applications:
            label = application.association.contact_name
            steps = [("created", "", S.DRAFT, None, label, application.submitted_at or self.now)]
            if application.status != S.DRAFT:
                steps.append(("status", S.DRAFT, S.SUBMITTED, None, label, application.submitted_at))
            if application.status == S.WITHDRAWN:
                steps.append(("status", S.SUBMITTED, S.WITHDRAWN, None, label, application.submitted_at))
            elif application.status not in (S.DRAFT, S.SUBMITTED):
                when = application.decided_at or application.submitted_at + datetime.timedelta(days=10)
                steps.append(("status", S.SUBMITTED, application.status, reviewer, "Romain Instructeur", when))
            for kind, from_status, to_status, actor, actor_name, _when in steps:  # created_at: auto_now_add
                history.append(
                    ApplicationEvent(
                        application=application,
                        actor=actor,
                        actor_label=actor_name,
                        kind=kind,
                        from_status=from_status,
                        to_status=to_status,
                        note=application.decision_reason if to_status == S.REJECTED else "",
                    )
                )
        ApplicationEvent.objects.bulk_create(history, batch_size=2000)
        Message.objects.bulk_create(
            [
                Message(
                    application=a,
                    author=reviewer,
                    from_staff=True,
                    body="Pouvez-vous préciser combien d'ateliers vous organisez chaque mois ?",
                )
                for a in self.applications
                if a.status == S.INFO_REQUESTED
            ]
        )
        by_status = count_by_label((a.status for a in self.applications), S)
        self.say(f"associations : {len(self.association_list)} ; candidatures : {by_status}")

    # The plan: who gets what in which wave, and which units ----------------------------------------

    def plan(self) -> None:
        """Decide every allocation and the final status of every unit, before writing the stock."""
        self.allocation_plan = []  # dicts, in wave order per campaign
        for c, campaign in enumerate(self.campaign_list):
            approved = [a for a in self.applications if a.campaign_id == campaign.pk and a.status == "approved"]
            n = len(approved)
            first = round(0.40 * n)
            second = round(0.35 * n)
            third = round(0.20 * n)
            wave1, wave2 = approved[:first], approved[first : first + second]
            wave3 = approved[first + second : first + second + third]
            handed_in_2 = math.ceil(len(wave2) / 2)
            cancelled = wave2[-1] if len(wave2) >= 4 else None
            for position, application in enumerate(wave1):
                self.allocation_plan.append(
                    {"campaign": c, "wave": 1, "application": application, "status": "handed_over", "pos": position}
                )
            for position, application in enumerate(wave2):
                if application is cancelled:
                    status = "cancelled"
                elif position < handed_in_2:
                    status = "handed_over"
                else:
                    status = "confirmed"
                self.allocation_plan.append(
                    {"campaign": c, "wave": 2, "application": application, "status": status, "pos": position}
                )
            if cancelled is not None:  # what it did not collect is proposed again in wave 3
                wave3 = [cancelled, *wave3]
            for position, application in enumerate(wave3):
                self.allocation_plan.append(
                    {"campaign": c, "wave": 3, "application": application, "status": "proposed", "pos": position}
                )
        with_units = [p for p in self.allocation_plan if p["status"] in ("handed_over", "confirmed", "cancelled")]
        needed = sum(p["application"].granted_quantity for p in with_units)
        proposed = sum(p["application"].granted_quantity for p in self.allocation_plan if p["status"] == "proposed")
        # Enough stock at any scale: the units allocated are about a third of it, as at full scale.
        self.total_units = max(self.sizes.units, round((needed + proposed) * 1.6) + 50)
        # Unit index -> final status; allocations take consecutive indexes.
        self.unit_status: list[str] = []
        cursor = 0
        for p in with_units:
            quantity = p["application"].granted_quantity
            p["units"] = list(range(cursor, cursor + quantity))
            cursor += quantity
            final = {"handed_over": "handed_over", "confirmed": "reserved", "cancelled": "ready"}[p["status"]]
            self.unit_status.extend([final] * quantity)
        rest = self.total_units - cursor
        reconditioning, received, scrapped = rest * 12 // 100, rest * 8 // 100, max(3, rest * 2 // 100)
        ready = rest - reconditioning - received - scrapped
        self.unit_status += (
            ["ready"] * ready + ["reconditioning"] * reconditioning + ["received"] * received + ["scrapped"] * scrapped
        )

    # Donors and their lots ------------------------------------------------------------------------

    def lots_and_pledges(self) -> None:
        from donations.models import Campaign, CampaignDonor, Donor
        from inventory.models import Lot

        today = self.today
        self.donors = Donor.objects.bulk_create(
            [
                Donor(name=name, contact_email=f"dons-{i + 1:02d}@donateur.{DOMAIN}")
                for i, name in enumerate(DONOR_NAMES)
            ]
        )
        # Units per lot: the donors give unequal lots (the first ones more).
        weights = [40 - i for i in range(len(self.donors))]
        total = sum(weights)
        self.lot_sizes = [self.total_units * w // total for w in weights]
        self.lot_sizes[0] += self.total_units - sum(self.lot_sizes)
        self.lots = Lot.objects.bulk_create(
            [
                Lot(
                    donor=d,
                    reference=f"{LOT_PREFIX}{i + 1:02d}-2026",
                    arrival_date=today - datetime.timedelta(days=320 - 10 * i),
                    site=f"Atelier de reconditionnement de {CITIES[i % len(CITIES)][0]}",
                    expected_count=self.lot_sizes[i],
                )
                for i, d in enumerate(self.donors)
            ]
        )
        # Each donor pledges its lot to one campaign; one in three splits it with a second campaign.
        pledges: dict[tuple[int, int], int] = {}
        for i, units in enumerate(self.lot_sizes):
            first = i % len(CITIES)
            if i % 3 == 0:
                pledges[(first, i)] = units - units // 2
                pledges[((first + 1) % len(CITIES), i)] = units // 2
            else:
                pledges[(first, i)] = units
        CampaignDonor.objects.bulk_create(
            [
                CampaignDonor(campaign=self.campaign_list[c], donor=self.donors[d], pledged_units=max(1, n))
                for (c, d), n in pledges.items()
            ]
        )
        for c, campaign in enumerate(self.campaign_list):
            campaign.pledged_units = max(1, sum(n for (cc, _d), n in pledges.items() if cc == c))
        Campaign.objects.bulk_update(self.campaign_list, ["pledged_units"])
        self.say(f"donateurs : {len(self.donors)}, {len(self.lots)} lots, {self.total_units} ordinateurs promis")

    # Stock ---------------------------------------------------------------------------------------

    def stock(self) -> None:
        from inventory.models import Computer, ComputerEvent, WipeRecord

        stock_user = self.staff["stock"]
        label = "Samia Stock"
        # Lot of each unit: consecutive blocks would give each allocation a single donor; interleave.
        lot_of = []
        remaining = list(self.lot_sizes)
        d = 0
        while len(lot_of) < self.total_units:
            if remaining[d % len(remaining)] > 0:
                lot_of.append(d % len(remaining))
                remaining[d % len(remaining)] -= 1
            d += 1
        computers, plan = [], []
        for i, final in enumerate(self.unit_status):
            maker, model, cpu, storage_type = MODELS[i % len(MODELS)]
            lot = self.lots[lot_of[i]]
            arrived = _aware(lot.arrival_date, datetime.time(9, 0))
            since = arrived + datetime.timedelta(days=5 + i % 40, minutes=i % 600)
            scrapped = final == "scrapped"
            computers.append(
                Computer(
                    asset_tag=f"{LOT_PREFIX}{i + 1:06d}",
                    manufacturer=maker,
                    model=model,
                    serial_number=f"NAT{i + 1:08d}",
                    cpu=cpu,
                    ram_gb=16 if i % 3 == 0 else 8,
                    storage_gb=256 if i % 4 else 512,
                    storage_type=storage_type,
                    os="" if final in ("received", "reconditioning", "scrapped") else "Windows 10 Pro",
                    grade="ABBC"[i % 4] if i % 7 else "A",
                    lot=lot,
                    status="scrapped" if scrapped else ("received" if final == "received" else "reconditioning"),
                    status_changed_at=since,
                    scrap_reason="Carte mère défectueuse : ne démarre pas." if scrapped else "",
                    wipe_failed=final == "reconditioning" and i % 10 == 0,
                    needs_spare_part=final == "reconditioning" and i % 20 == 0,
                )
            )
            plan.append((final, arrived, since))
        computers = Computer.objects.bulk_create(computers, batch_size=2000)
        self.computers = computers

        records, events = [], []
        for i, (computer, (final, arrived, since)) in enumerate(zip(computers, plan, strict=True)):
            events.append(
                ComputerEvent(
                    computer=computer,
                    kind="created",
                    actor=stock_user,
                    actor_label=label,
                    to_status="received",
                    note=f"Lot {computer.lot.reference}",
                    created_at=arrived,
                )
            )
            if final == "received":
                continue
            wiped = final != "reconditioning" or i % 2 == 0
            if wiped:
                failed = computer.wipe_failed
                destroy = final == "scrapped"
                reference = "CERT-DESTRUCTION-2026-001" if destroy else f"BDE-NAT-{i + 1:06d}"
                records.append(
                    WipeRecord(
                        computer=computer,
                        kind="wipe",
                        method="destroy" if destroy else "nist_purge",
                        tool="Broyeur de disques (prestataire agréé)" if destroy else "Blancco Drive Eraser",
                        tool_version="" if destroy else "7.9.1",
                        performed_on=(since - datetime.timedelta(days=1)).date(),
                        result="failed" if failed else "passed",
                        report_reference=reference,
                        actor=stock_user,
                        actor_label=label,
                    )
                )
                events.append(
                    ComputerEvent(
                        computer=computer,
                        kind="wipe",
                        actor=stock_user,
                        actor_label=label,
                        from_status="reconditioning",
                        to_status="reconditioning",
                        note=f"{'Échec' if failed else 'Réussi'} – rapport {reference}",
                        created_at=since - datetime.timedelta(days=1),
                    )
                )
            if final != "reconditioning":
                events.append(
                    ComputerEvent(
                        computer=computer,
                        kind="status",
                        actor=stock_user,
                        actor_label=label,
                        from_status="reconditioning",
                        to_status="scrapped" if final == "scrapped" else "ready",
                        note=computer.scrap_reason,
                        created_at=since,
                    )
                )
        WipeRecord.objects.bulk_create(records, batch_size=2000)
        ComputerEvent.objects.bulk_create(events, batch_size=2000)
        self.stock_events = len(events)

        # Point each wiped unit at its passed record (the triggers check it), then open the gate.
        ours = Computer.objects.filter(lot__in=self.lots)
        passed = WipeRecord.objects.filter(computer=OuterRef("pk"), result="passed").order_by("-pk").values("pk")[:1]
        ours.filter(wipe_records__result="passed").update(wipe_record=Subquery(passed))
        for status in ("ready", "reserved", "handed_over"):
            ids = [c.pk for c, final in zip(computers, self.unit_status, strict=True) if final == status]
            for start in range(0, len(ids), 5000):
                Computer.objects.filter(pk__in=ids[start : start + 5000]).update(status=status)
        counts = count_by_label(self.unit_status, Computer.Status)
        self.say(f"stock : {len(computers)} ordinateurs ({counts}), {len(records)} effacements")

    # Waves, allocations, units --------------------------------------------------------------------

    def waves(self) -> None:
        from donations.models import Allocation, AllocationEvent, AllocationUnit, Wave, WaveEvent
        from inventory.models import Computer, ComputerEvent

        today, now = self.today, self.now
        manager, desk = self.staff["manager"], self.staff["desk"]
        specs = {
            # number: (name, status, first day, last day, confirmed days ago)
            1: ("Première distribution", "closed", today - datetime.timedelta(days=245), 4, 260),
            2: ("Deuxième distribution", "distributing", today - datetime.timedelta(days=3), 7, 20),
            3: ("Troisième distribution", "planning", today + datetime.timedelta(days=45), 2, None),
        }
        waves = []
        for c, campaign in enumerate(self.campaign_list):
            for number, (name, status, first, length, confirmed_ago) in specs.items():
                quantity = sum(
                    p["application"].granted_quantity
                    for p in self.allocation_plan
                    if p["campaign"] == c and p["wave"] == number
                )
                city = CITIES[c][0]
                waves.append(
                    Wave(
                        campaign=campaign,
                        number=number,
                        name=name,
                        capacity=max(1, quantity),
                        handover_starts_on=first,
                        handover_ends_on=first + datetime.timedelta(days=length),
                        place=f"Maison des associations de {city}",
                        status=status,
                        planned_at=now - datetime.timedelta(days=(confirmed_ago or 0) + 2),
                        confirmed_at=now - datetime.timedelta(days=confirmed_ago) if confirmed_ago else None,
                        closed_at=_aware(first + datetime.timedelta(days=15), datetime.time(18, 0))
                        if status == "closed"
                        else None,
                    )
                )
        self.wave_list = Wave.objects.bulk_create(waves)
        self.wave_of = {(w.campaign_id, w.number): w for w in self.wave_list}
        wave_events = []
        for w in self.wave_list:
            wave_events.append(
                WaveEvent(wave=w, actor=manager, actor_label="Marc Campagne", kind="created", created_at=w.planned_at)
            )
            wave_events.append(
                WaveEvent(wave=w, actor=manager, actor_label="Marc Campagne", kind="planned", created_at=w.planned_at)
            )
            path = {"planning": [], "distributing": ["confirmed", "distributing"]}.get(
                w.status, ["confirmed", "distributing", "closed"]
            )
            previous = "planning"
            for to in path:
                wave_events.append(
                    WaveEvent(
                        wave=w,
                        actor=manager,
                        actor_label="Marc Campagne",
                        kind="status",
                        from_status=previous,
                        to_status=to,
                        created_at=w.confirmed_at or now,
                    )
                )
                previous = to
        WaveEvent.objects.bulk_create(wave_events)

        allocations = []
        handed_index = {}
        for p in self.allocation_plan:
            wave = self.wave_of[(self.campaign_list[p["campaign"]].pk, p["wave"])]
            quantity = p["application"].granted_quantity
            allocation = Allocation(
                wave=wave,
                application=p["application"],
                quantity=quantity,
                planned_quantity=quantity,
                position=p["pos"] + 1,
                reason=f"Quantité accordée : {quantity} ; déjà reçue : 0 ; proposée : {quantity}",
                status=p["status"],
            )
            if p["status"] != "proposed":
                allocation.confirmed_at = wave.confirmed_at
                if p["wave"] == 1:
                    day = wave.handover_starts_on + datetime.timedelta(days=p["pos"] % 5)
                elif p["status"] == "handed_over":
                    day = today - datetime.timedelta(days=3 - p["pos"] % 4)
                else:
                    day = today + datetime.timedelta(days=1 + p["pos"] % 4)
                start, end = _slot(p["pos"] // 4)
                allocation.appointment_status = "accepted" if p["status"] != "confirmed" or p["pos"] % 2 else "proposed"
                allocation.appointment_date, allocation.appointment_start, allocation.appointment_end = day, start, end
                allocation.appointment_place = wave.place
                if p["status"] == "handed_over":
                    allocation.handed_over_at = min(_aware(day, start), now)
                    handed_index[id(allocation)] = p
                if p["status"] == "cancelled":
                    allocation.cancelled_at = wave.confirmed_at + datetime.timedelta(days=5)
            allocations.append(allocation)
            p["allocation"] = allocation
        self.allocations = Allocation.objects.bulk_create(allocations, batch_size=1000)

        units, events, unit_events = [], [], []
        for p in self.allocation_plan:
            allocation = p["allocation"]
            if p["status"] == "proposed":
                continue
            released = allocation.cancelled_at if p["status"] == "cancelled" else None
            for index in p["units"]:
                units.append(
                    AllocationUnit(
                        allocation=allocation,
                        computer_id=self.computers[index].pk,
                        assigned_at=allocation.confirmed_at,
                        released_at=released,
                    )
                )
                unit_events.append(
                    ComputerEvent(
                        computer_id=self.computers[index].pk,
                        kind="status",
                        actor=manager,
                        actor_label="Marc Campagne",
                        from_status="ready",
                        to_status="reserved",
                        note=str(allocation.wave),
                        created_at=allocation.confirmed_at,
                    )
                )
                if p["status"] in ("handed_over", "cancelled"):
                    unit_events.append(
                        ComputerEvent(
                            computer_id=self.computers[index].pk,
                            kind="status",
                            actor=desk if p["status"] == "handed_over" else manager,
                            actor_label="Denise Guichet" if p["status"] == "handed_over" else "Marc Campagne",
                            from_status="reserved",
                            to_status="handed_over" if p["status"] == "handed_over" else "ready",
                            note=str(allocation.wave),
                            created_at=allocation.handed_over_at or released,
                        )
                    )
            events.append(
                AllocationEvent(
                    allocation=allocation,
                    actor=manager,
                    actor_label="Marc Campagne",
                    kind="status",
                    from_status="proposed",
                    to_status="confirmed",
                    note=f"{allocation.quantity} ordinateurs réservés",
                    created_at=allocation.confirmed_at,
                )
            )
            if p["status"] in ("handed_over", "cancelled"):
                events.append(
                    AllocationEvent(
                        allocation=allocation,
                        actor=desk if p["status"] == "handed_over" else manager,
                        actor_label="Denise Guichet" if p["status"] == "handed_over" else "Marc Campagne",
                        kind="status",
                        from_status="confirmed",
                        to_status=p["status"],
                        note="" if p["status"] == "handed_over" else "L'association a renoncé à cette vague.",
                        created_at=allocation.handed_over_at or allocation.cancelled_at,
                    )
                )
        AllocationUnit.objects.bulk_create(units, batch_size=2000)
        AllocationEvent.objects.bulk_create(events, batch_size=2000)
        ComputerEvent.objects.bulk_create(unit_events, batch_size=2000)
        # Allocated units changed status when their allocation did.
        for p in self.allocation_plan:
            if p["status"] in ("handed_over", "confirmed", "cancelled"):
                allocation = p["allocation"]
                at = allocation.handed_over_at or allocation.cancelled_at or allocation.confirmed_at
                Computer.objects.filter(pk__in=[self.computers[i].pk for i in p["units"]]).update(status_changed_at=at)
        by_status = count_by_label((a.status for a in self.allocations), Allocation.Status)
        self.say(f"vagues : {len(self.wave_list)} ; attributions : {by_status} ; {len(units)} unités attribuées")

    # Certificates ---------------------------------------------------------------------------------

    def handovers(self) -> None:
        from django.core.files.base import ContentFile

        from certificates.demo import signature_png
        from certificates.models import Handover, HandoverEvent
        from certificates.services import certificate_number

        desk = self.staff["desk"]
        storage = Handover._meta.get_field("association_signature").storage
        association_png = storage.save(
            "certificates/national/signatures/association.png", ContentFile(signature_png("Camille Martin"))
        )
        operator_png = storage.save(
            "certificates/national/signatures/agent.png", ContentFile(signature_png("Denise Guichet"))
        )
        rows, events = [], []
        sequences: dict[int, int] = {}
        for p in self.allocation_plan:
            if p["status"] == "proposed":
                continue
            allocation = p["allocation"]
            wave = allocation.wave
            sequences[wave.pk] = sequences.get(wave.pk, 0) + 1
            number = certificate_number(wave.campaign, wave.number, sequences[wave.pk])
            handover = Handover(
                allocation=allocation,
                wave=wave,
                sequence=sequences[wave.pk],
                number=number,
                code=verification_code(number),
                state="pending",
                queued_at=self.now,
                notify_association=False,  # fictional addresses
                created_at=allocation.confirmed_at,
            )
            if p["status"] == "handed_over":
                association = allocation.application.association
                handover.handed_over_on = timezone.localdate(allocation.handed_over_at)
                handover.representative_name = association.contact_name
                handover.operator = desk
                handover.operator_name = "Denise Guichet"
                handover.handed_over_count = allocation.quantity
                handover.signed_at = allocation.handed_over_at
                handover.revision = 2
                handover.association_signature = association_png
                handover.operator_signature = operator_png
            rows.append(handover)
        self.handover_list = Handover.objects.bulk_create(rows, batch_size=1000)
        for h in self.handover_list:
            events.append(
                HandoverEvent(
                    handover=h,
                    actor=self.staff["manager"],
                    actor_label="Marc Campagne",
                    kind="created",
                    to_status="pending",
                    note=h.number,
                    created_at=h.created_at,
                )
            )
            if h.signed_at:
                events.append(
                    HandoverEvent(
                        handover=h,
                        actor=desk,
                        actor_label="Denise Guichet",
                        kind="signed",
                        note=(
                            f"Remise du {h.handed_over_on:%d/%m/%Y} : {h.handed_over_count} ordinateurs remis "
                            f"à {h.representative_name}"
                        ),
                        created_at=h.signed_at,
                    )
                )
        HandoverEvent.objects.bulk_create(events, batch_size=2000)
        signed = sum(1 for h in self.handover_list if h.signed_at)
        self.say(f"attestations : {len(self.handover_list)}, dont {signed} remises signées (PDF non produits)")

    # Impact reports -------------------------------------------------------------------------------

    def impact(self) -> None:
        from impact import services
        from impact.models import ImpactReport, ImpactReportEvent
        from impact.selectors import invalidate_stats

        for campaign in self.campaign_list:
            services.impact_reports_schedule(today=self.today, campaign=campaign)
        reports = list(
            ImpactReport.objects.filter(campaign__in=self.campaign_list)
            .select_related("association")
            .order_by("campaign__slug", "association__legal_name", "period_start")
        )
        manager, reviewer = self.staff["manager"], self.staff["reviewer"]
        members = {a.pk: u for a, u in zip(self.association_list, self.members, strict=True)}
        events = []
        # Each report's "roll" comes from its position among the reports of its kind (past due, ended,
        # current), never from a primary key: the same mix of states whatever ids the database hands out.
        # (7 * n) % 20 visits every value of 0..19 in 20 steps and reaches each status early: accepted at
        # n = 0, submitted at 2, returned at 8, draft at 11.
        positions = {"past": 0, "ended": 0, "current": 0}
        for index, report in enumerate(reports):
            past = report.due_on < self.today
            ended = report.period_end < self.today
            kind = "past" if past else "ended" if ended else "current"
            roll = (positions[kind] * 7) % 20
            positions[kind] += 1
            if past:
                status = "accepted" if roll < 13 else "submitted" if roll < 16 else "returned" if roll < 17 else "draft"
            elif ended:
                status = "submitted" if roll < 8 else "draft"
            else:
                status = "draft"
            if status == "draft" and roll % 2:
                continue  # nothing filled in yet
            for name, value in _figures(index, report.machines_received).items():
                setattr(report, name, value)
            report.status = status
            member = members[report.association_id]
            if status != "draft":
                report.submitted_at = _aware(
                    min(report.period_end + datetime.timedelta(days=5), self.today), datetime.time(11, 0)
                )
                events.append(
                    ImpactReportEvent(
                        report=report,
                        actor=member,
                        actor_label=member.get_full_name(),
                        kind="status",
                        from_status="draft",
                        to_status="submitted",
                        created_at=report.submitted_at,
                    )
                )
            if status == "accepted":
                report.accepted_at = report.submitted_at + datetime.timedelta(days=3)
                events.append(
                    ImpactReportEvent(
                        report=report,
                        actor=manager,
                        actor_label="Marc Campagne",
                        kind="status",
                        from_status="submitted",
                        to_status="accepted",
                        created_at=report.accepted_at,
                    )
                )
            if status == "returned":
                report.return_message = (
                    "Le nombre d'heures semble bas pour ce nombre d'ateliers : pouvez-vous vérifier ?"
                )
                events.append(
                    ImpactReportEvent(
                        report=report,
                        actor=reviewer,
                        actor_label="Romain Instructeur",
                        kind="status",
                        from_status="submitted",
                        to_status="returned",
                        note=report.return_message,
                        created_at=report.submitted_at + datetime.timedelta(days=3),
                    )
                )
        fields = [
            *_figures(0, 30).keys(),
            "status",
            "submitted_at",
            "accepted_at",
            "return_message",
        ]
        ImpactReport.objects.bulk_update(reports, fields, batch_size=500)
        ImpactReportEvent.objects.bulk_create(events, batch_size=2000)
        invalidate_stats()
        by_status = count_by_label((r.status for r in reports), ImpactReport.Status)
        self.say(f"bilans d'impact : {len(reports)} ({by_status})")


# Counting, rendering, removing -------------------------------------------------------------------


def counts() -> dict[str, int]:
    """What the national dataset holds (the command's summary and the test's assertions)."""
    from accounts.models import User
    from associations.models import Application, Association, Membership
    from certificates.models import Handover
    from donations.models import Allocation, AllocationUnit, CampaignDonor, Wave
    from impact.models import ImpactReport
    from inventory.models import Computer, WipeRecord

    campaigns = {"campaign__slug__in": SLUGS}
    computers = Computer.objects.filter(lot__reference__startswith=LOT_PREFIX)
    return {
        "campagnes": len(SLUGS) if exists() else 0,
        "donateurs": CampaignDonor.objects.filter(**campaigns).values("donor").distinct().count(),
        "ordinateurs": computers.count(),
        "ordinateurs prêts": computers.filter(status="ready").count(),
        "ordinateurs réservés": computers.filter(status="reserved").count(),
        "ordinateurs remis": computers.filter(status="handed_over").count(),
        "effacements": WipeRecord.objects.filter(computer__in=computers).count(),
        "associations": Association.objects.filter(contact_email__endswith=f"@{DOMAIN}").count(),
        "membres": Membership.objects.filter(user__email__endswith=f"@{DOMAIN}").count(),
        "comptes": User.objects.filter(email__endswith=f"@{DOMAIN}").count(),
        "candidatures": Application.objects.filter(**campaigns).count(),
        "candidatures acceptées": Application.objects.filter(**campaigns, status="approved").count(),
        "vagues": Wave.objects.filter(**campaigns).count(),
        "attributions": Allocation.objects.filter(wave__campaign__slug__in=SLUGS).count(),
        "unités attribuées (vivantes)": AllocationUnit.objects.filter(
            allocation__wave__campaign__slug__in=SLUGS, released_at__isnull=True
        ).count(),
        "attestations": Handover.objects.filter(wave__campaign__slug__in=SLUGS).count(),
        "remises signées": Handover.objects.filter(wave__campaign__slug__in=SLUGS, signed_at__isnull=False).count(),
        "bilans d'impact": ImpactReport.objects.filter(**campaigns).count(),
    }


def render_pdfs(limit: int) -> tuple[int, int]:
    """Render ``limit`` certificates in-process (signed ones first). Returns (rendered, failed)."""
    from certificates.models import Handover
    from certificates.services import handovers_render_now

    ids = list(
        Handover.objects.filter(wave__campaign__slug__in=SLUGS, state="pending")
        .exclude(allocation__status="cancelled")
        .order_by(F("signed_at").asc(nulls_last=True), "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return handovers_render_now(ids)


@transaction.atomic
def reset() -> None:
    """Remove the national dataset (and only it), in the order the foreign keys require."""
    from accounts.models import User
    from associations.models import Application, ApplicationEvent, Association
    from certificates.models import Handover, HandoverEvent
    from donations.models import Allocation, AllocationEvent, AllocationUnit, Campaign, Donor, Wave
    from impact.models import ImpactReport, ImpactReportEvent
    from inventory.models import Computer, ComputerEvent, Lot, WipeRecord

    campaigns = Campaign.objects.filter(slug__in=SLUGS)
    associations = Association.objects.filter(contact_email__endswith=f"@{DOMAIN}")
    ImpactReportEvent.objects.filter(report__campaign__in=campaigns).delete()
    ImpactReportEvent.objects.filter(report__association__in=associations).delete()
    ImpactReport.objects.filter(campaign__in=campaigns).delete()
    ImpactReport.objects.filter(association__in=associations).delete()
    HandoverEvent.objects.filter(handover__wave__campaign__in=campaigns).delete()
    Handover.objects.filter(wave__campaign__in=campaigns).delete()
    allocations = Allocation.objects.filter(wave__campaign__in=campaigns)
    AllocationEvent.objects.filter(allocation__in=allocations).delete()
    AllocationUnit.objects.filter(allocation__in=allocations).delete()
    allocations.delete()
    Wave.objects.filter(campaign__in=campaigns).delete()
    # Applications of the campaigns, and any other of the associations (a load test may file some).
    applications = Application.objects.filter(Q(campaign__in=campaigns) | Q(association__in=associations))
    ApplicationEvent.objects.filter(application__in=applications).delete()
    applications.delete()
    campaigns.delete()
    associations.delete()
    # The stock: clear the gate, then the history, the wipe records, the units, the lots.
    lots = Lot.objects.filter(reference__startswith=LOT_PREFIX)
    computers = Computer.objects.filter(lot__in=lots)
    computers.update(wipe_record=None, status="received", scrap_reason="")
    ComputerEvent.objects.filter(computer__in=computers).delete()
    WipeRecord.objects.filter(computer__in=computers).delete()
    computers.delete()
    lots.delete()
    Donor.objects.filter(name__in=DONOR_NAMES, lots__isnull=True, pledges__isnull=True).delete()
    User.objects.filter(email__endswith=f"@{DOMAIN}").delete()
