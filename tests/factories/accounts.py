"""Users and staff with a role (accounts app)."""

import factory

from accounts import roles
from accounts.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    password = factory.PostGenerationMethodCall("set_password", "motdepasse-solide-42")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create:
            from allauth.account.models import EmailAddress

            obj.save()
            EmailAddress.objects.get_or_create(user=obj, email=obj.email, defaults={"verified": True, "primary": True})


class StaffFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        """The role's group and, for a role held per organiser, a membership of ``organiser`` (by default the
        organiser of the factories' campaigns, Marseille)."""
        if create and extracted:
            from django.contrib.auth.models import Group

            obj.groups.add(Group.objects.get(name=extracted))
            membership_role = MEMBERSHIP_ROLES.get(extracted)
            if membership_role:
                from campaigns.models import StaffMembership
                from tests.factories.campaigns import OrganiserFactory

                organiser = kwargs.get("organiser") or OrganiserFactory()
                StaffMembership.objects.get_or_create(user=obj, organiser=organiser, role=membership_role)


# The groups held per organiser -> the role of their membership (campaigns.StaffMembership.Role).
MEMBERSHIP_ROLES = {
    roles.REVIEWER: "reviewer",
    roles.INVENTORY_OPERATOR: "stock",
    roles.CAMPAIGN_MANAGER: "manager",
    roles.HANDOVER_OPERATOR: "desk",
}


def staff_with_role(role: str, *, organiser=None, **kwargs) -> User:
    """A staff account in ``role``, working for ``organiser`` (Marseille unless told)."""
    return StaffFactory(role=role, role__organiser=organiser, **kwargs)


def reviewer(**kwargs) -> User:
    return staff_with_role(roles.REVIEWER, **kwargs)
