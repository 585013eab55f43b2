"""Calls started at the same moment, each in its own thread and database connection (concurrency tests)."""

import threading

from django.db import connections

from core.errors import DomainError


def run_together(functions, *, refused: tuple[type[Exception], ...] = (DomainError,), timeout: float = 120):
    """Start every function at the same moment, each in its own thread and database connection. Returns, in order,
    ``("ok", what it returned)``, ``("refused", its message)`` for a ``refused`` error, or ``("error", repr)`` for
    anything else (a bug: the caller's assertions report it)."""
    barrier = threading.Barrier(len(functions))
    outcomes = [None] * len(functions)

    def worker(index, function):
        try:
            barrier.wait()
            outcomes[index] = ("ok", function())
        except refused as exc:
            outcomes[index] = ("refused", str(exc))
        except Exception as exc:  # anything else is a bug: report it
            outcomes[index] = ("error", repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return outcomes
