"""The benchmarks' logged-in test client (a completed login, second factor included: staff must have one), and
Django set up on a throwaway SQLite database (or BENCH_DATABASE_URL, created if missing) for the benchmarks that run
on their own."""

import os
import tempfile

from django.test import Client


def sqlite_django(prefix: str, **environ: str) -> tempfile.TemporaryDirectory:
    """A temporary folder holding a throwaway SQLite database (or BENCH_DATABASE_URL), tasks run eagerly (no
    REDIS_URL), then Django. ``environ``: more variables to set, where ``{tmp}`` stands for the folder."""
    tmp = tempfile.TemporaryDirectory(prefix=prefix)
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url.startswith("postgres"):
        ensure_database(url)
    os.environ["DATABASE_URL"] = url or f"sqlite:///{tmp.name}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("DEBUG", "1")
    os.environ.pop("REDIS_URL", None)  # tasks run eagerly, in-process
    os.environ.update({name: value.format(tmp=tmp.name) for name, value in environ.items()})
    import django

    django.setup()
    return tmp


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of ``url`` if it does not exist."""
    from urllib.parse import urlparse

    import psycopg2
    from psycopg2 import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    connection = psycopg2.connect(
        dbname="postgres",
        user=parsed.username or "postgres",
        password=parsed.password or None,
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 5432,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


def logged_in(user, **client_options) -> Client:
    """A client whose session holds what a login with the password and, for staff, the TOTP code writes."""
    from accounts.middleware import MFA_VERIFIED_SESSION_KEY

    client = Client(**client_options)
    client.force_login(user)
    session = client.session
    session[MFA_VERIFIED_SESSION_KEY] = user.pk
    session.save()
    return client
