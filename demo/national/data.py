"""The national dataset's figures, names and accounts, and the pure helpers the builders share."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field

from django.utils import timezone

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
# Each organiser's own team: ``<role>-<city>@national.test``, one per role, working for that organiser only
# (the national team above works for the three, for the load test). role, first name, last name, group.
TEAM = [
    ("reviewer", "Rose", "Instruction", "REVIEWER"),
    ("stock", "Sacha", "Atelier", "INVENTORY_OPERATOR"),
    ("manager", "Maël", "Campagne", "CAMPAIGN_MANAGER"),
    ("desk", "Diane", "Remise", "HANDOVER_OPERATOR"),
]
COORDINATOR = ("coordinator@national.test", "Claire", "Coordination")
# One refurbisher per city, working for that city's organiser (its lots name it).
PARTNER_NAMES = [f"Atelier solidaire de {city} (jeu national)" for city, _slug, _dept in CITIES]
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


def city_key(city: str) -> str:
    """The city in an e-mail address: ``lyon``."""
    return city.lower()


def team_email(role: str, city: str) -> str:
    """The member of ``city``'s team in ``role`` (``reviewer``, ``stock``, ``manager``, ``desk``)."""
    return f"{role}-{city_key(city)}@{DOMAIN}"


def donor_email(number: int) -> str:
    """The person of donor ``number`` (1-based, in the order of DONOR_NAMES) who sees its donor space."""
    return f"donateur-{number:02d}@{DOMAIN}"


def member_email(number: int) -> str:
    """The member of association ``number`` (1-based, cities in the order of CITIES)."""
    return f"asso-{number:04d}@{DOMAIN}"


def verification_code(number: str) -> str:
    """The verification code of certificate ``number`` (32 hex characters, derived: no secret here)."""
    return hashlib.sha256(f"national:{number}".encode()).hexdigest()[:32]


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


def people_breakdown(*, trained: int, over_60: int, over_75: int, under_26: int, women: int) -> dict:
    """An impact report's ages and genders of the people trained: they add up, as the database checks."""
    return {
        "age_under_26": under_26,
        "age_26_59": trained - over_60 - under_26,
        "age_60_74": over_60 - over_75,
        "age_75_plus": over_75,
        "gender_women": women,
        "gender_men": trained - women - 1,
        "gender_other": 1,
        "situation_seniors": over_60,
    }


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
        **people_breakdown(trained=trained, over_60=over_60, over_75=over_75, under_26=under_26, women=women),
        "situation_job_seekers": trained // 4,
        "situation_young_out_of_school": min(under_26, seed % 6),
        "machines_in_use": received - out_of_order - lent,
        "machines_out_of_order": out_of_order,
        "machines_lent": lent,
    }
