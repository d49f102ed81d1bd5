"""PostgreSQL for the study tests: one throwaway cluster per test session, a fresh database per test.

``$FITVAULT_TEST_DATABASE_URL`` (a server where we may CREATE DATABASE) is used when set; else the
fixture starts a private cluster itself with the system's PostgreSQL (``fitvault.study.cluster``,
as the ``postgres`` user when we are root), so the tests run on a developer's machine too.
Without PostgreSQL the study tests skip, but fail when ``$CI`` is set (``.ci/run`` installs it).

Use the fixtures by name after ``from support.postgres import *`` in a test module:
``pg_admin_url`` (session), ``study_url`` (a fresh, migrated database, copied from the session's
``study_template``), ``study_conn`` (a connection to it).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

import pytest

__all__ = ["pg_admin_url", "study_conn", "study_template", "study_url", "fresh_database", "drop_database"]


def _need_postgres(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is needed for the study tests and CI is set: {why} (.ci/run installs it)")
    pytest.skip(f"PostgreSQL is not available: {why}")


@pytest.fixture(scope="session")
def pg_admin_url():
    """The URL of a server (database ``postgres``) on which each test gets its own database."""
    given = os.environ.get("FITVAULT_TEST_DATABASE_URL")
    if given:
        yield given
        return
    try:
        from fitvault.study.cluster import PrivateCluster, find_bin
    except ImportError as exc:  # the study extra is missing
        _need_postgres(f"pip install '.[study]' ({exc})")
        return
    if find_bin("initdb") is None:
        _need_postgres("no initdb on PATH or in /usr/lib/postgresql/*/bin")
    folder = Path(tempfile.mkdtemp(prefix="fitvault-pg-"))
    os.chmod(folder, 0o755)
    cluster = PrivateCluster(folder / "cluster", durable=False)
    try:
        url = cluster.start()
    except Exception as exc:  # noqa: BLE001 - any failure to start is reported the same way
        _need_postgres(str(exc))
        return
    try:
        yield url
    finally:
        cluster.stop("immediate")
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


def fresh_database(admin_url: str, template: str | None = None) -> str:
    """A new database on the server (empty, or a copy of ``template``); its URL."""
    import psycopg
    from psycopg import sql

    name = "t_" + secrets.token_hex(6)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if template is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        else:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))
    return admin_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def study_template(pg_admin_url):
    """A migrated database that each test's database is copied from (faster than migrating each)."""
    from fitvault.study import db

    url = fresh_database(pg_admin_url)
    with db.connect(url) as conn:
        db.migrate(conn)
    yield url.rsplit("/", 1)[1]
    drop_database(pg_admin_url, url)


def drop_database(admin_url: str, url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def study_url(pg_admin_url, study_template):
    """A fresh database with the study schema (and procrastinate's); dropped after the test."""
    url = fresh_database(pg_admin_url, study_template)
    yield url
    drop_database(pg_admin_url, url)


@pytest.fixture
def study_conn(study_url):
    from fitvault.study import db

    with db.connect(study_url) as conn:
        yield conn
