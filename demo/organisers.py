"""The demo's organisers (seed_demo and seed_national share them: one Marseille, one Lyon, whatever runs first)."""

from __future__ import annotations

from campaigns.models import Organiser

ORGANISERS = {
    "Marseille": {
        "slug": "ville-de-marseille",
        "name": "Ville de Marseille",
        "kind": Organiser.Kind.CITY,
        "city": "Marseille",
        "postal_codes": " ".join(f"130{n:02d}" for n in range(1, 17)),
    },
    "Lyon": {
        "slug": "metropole-de-lyon",
        "name": "Métropole de Lyon",
        "kind": Organiser.Kind.METROPOLIS,
        "city": "Lyon",
        "postal_codes": " ".join(f"6900{n}" for n in range(1, 10)),
    },
    "Lille": {
        "slug": "metropole-europeenne-de-lille",
        "name": "Métropole européenne de Lille",
        "kind": Organiser.Kind.METROPOLIS,
        "city": "Lille",
        "postal_codes": "59000 59160 59260 59777 59800",
    },
}


def organiser(city: str) -> Organiser:
    """The demo organiser of ``city`` (created once; matched by its slug)."""
    fields = dict(ORGANISERS[city])
    found, _created = Organiser.objects.get_or_create(slug=fields.pop("slug"), defaults=fields)
    return found
