"""The study's PostgreSQL database: where it is, connecting, migrating.

The URL comes from ``--db``, else ``$FITVAULT_DATABASE_URL``. Connections are psycopg 3 with dict
rows and autocommit on: every roster, audit and grant function opens its own transaction
(``with conn.transaction():``), and nests (as a savepoint) inside a caller's, so the web
callback can consume an invite and store the grant in one transaction.

:func:`migrate` is idempotent and safe to run from several processes at once (a transaction-level
advisory lock serialises it): it creates schema ``study``, applies ``schema/NNN_*.sql`` not yet
recorded in ``study.migrations``, and installs procrastinate's schema (the job queue) when absent.
"""

from __future__ import annotations

import os
from importlib import resources

import psycopg
from psycopg.rows import DictRow, dict_row

from fitvault.errors import ConfigError

ENV_URL = "FITVAULT_DATABASE_URL"
#: A study connection: rows are dicts.
Conn = psycopg.Connection[DictRow]
# pg_advisory_xact_lock key of the migration (any constant bigint; "fvstudy1" in ASCII).
_MIGRATE_LOCK = 0x6676_7374_7564_7931 - (1 << 63)


def database_url(explicit: str | None = None) -> str:
    """``explicit`` (the ``--db`` option), else ``$FITVAULT_DATABASE_URL``; ConfigError if neither."""
    url = explicit or os.environ.get(ENV_URL)
    if not url:
        raise ConfigError(
            "no study database: pass --db postgresql://USER@HOST/DB or set FITVAULT_DATABASE_URL "
            "(`fitvault study up` starts a private PostgreSQL under the study folder when neither is given)"
        )
    if not url.startswith(("postgresql://", "postgres://")):
        raise ConfigError("the study database URL must start with postgresql:// (e.g. postgresql://study@localhost/study)")
    return url


def connect(url: str) -> Conn:
    """A psycopg 3 connection (dict rows, autocommit); ConfigError saying what to check when it fails.
    The error never shows the URL, which may carry a password."""
    try:
        return psycopg.Connection.connect(url, row_factory=dict_row, autocommit=True)
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(
            f"cannot connect to the study database ({_scrub(first, url)}); check that PostgreSQL is running "
            "and the URL (--db or FITVAULT_DATABASE_URL) is right"
        ) from None


def _scrub(text: str, url: str) -> str:
    """``text`` without the URL's password, should the driver echo it."""
    password = psycopg.conninfo.conninfo_to_dict(url).get("password")
    return text.replace(str(password), "…(masked)") if password else text


def migration_files() -> list[tuple[int, str, str]]:
    """(version, name, SQL) of every ``schema/NNN_name.sql``, in order."""
    out = []
    for entry in resources.files("fitvault.study").joinpath("schema").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:3].isdigit():
            out.append((int(name[:3]), name, entry.read_text(encoding="utf-8")))
    return sorted(out)


def migrate(conn: Conn) -> None:
    """Bring the database to the current schema (study tables and procrastinate's); idempotent."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATE_LOCK,))
        conn.execute("CREATE SCHEMA IF NOT EXISTS study")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS study.migrations (version integer PRIMARY KEY, name text NOT NULL, "
            "applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row["version"] for row in conn.execute("SELECT version FROM study.migrations")}
        for version, name, sql in migration_files():
            if version in done:
                continue
            conn.execute(sql.encode())
            conn.execute("INSERT INTO study.migrations (version, name) VALUES (%s, %s)", (version, name))
        row = conn.execute("SELECT to_regclass('public.procrastinate_jobs') AS t").fetchone()
        if row is None or row["t"] is None:
            from procrastinate.schema import SchemaManager

            conn.execute(SchemaManager.get_schema().encode())


def schema_version(conn: Conn) -> int | None:
    """The highest applied study migration; None when the database was never initialised."""
    row = conn.execute("SELECT to_regclass('study.migrations') AS t").fetchone()
    if row is None or row["t"] is None:
        return None
    found = conn.execute("SELECT max(version) AS v FROM study.migrations").fetchone()
    return found["v"] if found else None


def require_schema(conn: Conn) -> None:
    """ConfigError unless :func:`migrate` ran on this database."""
    if schema_version(conn) is None:
        raise ConfigError("the study database is not initialised: run `fitvault study init` first")
