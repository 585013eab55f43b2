"""Every write of the donations app: waves, their plans, allocations and their units.

Import the services from here: ``from donations import services; services.wave_plan(...)``.
"""

from donations.services.allocations import (
    APPOINTMENT_TRANSITIONS,
    ConfirmResult,
    allocation_appointment_accept,
    allocation_appointment_request_change,
    allocation_book_slot,
    allocation_cancel,
    allocation_confirm,
    allocation_hand_over,
    allocation_set_appointment,
    allocation_swap_unit,
    appointment_ics,
    appointment_reminders_send,
)
from donations.services.allocations import TRANSITIONS as ALLOCATION_TRANSITIONS
from donations.services.slots import slot_save, wave_slots_generate
from donations.services.waves import TRANSITIONS as WAVE_TRANSITIONS
from donations.services.waves import (
    wave_add_application,
    wave_check,
    wave_close,
    wave_confirm,
    wave_edit_plan,
    wave_plan,
    wave_save,
    wave_start_distribution,
)

__all__ = [
    "ALLOCATION_TRANSITIONS",
    "APPOINTMENT_TRANSITIONS",
    "WAVE_TRANSITIONS",
    "ConfirmResult",
    "allocation_appointment_accept",
    "allocation_appointment_request_change",
    "allocation_book_slot",
    "allocation_cancel",
    "allocation_confirm",
    "allocation_hand_over",
    "allocation_set_appointment",
    "allocation_swap_unit",
    "slot_save",
    "appointment_ics",
    "appointment_reminders_send",
    "wave_add_application",
    "wave_check",
    "wave_close",
    "wave_confirm",
    "wave_edit_plan",
    "wave_plan",
    "wave_save",
    "wave_slots_generate",
    "wave_start_distribution",
]
