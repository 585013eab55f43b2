"""What the associations app announces to the apps above it (core.hooks); they subscribe in their AppConfig.ready()."""

from core.hooks import Hook

decision_correcting = Hook(
    "associations.decision_correcting",
    """A reviewer is about to correct an approval, inside the correcting transaction (the application locked).

    Keyword arguments: ``application``, ``granted`` (the new granted quantity, or None when the decision is
    reopened). A subscriber raises ``ValidationError({"granted": ...})`` or ``DomainError`` to refuse: the
    donations app refuses a grant below what its waves already hold for the application, and a reopening
    while a wave holds or plans units for it.""",
)
