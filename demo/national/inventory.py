"""The national dataset's stock: units, wipes and their history, in the plan's final statuses."""

from __future__ import annotations

import datetime

from django.db.models import OuterRef, Subquery

from core.formatting import count_by_label
from demo.national.data import LOT_PREFIX, MODELS, _aware


class InventoryBuilder:
    """One part of ``builder._Builder``: it reads and sets the state the earlier parts left on ``self``."""

    def stock(self) -> None:
        from inventory.models import Computer, ComputerEvent, FunctionalTest, FunctionalTestResult, WipeRecord
        from inventory.selectors import checklists_for

        stock_user = self.staff["stock"]
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
                    scrap_cause="faulty" if scrapped else "",
                    storage_outcome="destroyed" if scrapped else "",
                    storage_certificate="CERT-DESTRUCTION-2026-001" if scrapped else "",
                    recycler="ecosystem (éco-organisme agréé DEEE)" if scrapped else "",
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
                    **self.by(stock_user),
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
                        **self.by(stock_user),
                    )
                )
                events.append(
                    ComputerEvent(
                        computer=computer,
                        kind="wipe",
                        **self.by(stock_user),
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
                        **self.by(stock_user),
                        from_status="reconditioning",
                        to_status="scrapped" if final == "scrapped" else "ready",
                        note=computer.scrap_reason,
                        created_at=since,
                    )
                )
        WipeRecord.objects.bulk_create(records, batch_size=2000)
        # Every unit that left the workshop passed its functional test a few hours before it was marked ready.
        cleared = [
            c
            for c, final in zip(computers, self.unit_status, strict=True)
            if final in ("ready", "reserved", "handed_over")
        ]
        checklists = checklists_for([c.pk for c in cleared])
        tests = FunctionalTest.objects.bulk_create(
            [
                FunctionalTest(
                    computer=c,
                    checklist=checklists[c.pk].name,
                    passed=True,
                    performed_at=c.status_changed_at - datetime.timedelta(hours=4),
                    **self.by(stock_user),
                )
                for c in cleared
            ],
            batch_size=2000,
        )
        FunctionalTestResult.objects.bulk_create(
            (
                FunctionalTestResult(test=test, position=n, label=label, passed=True)
                for test in tests
                for n, label in enumerate(checklists[test.computer_id].labels)
            ),
            batch_size=5000,
        )
        events += [
            ComputerEvent(
                computer_id=test.computer_id,
                kind="functional_test",
                **self.by(stock_user),
                from_status="reconditioning",
                to_status="reconditioning",
                note=f"Réussi ({test.checklist})",
                created_at=test.performed_at,
            )
            for test in tests
        ]
        ComputerEvent.objects.bulk_create(events, batch_size=2000)
        self.stock_events = len(events)

        # Point each wiped unit at its passed record (the triggers check it), then open the gate.
        ours = Computer.objects.filter(lot__in=self.lots)
        passed = WipeRecord.objects.filter(computer=OuterRef("pk"), result="passed").order_by("-pk").values("pk")[:1]
        ours.filter(wipe_records__result="passed").update(wipe_record=Subquery(passed))
        tested = FunctionalTest.objects.filter(computer=OuterRef("pk"), passed=True).order_by("-pk").values("pk")[:1]
        for start in range(0, len(tests), 5000):
            Computer.objects.filter(pk__in=[t.computer_id for t in tests[start : start + 5000]]).update(
                functional_test=Subquery(tested)
            )
        for status in ("ready", "reserved", "handed_over"):
            ids = [c.pk for c, final in zip(computers, self.unit_status, strict=True) if final == status]
            for start in range(0, len(ids), 5000):
                Computer.objects.filter(pk__in=ids[start : start + 5000]).update(status=status)
        counts = count_by_label(self.unit_status, Computer.Status)
        self.say(f"stock : {len(computers)} ordinateurs ({counts}), {len(records)} effacements")
