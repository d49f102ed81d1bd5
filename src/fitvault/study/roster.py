"""The roster: participants, their study windows, single-use invite links, consent, grants,
re-consent and withdrawal. Every change is audited (:mod:`.audit`) in the same transaction.

A participant moves through ``added`` → ``invited`` (a link was issued) → ``active`` (a grant is
stored) → ``needs_reconsent`` (the grant failed: ``invalid_grant``, Testing-mode expiry; a new
link is issued) → ``active`` again, and may be ``withdrawn`` from any state.

Invite links are ``<public_url>/i/<token>`` with 256 random bits; only ``sha256(token)`` is stored,
so a database copy cannot be turned back into working links. A link is single use and issuing a
new one revokes the participant's older unused links.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from psycopg.types.json import Jsonb

from fitvault.auth.tokens import Token
from fitvault.errors import ConfigError, FitvaultError
from fitvault.study import audit
from fitvault.study.crypto import GrantCipher
from fitvault.study.db import Conn
from fitvault.study.vaults import VaultLocator, check_participant_id

STATES = ("added", "invited", "active", "needs_reconsent", "withdrawn")
SYSTEM = "system"


class UnknownParticipant(FitvaultError):
    """No participant with that id in the study."""

    exit_code = 2


class InviteInvalid(FitvaultError):
    """The invite link is unknown, used, revoked, or its participant withdrew."""

    exit_code = 2


class DuplicateAccount(ConfigError):
    """The Google account of a new grant already holds the grant of another participant."""

    def __init__(self, pid: str, holder: str) -> None:
        super().__init__(f"the Google account used for {pid} is already enrolled as participant {holder} "
                         f"(state active or needing re-consent); nothing was stored for {pid}")
        self.pid, self.holder = pid, holder


#: The fingerprint purpose of a grant's account (GrantCipher.fingerprint of its Health user id).
ACCOUNT_PURPOSE = "health-user-id"
#: Participants whose grant holds their account: a second participant cannot enrol with it.
ACCOUNT_HOLDING_STATES = ("active", "needs_reconsent")


def account_holder(conn: Conn, account: str, pid: str) -> str | None:
    """The other participant whose grant is of the account ``account`` (a fingerprint), if any."""
    row = conn.execute(
        "SELECT g.participant_id FROM study.grants g JOIN study.participants p USING (participant_id) "
        "WHERE g.account_fingerprint = %s AND g.participant_id <> %s AND p.state = ANY(%s) "
        "ORDER BY g.participant_id LIMIT 1", (account, pid, list(ACCOUNT_HOLDING_STATES)),
    ).fetchone()
    return row["participant_id"] if row else None


@dataclass
class Participant:
    participant_id: str
    state: str
    window_start: date
    window_end: date | None = None
    consent_version: str | None = None
    consented_at: datetime | None = None
    granted_scopes: tuple[str, ...] = ()
    devices: list[dict] = field(default_factory=list)
    last_sync_at: datetime | None = None
    last_sync_status: str | None = None
    last_error: str | None = None

    @classmethod
    def from_row(cls, row: dict) -> Participant:
        return cls(
            participant_id=row["participant_id"], state=row["state"], window_start=row["window_start"],
            window_end=row["window_end"], consent_version=row["consent_version"], consented_at=row["consented_at"],
            granted_scopes=tuple(row["granted_scopes"] or ()), devices=list(row["devices"] or []),
            last_sync_at=row["last_sync_at"], last_sync_status=row["last_sync_status"], last_error=row["last_error"],
        )

    def to_json(self) -> dict:
        """A JSON-ready dict (dates and instants as ISO 8601)."""
        def iso(value):
            return value.isoformat() if value is not None else None

        return {
            "participant_id": self.participant_id, "state": self.state, "window_start": iso(self.window_start),
            "window_end": iso(self.window_end), "consent_version": self.consent_version,
            "consented_at": iso(self.consented_at), "granted_scopes": list(self.granted_scopes),
            "devices": self.devices, "last_sync_at": iso(self.last_sync_at),
            "last_sync_status": self.last_sync_status, "last_error": self.last_error,
        }


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_participant(conn: Conn, pid: str, window_start: date, window_end: date | None = None, *,
                    actor: str) -> Participant:
    """Add a participant with their study window (dates inclusive); ConfigError if the id exists."""
    check_participant_id(pid)
    if window_end is not None and window_end < window_start:
        raise ConfigError(f"{pid}: the window ends ({window_end}) before it starts ({window_start})")
    with conn.transaction():
        row = conn.execute(
            "INSERT INTO study.participants (participant_id, window_start, window_end) VALUES (%s, %s, %s) "
            "ON CONFLICT DO NOTHING RETURNING *", (pid, window_start, window_end),
        ).fetchone()
        if row is None:
            raise ConfigError(f"participant {pid} is already in the study")
        audit.record(conn, actor, "participant.add", pid, {"window_start": window_start.isoformat(),
                                                           "window_end": window_end.isoformat() if window_end else None})
    return Participant.from_row(row)


def get_participant(conn: Conn, pid: str) -> Participant:
    row = conn.execute("SELECT * FROM study.participants WHERE participant_id = %s", (pid,)).fetchone()
    if row is None:
        raise UnknownParticipant(f"no participant {pid!r} in this study (see `fitvault study status`)")
    return Participant.from_row(row)


def list_participants(conn: Conn) -> list[Participant]:
    rows = conn.execute("SELECT * FROM study.participants ORDER BY participant_id").fetchall()
    return [Participant.from_row(r) for r in rows]


def issue_invite(conn: Conn, pid: str, *, actor: str, public_url: str) -> str:
    """A new single-use link ``<public_url>/i/<token>``; the participant's older unused links are revoked."""
    token = secrets.token_urlsafe(32)
    with conn.transaction():
        participant = get_participant(conn, pid)
        if participant.state == "withdrawn":
            raise ConfigError(f"participant {pid} has withdrawn; no link is issued")
        conn.execute("UPDATE study.invites SET revoked_at = now() WHERE participant_id = %s AND used_at IS NULL "
                     "AND revoked_at IS NULL", (pid,))
        conn.execute("INSERT INTO study.invites (token_sha256, participant_id) VALUES (%s, %s)", (_hash(token), pid))
        if participant.state == "added":
            _set(conn, pid, state="invited")
        audit.record(conn, actor, "invite.issue", pid)
    return f"{public_url.rstrip('/')}/i/{token}"


