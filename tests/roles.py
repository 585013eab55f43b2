"""One fresh account per role, for the tests that check who reaches which screen."""

from accounts import roles
from accounts.models import User
from tests.factories.accounts import UserFactory, staff_with_role
from tests.factories.associations import AssociationFactory, member_of

# short key -> the staff group of accounts.roles
STAFF_ROLES = {
    "reviewer": roles.REVIEWER,
    "inventory": roles.INVENTORY_OPERATOR,
    "manager": roles.CAMPAIGN_MANAGER,
    "handover": roles.HANDOVER_OPERATOR,
}
ROLES = [*STAFF_ROLES, "member", "anonymous", "superuser"]


def make_user(role: str) -> User | None:
    """An account in ``role`` (a key of STAFF_ROLES, "member" or "superuser"); None for "anonymous"."""
    if role in STAFF_ROLES:
        return staff_with_role(STAFF_ROLES[role], email=f"{role}@ville.example.org")
    if role == "member":
        return member_of(AssociationFactory(legal_name="Asso du membre"), email="membre@asso.example.org")
    if role == "superuser":
        return UserFactory(email="root@ville.example.org", is_staff=True, is_superuser=True)
    if role == "anonymous":
        return None
    raise ValueError(role)
