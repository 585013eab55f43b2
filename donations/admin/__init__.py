"""Staff screens for campaigns, waves and allocations. Thin: every write calls a service.

Importing this package registers the model admins: ``campaigns`` (the campaigns app's campaign page, extended
with waves and totals), ``waves`` (with the plan page in ``plan``), ``allocations`` and ``slots``
(the handover schedule).
"""

from donations.admin.allocations import AllocationAdmin
from donations.admin.campaigns import CampaignAdmin
from donations.admin.slots import HandoverSlotAdmin
from donations.admin.waves import WaveAdmin

__all__ = ["AllocationAdmin", "CampaignAdmin", "HandoverSlotAdmin", "WaveAdmin"]
