"""Named hooks: how a lower app lets a higher one react, without importing it.

Dependencies point one way (core <- accounts <- campaigns <- {associations, inventory} <- donations <-
certificates <- impact <- portal). When something in a lower app must start work in a higher one (confirmed
allocations get their handover certificates), the lower app declares a ``Hook`` in its ``hooks.py`` and fires
it; the higher app subscribes in its ``AppConfig.ready()``. Subscribers run in the order they subscribed,
synchronously, in the caller's transaction (an exception rolls everything back, as a direct call would):
a subscriber with side effects (emails, tasks) defers them with ``transaction.on_commit`` itself.
"""

from __future__ import annotations

from collections.abc import Callable


class Hook:
    """One named event and its subscribers (module-level functions, kept once each)."""

    def __init__(self, name: str, doc: str = "") -> None:
        self.name = name
        self.__doc__ = doc
        self._subscribers: list[Callable[..., object]] = []

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._subscribers)} subscriber(s)>"

    def subscribe(self, func: Callable[..., object]) -> Callable[..., object]:
        """Add ``func`` (once, however many times ``ready()`` runs); usable as a decorator."""
        if func not in self._subscribers:
            self._subscribers.append(func)
        return func

    def unsubscribe(self, func: Callable[..., object]) -> None:
        if func in self._subscribers:
            self._subscribers.remove(func)

    @property
    def subscribers(self) -> tuple[Callable[..., object], ...]:
        return tuple(self._subscribers)

    def fire(self, **kwargs) -> list:
        """Call every subscriber now with these keyword arguments; returns their results in order."""
        return [func(**kwargs) for func in list(self._subscribers)]
