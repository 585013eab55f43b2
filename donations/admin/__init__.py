"""Staff screens for campaigns, waves and allocations. Thin: every write calls a service.

Importing this package registers the model admins: ``campaigns`` (donors, campaigns, pledges, their history),
``waves`` (with the plan page in ``plan``) and ``allocations``.
"""

from donations.admin.allocations import AllocationAdmin
from donations.admin.campaigns import CampaignAdmin, DonorAdmin
from donations.admin.waves import WaveAdmin

__all__ = ["AllocationAdmin", "CampaignAdmin", "DonorAdmin", "WaveAdmin"]
