"""The national dataset's impact reports."""

from __future__ import annotations

import datetime

from core.formatting import count_by_label
from demo.national.data import _aware, _figures


class ImpactBuilder:
    """One part of ``builder._Builder``: it reads and sets the state the earlier parts left on ``self``."""

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
            moves = []  # (actor, from, to, note, at): the report's history, as the services write it
            if status != "draft":
                report.submitted_at = _aware(
                    min(report.period_end + datetime.timedelta(days=5), self.today), datetime.time(11, 0)
                )
                moves.append((member, "draft", "submitted", "", report.submitted_at))
            if status == "accepted":
                report.accepted_at = report.submitted_at + datetime.timedelta(days=3)
                moves.append((manager, "submitted", "accepted", "", report.accepted_at))
            if status == "returned":
                report.return_message = (
                    "Le nombre d'heures semble bas pour ce nombre d'ateliers : pouvez-vous vérifier ?"
                )
                returned_at = report.submitted_at + datetime.timedelta(days=3)
                moves.append((reviewer, "submitted", "returned", report.return_message, returned_at))
            events += [
                ImpactReportEvent(
                    report=report,
                    **self.by(actor),
                    kind="status",
                    from_status=from_status,
                    to_status=to_status,
                    note=note,
                    created_at=at,
                )
                for actor, from_status, to_status, note, at in moves
            ]
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
