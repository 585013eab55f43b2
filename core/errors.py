class DomainError(Exception):
    """A business rule refused the operation. The message is shown to the user as is (translated)."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class TransitionError(DomainError):
    """A status change that the table of allowed transitions refuses."""
