"""The append-only audit log (``study.audit``): every staff action, consent, export, withdrawal
and grant change, with who did it. A trigger refuses UPDATE, DELETE and TRUNCATE on the table.

``detail`` must never hold a secret: :func:`record` refuses keys that name one.
"""

from __future__ import annotations

import getpass
import os
import socket

from psycopg.types.json import Jsonb

from fitvault.study.db import Conn

_SECRET_WORDS = ("token", "secret", "password", "key")


def staff_actor() -> str:
    """The actor of a command-line action: ``cli:<user>@<host>``."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return f"cli:{user}@{socket.gethostname()}"


def record(conn: Conn, actor: str, action: str, participant_id: str | None = None,
           detail: dict | None = None) -> None:
    """Append one entry. ValueError when ``detail`` has a key that names a secret."""
    detail = detail or {}
    bad = [k for k in detail if any(word in k.lower() for word in _SECRET_WORDS)]
    if bad:
        raise ValueError(f"audit detail must not carry secrets (keys {bad})")
    conn.execute(
        "INSERT INTO study.audit (actor, action, participant_id, detail) VALUES (%s, %s, %s, %s)",
        (actor, action, participant_id, Jsonb(detail)),
    )


def entries(conn: Conn, participant_id: str | None = None) -> list[dict]:
    """The log in order (of one participant when given): id, at, actor, action, participant_id, detail."""
    sql = "SELECT id, at, actor, action, participant_id, detail FROM study.audit"
    if participant_id is not None:
        return conn.execute(sql + " WHERE participant_id = %s ORDER BY id", (participant_id,)).fetchall()
    return conn.execute(sql + " ORDER BY id").fetchall()
