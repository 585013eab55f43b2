"""The national dataset's associations, members and applications (every status)."""

from __future__ import annotations

import datetime

from core.formatting import count_by_label
from demo.national.data import CITIES, DOMAIN, FIRST_NAMES, LAST_NAMES, NAME_WORDS, _aware, _grant, _status


class AssociationsBuilder:
    """One part of ``builder._Builder``: it reads and sets the state the earlier parts left on ``self``."""

    def associations(self) -> None:
        from associations.models import Application, ApplicationEvent, Association, Membership, Message, Mission
        from demo.builders.associations import application_fields

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
