"""The national dataset's plan (who gets what in which wave, which units) and its waves and allocations."""

from __future__ import annotations

import datetime
import math

from core.formatting import count_by_label
from demo.national.data import CITIES, _aware, _slot


class DonationsBuilder:
    """One part of ``builder._Builder``: it reads and sets the state the earlier parts left on ``self``."""

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
            wave_events.append(WaveEvent(wave=w, **self.by(manager), kind="created", created_at=w.planned_at))
            wave_events.append(WaveEvent(wave=w, **self.by(manager), kind="planned", created_at=w.planned_at))
            path = {"planning": [], "distributing": ["confirmed", "distributing"]}.get(
                w.status, ["confirmed", "distributing", "closed"]
            )
            previous = "planning"
            for to in path:
                wave_events.append(
                    WaveEvent(
                        wave=w,
                        **self.by(manager),
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
                        **self.by(manager),
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
                            **self.by(desk if p["status"] == "handed_over" else manager),
                            from_status="reserved",
                            to_status="handed_over" if p["status"] == "handed_over" else "ready",
                            note=str(allocation.wave),
                            created_at=allocation.handed_over_at or released,
                        )
                    )
            events.append(
                AllocationEvent(
                    allocation=allocation,
                    **self.by(manager),
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
                        **self.by(desk if p["status"] == "handed_over" else manager),
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