def open_invite(conn: Conn, token: str) -> Participant:
    """The participant a link is for, without using it up; InviteInvalid when it cannot be used."""
    row = conn.execute(
        "SELECT i.used_at, i.revoked_at, p.* FROM study.invites i JOIN study.participants p USING (participant_id) "
        "WHERE i.token_sha256 = %s", (_hash(token),),
    ).fetchone()
    if row is None:
        raise InviteInvalid("this link is not known; ask the study team for a new one")
    if row["used_at"] is not None:
        raise InviteInvalid("this link was already used; ask the study team for a new one")
    if row["revoked_at"] is not None:
        raise InviteInvalid("this link was replaced by a newer one; use the latest link the study team sent")
    if row["state"] == "withdrawn":
        raise InviteInvalid("you have withdrawn from this study; the link no longer works")
    return Participant.from_row(row)


def consume_invite(conn: Conn, token: str) -> str:
    """Use the link up (single use; call it in the callback's transaction) and return its participant id."""
    with conn.transaction():
        participant = open_invite(conn, token)
        row = conn.execute(
            "UPDATE study.invites SET used_at = now() WHERE token_sha256 = %s AND used_at IS NULL "
            "AND revoked_at IS NULL RETURNING participant_id", (_hash(token),),
        ).fetchone()
        if row is None:  # used by a concurrent request between the check and the update
            raise InviteInvalid("this link was already used; ask the study team for a new one")
        audit.record(conn, "participant", "invite.use", participant.participant_id)
    return participant.participant_id


def record_consent(conn: Conn, pid: str, *, version: str, text_sha256: str) -> None:
    """The participant agreed to the consent text of ``version`` (its SHA-256 kept as evidence)."""
    with conn.transaction():
        get_participant(conn, pid)
        conn.execute(
            "UPDATE study.participants SET consent_version = %s, consent_text_sha256 = %s, consented_at = now(), "
            "updated_at = now() WHERE participant_id = %s", (version, text_sha256, pid),
        )
        audit.record(conn, "participant", "consent", pid, {"version": version, "text_sha256": text_sha256})


