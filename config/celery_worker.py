"""The command line of a Celery worker of this project, for the real workers the tests and the benchmarks start.

Kept apart from config/celery.py (which builds the app) so that bench/ and tests/ import it without loading the
app; neither imports the other."""

import sys
from pathlib import Path


def worker_command(queue: str, *, concurrency: int, pidfile: Path, node_name: str = "") -> list[str]:
    """A prefork worker that serves ``queue`` only and ignores other workers (no heartbeat, gossip or mingle), so
    that it starts fast and takes nobody else's tasks; ``node_name`` tells several on one machine apart."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=prefork",
        f"--concurrency={concurrency}",
        "-Q",
        queue,
        *(["-n", node_name] if node_name else []),
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
        f"--pidfile={pidfile}",
    ]
