"""Demo waves of the Marseille campaign, through the services: every stage of a distribution.

- wave 1 (capacity 486), two weeks ago: planned and confirmed, 27 associations, their units
  reserved and a handover slot proposed to each (``demo.builders.certificates`` then records most handovers);
- wave 2 (capacity 80): planned, waiting for the manager's confirmation;
- the final lot (capacity 30), for what is left of the small needs: planned.

Idempotent: a wave that exists is left as it is (a wave still being planned without any line is
planned again, so that a seed run before the stock existed completes on the next run).
"""

import datetime

from django.utils import timezone

from donations import services
from donations.models import Wave
from donations.services._common import ready_stock_count

PLACE = "Cité des associations, 93 La Canebière, 13001 Marseille"


def _next_monday(after: datetime.date) -> datetime.date:
    return after + datetime.timedelta(days=7 - after.weekday())


def wave_specs(today: datetime.date) -> list[dict]:
    # Wave 1 took place two weeks ago (the certificates demo records its handovers); the next ones are ahead.
    first = _next_monday(today) - datetime.timedelta(days=14)
    second = _next_monday(today + datetime.timedelta(days=56))
    final = _next_monday(today + datetime.timedelta(days=98))
    return [
        {
            "number": 1,
            "name": "Première distribution",
            "capacity": 486,
            "is_final_lot": False,
            "handover_starts_on": first,
            "handover_ends_on": first + datetime.timedelta(days=4),
            "place": PLACE,
            "confirm": True,
        },
        {
            "number": 2,
            "name": "Deuxième distribution",
            "capacity": 80,
            "is_final_lot": False,
            "handover_starts_on": second,
            "handover_ends_on": second + datetime.timedelta(days=1),
            "place": PLACE,
            "confirm": False,
        },
        {
            "number": 3,
            "name": "Petits besoins",
            "capacity": 30,
            "is_final_lot": True,
            "handover_starts_on": final,
            "handover_ends_on": final,
            "place": "Maison de la vie associative, 12 rue Saint-Ferréol, 13001 Marseille",
            "desk_capacity": 2,  # many small lots on one day: two associations at once
            "confirm": False,
        },
    ]


def seed(context: dict) -> None:
    campaign = context["campaign"]
    manager = context["users"]["manager@demo.test"]
    stdout = context.get("stdout")

    def say(text: str) -> None:
        if stdout:
            stdout.write(f"  {text}")

    for spec in wave_specs(timezone.localdate()):
        spec = dict(spec)
        confirm = spec.pop("confirm")
        wave = Wave.objects.filter(campaign=campaign, number=spec["number"]).first()
        if wave is None:
            stock = ready_stock_count()
            if stock < spec["capacity"]:
                # Only when the stock demo is missing: the waves come on a later run.
                say(f"vague {spec['number']} : stock prêt insuffisant ({stock}), non créée")
                return
            wave = services.wave_save(wave=Wave(campaign=campaign, **spec), by=manager)
        if wave.status != Wave.Status.PLANNING:
            say(f"{wave} : déjà là ({wave.get_status_display().lower()})")
            continue
        if wave.allocations.exists():
            say(f"{wave} : déjà planifiée")
        else:
            plan = services.wave_plan(wave=wave, by=manager)
            say(f"{wave} : {plan.total} ordinateurs proposés à {len(plan.lines)} associations")
        if confirm:
            result = services.wave_confirm(wave=wave, by=manager, notify=False)
            say(f"{wave} : confirmée, {result.units} ordinateurs réservés pour {len(result.confirmed)} associations")
