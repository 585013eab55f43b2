"""The reviewers' side: associations and applications in the Django admin.

The admin stays thin: lists, filters and read-only decision fields here; every status
change goes through ``associations.services`` (review steps on their own admin pages,
bulk actions from the list), and each outcome is reported with ``message_user``.

Importing this package registers the model admins (``applications``, ``associations``).
"""

from associations.admin.applications import ApplicationAdmin
from associations.admin.associations import AssociationAdmin, MissionAdmin
from associations.admin.join_requests import JoinRequestAdmin
from associations.admin.review import REVIEW_STEPS, ReviewStep

__all__ = [
    "REVIEW_STEPS",
    "ApplicationAdmin",
    "AssociationAdmin",
    "JoinRequestAdmin",
    "MissionAdmin",
    "ReviewStep",
]