def store_grant(conn: Conn, cipher: GrantCipher, pid: str, token: Token, devices: list[dict], *,
                actor: str, health_user_id: str | None = None) -> None:
    """Store the participant's grant encrypted, with its scopes and paired devices; state → active.

    ``health_user_id`` (the account's, from users/me/identity) is kept as a keyed fingerprint;
    :class:`DuplicateAccount` when another participant's grant holds that account (nothing is
    stored; the caller audits the refusal, outside this transaction).
    """
    expires = datetime.fromtimestamp(token.refresh_token_expires_at, timezone.utc) if token.refresh_token_expires_at else None
    account = cipher.fingerprint(ACCOUNT_PURPOSE, health_user_id) if health_user_id else None
    with conn.transaction():
        participant = get_participant(conn, pid)
        if participant.state == "withdrawn":
            raise ConfigError(f"participant {pid} has withdrawn; no grant is stored")
        holder = account_holder(conn, account, pid) if account else None
        if holder:
            raise DuplicateAccount(pid, holder)
        conn.execute(
            "INSERT INTO study.grants (participant_id, token_enc, scopes, refresh_expires_at, account_fingerprint) "
            "VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (participant_id) DO UPDATE SET token_enc = excluded.token_enc, scopes = excluded.scopes, "
            "refresh_expires_at = excluded.refresh_expires_at, account_fingerprint = excluded.account_fingerprint, "
            "updated_at = now()",
            (pid, cipher.encrypt(token.to_json().encode()), list(token.scopes), expires, account),
        )
        _set(conn, pid, state="active", granted_scopes=list(token.scopes), devices=Jsonb(devices), last_error=None)
        audit.record(conn, actor, "grant.store", pid, {"scopes": list(token.scopes), "devices": len(devices),
                                                       "testing_mode": token.testing_mode,
                                                       "account_known": account is not None})


def mark_needs_reconsent(conn: Conn, pid: str, reason: str, *, public_url: str) -> str:
    """The grant no longer works: state → needs_reconsent, the old links revoked and a new one
    issued and returned (only its hash is kept: a caller that cannot deliver it leaves it to
    ``fitvault study invite --needs-reconsent``, which issues the link to send)."""
    with conn.transaction():
        _set(conn, pid, state="needs_reconsent", last_error=reason)
        audit.record(conn, SYSTEM, "grant.failed", pid, {"reason": reason[:500]})
        return issue_invite(conn, pid, actor=SYSTEM, public_url=public_url)


def withdraw(conn: Conn, pid: str, *, actor: str, delete_data: bool, vaults: VaultLocator) -> None:
    """Withdraw: the grant is deleted, links revoked, no more syncs; with ``delete_data`` the vault too.
    (Revoking the grant at Google is the caller's, before this: it needs the network.)"""
    with conn.transaction():
        get_participant(conn, pid)
        conn.execute("DELETE FROM study.grants WHERE participant_id = %s", (pid,))
        conn.execute("UPDATE study.invites SET revoked_at = now() WHERE participant_id = %s AND used_at IS NULL "
                     "AND revoked_at IS NULL", (pid,))
        _set(conn, pid, state="withdrawn")
        deleted = vaults.delete(pid) if delete_data else False
        audit.record(conn, actor, "participant.withdraw", pid, {"delete_data": delete_data, "vault_deleted": deleted})


def record_sync(conn: Conn, pid: str, *, status: str, error: str | None,
                devices: list[dict] | None = None) -> None:
    """The outcome of a participant's sync (and the paired devices it read)."""
    if devices is None:
        conn.execute("UPDATE study.participants SET last_sync_at = now(), last_sync_status = %s, last_error = %s, "
                     "updated_at = now() WHERE participant_id = %s", (status, error, pid))
    else:
        conn.execute("UPDATE study.participants SET last_sync_at = now(), last_sync_status = %s, last_error = %s, "
                     "devices = %s, updated_at = now() WHERE participant_id = %s", (status, error, Jsonb(devices), pid))


def _set(conn: Conn, pid: str, **values) -> None:
    assigns = ", ".join(f"{k} = %s" for k in values)
    conn.execute(f"UPDATE study.participants SET {assigns}, updated_at = now() WHERE participant_id = %s",
                 (*values.values(), pid))
