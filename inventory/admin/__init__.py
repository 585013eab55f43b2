"""The stock in the Django admin: lots, computers, wipe records and history.

Thin: lists, filters and forms are configured here; every change goes through ``inventory.services``
and each bulk action reports, per unit, what was done and what was refused and why.

Importing this package registers the model admins (``lots``, ``computers``, ``history``).
"""

from inventory.admin.checklists import ChecklistItemAdmin, FunctionalTestAdmin
from inventory.admin.collections import CollectionAdmin
from inventory.admin.computers import ComputerAdmin
from inventory.admin.history import ComputerEventAdmin, WipeRecordAdmin
from inventory.admin.lots import LotAdmin
from inventory.admin.partners import StockPartnerAdmin

__all__ = [
    "ChecklistItemAdmin",
    "CollectionAdmin",
    "ComputerAdmin",
    "ComputerEventAdmin",
    "FunctionalTestAdmin",
    "LotAdmin",
    "StockPartnerAdmin",
    "WipeRecordAdmin",
]
