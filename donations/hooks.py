"""What the donations app announces to the apps above it (core.hooks); they subscribe in their AppConfig.ready()."""

from core.hooks import Hook

allocations_confirmed = Hook(
    "donations.allocations_confirmed",
    """Allocations were just confirmed (their units reserved), inside the confirming transaction.

    Keyword arguments: ``allocation_ids`` (list of ids, in planning order) and ``by`` (the acting user, or None).
    The certificates app creates their handover certificates.""",
)
