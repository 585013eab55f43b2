"""The national dataset's accounts: the staff (a national team, each organiser's team, the coordinator), one
person per donor company (its donor space) and one member per association."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from demo.national.data import (
    CITIES,
    COORDINATOR,
    DONOR_NAMES,
    FIRST_NAMES,
    LAST_NAMES,
    PASSWORD,
    STAFF,
    TEAM,
    donor_email,
    member_email,
    team_email,
)


class AccountsBuilder:
    """One part of ``builder._Builder``: it reads and sets the state the earlier parts left on ``self``."""

    def users(self) -> None:
        from allauth.account.models import EmailAddress
        from django.contrib.auth.models import Group

        from accounts import roles
        from accounts.models import User
        from campaigns.models import StaffMembership
        from demo.organisers import organiser

        password = make_password(PASSWORD)
        per_city = self.sizes.associations_per_city
        # The national team (one role each, for the three organisers), each organiser's own team, the coordinator.
        people = [(email, first, last, role, None) for email, first, last, role in STAFF]
        for city, _slug, _dept in CITIES:
            for kind, first, last, role in TEAM:
                people.append((team_email(kind, city), first, f"{last} {city}", role, city))
        people.append((*COORDINATOR, "NATIONAL_COORDINATOR", None))
        staff = [
            User(
                email=email,
                first_name=first,
                last_name=last,
                is_staff=True,
                is_superuser=role is None,
                password=password,
            )
            for email, first, last, role, _city in people
        ]
        donors = [
            User(email=donor_email(i + 1), first_name="Responsable RSE", last_name=name[:150], password=password)
            for i, name in enumerate(DONOR_NAMES)
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
        created = User.objects.bulk_create(staff + donors + members, batch_size=1000)
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in created], batch_size=1000
        )
        staff_users = created[: len(staff)]
        self.staff = {u.email.split("@")[0]: u for u in staff_users}
        self.donor_people = created[len(staff) : len(staff) + len(donors)]
        self.members = created[len(staff) + len(donors) :]
        # The staff sign in with a second factor: the same documented demo secret as seed_demo's.
        from accounts.services import user_add_totp
        from demo.management.commands.seed_demo import DEMO_TOTP_SECRET

        for user in staff_users:
            user_add_totp(user=user, secret=DEMO_TOTP_SECRET)

        organisers = {city: organiser(city) for city, _slug, _dept in CITIES}
        groups = {g.name: g for g in Group.objects.filter(name__in=[getattr(roles, p[3]) for p in people if p[3]])}
        membership_role = {"REVIEWER": "reviewer", "INVENTORY_OPERATOR": "stock", "CAMPAIGN_MANAGER": "manager"}
        membership_role["HANDOVER_OPERATOR"] = "desk"
        memberships = []
        for (_email, _first, _last, role, city), user in zip(people, staff_users, strict=True):
            if not role:
                continue
            user.groups.add(groups[getattr(roles, role)])
            if role in membership_role:
                # The national team works for the three organisers (the load tests read every city); each
                # city's team for its own organiser only.
                where = [organisers[city]] if city else list(organisers.values())
                memberships += [StaffMembership(user=user, organiser=o, role=membership_role[role]) for o in where]
        StaffMembership.objects.bulk_create(memberships)
        self.say(
            f"comptes : {len(staff)} membres des équipes ({len(TEAM)} par organisateur, l'équipe nationale et la "
            f"coordination), {len(donors)} personnes des donateurs, {len(members)} membres d'associations"
        )
