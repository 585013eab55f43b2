"""The national dataset's accounts: the staff (one role each) and one member per association."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from demo.national.data import CITIES, FIRST_NAMES, LAST_NAMES, PASSWORD, STAFF, member_email


class AccountsBuilder:
    """One part of ``builder._Builder``: it reads and sets the state the earlier parts left on ``self``."""

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
        from demo.management.commands.seed_demo import DEMO_TOTP_SECRET

        for user in created[: len(staff)]:
            user_add_totp(user=user, secret=DEMO_TOTP_SECRET)
        from campaigns.models import StaffMembership
        from demo.organisers import organiser

        # The national dataset's team works for the three organisers (the load tests read every city).
        organisers = [organiser(city) for city, _slug, _dept in CITIES]
        membership_role = {"REVIEWER": "reviewer", "INVENTORY_OPERATOR": "stock", "CAMPAIGN_MANAGER": "manager"}
        membership_role["HANDOVER_OPERATOR"] = "desk"
        memberships = []
        for (_email, _first, _last, role), user in zip(STAFF, created, strict=False):
            if role:
                user.groups.add(Group.objects.get(name=getattr(roles, role)))
                if role in membership_role:
                    kind = membership_role[role]
                    memberships += [StaffMembership(user=user, organiser=o, role=kind) for o in organisers]
        StaffMembership.objects.bulk_create(memberships)
        self.members = created[len(staff) :]
        self.say(f"comptes : {len(staff)} membres de l'équipe, {len(members)} membres d'associations")
