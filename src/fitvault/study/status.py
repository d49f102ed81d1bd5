"""``fitvault study status``: per participant, the roster (window, state, grant) joined with the
compliance of their vault (:mod:`fitvault.study.compliance`) and why to contact them today.

The roster and the grants' expiry come from PostgreSQL; device sync, battery, last data, wear
and valid days from each participant's vault (opened read-only, so status runs while workers
sync). A participant without a vault yet (enrolled, never synced) has no days and no device.
What was computed is also written to PostgreSQL (``study.compliance_days``, ``study.compliance``)
for SQL users and dashboards that do not reach the vaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Mapping

from fitvault.study.compliance import (
    DEFAULT_VALID_DAY_HOURS,
    Compliance,
    contact_reasons,
    token_state,
    vault_compliance,
)
from fitvault.study.db import Conn
from fitvault.study.roster import Participant, get_participant, list_participants
from fitvault.study.vaults import VaultLocator

#: States whose participants are followed up (an ended window or a withdrawal ends that).
FOLLOWED = ("active", "needs_reconsent")


@dataclass
class ParticipantStatus:
    """One row of ``study status``."""

    participant: Participant
    grant: str  # compliance.token_state
    grant_expires_at: datetime | None
    compliance: Compliance
    contact: list[str] = field(default_factory=list)

    @property
    def participant_id(self) -> str:
        return self.participant.participant_id

    def to_dict(self) -> dict:
        """JSON-ready: the compliance summary with the roster's state and the grant's."""
        p = self.participant
        out = self.compliance.to_dict()
        out.update(
            state=p.state, grant=self.grant,
            grant_expires_at=self.grant_expires_at.isoformat() if self.grant_expires_at else None,
            last_sync_at=p.last_sync_at.isoformat() if p.last_sync_at else None,
            last_sync_status=p.last_sync_status, contact=self.contact,
        )
        return out


def grant_expiries(conn: Conn) -> dict[str, datetime | None]:
    """When each stored grant's refresh token dies (Testing mode only; None: no fixed expiry)."""
    return {r["participant_id"]: r["refresh_expires_at"]
            for r in conn.execute("SELECT participant_id, refresh_expires_at FROM study.grants")}


def followed_today(p: Participant, today: date) -> bool:
    """Enrolled, not withdrawn, and inside the study window."""
    return p.state in FOLLOWED and p.window_start <= today and (p.window_end is None or today <= p.window_end)


def participant_status(p: Participant, vaults: VaultLocator, expires: datetime | None, *, as_of: datetime,
                       valid_day_hours: float = DEFAULT_VALID_DAY_HOURS,
                       known: Mapping[date, int] | None = None) -> ParticipantStatus:
    vault = vaults.vault_dir(p.participant_id)
    if (vault / "vault.sqlite").is_file():
        c = vault_compliance(vault, p.participant_id, p.window_start, p.window_end, as_of=as_of,
                             valid_day_hours=valid_day_hours, known=known)
    else:
        c = Compliance(p.participant_id, p.window_start, p.window_end, as_of, valid_day_hours)
    grant = token_state(p.state, expires, as_of)
    status = ParticipantStatus(p, grant, expires, c)
    if followed_today(p, as_of.date()):
        status.contact = contact_reasons(c, grant)
    return status


def settled_days(conn: Conn, pid: str | None = None) -> dict[str, dict[date, int]]:
    """Wear minutes of the days stored as settled, per participant (what the next computation
    reuses); of one participant when ``pid`` is given."""
    out: dict[str, dict[date, int]] = {}
    sql = "SELECT participant_id, date, wear_minutes FROM study.compliance_days WHERE status <> 'pending'"
    for r in conn.execute(sql + (" AND participant_id = %s" if pid else ""), (pid,) if pid else ()):
        out.setdefault(r["participant_id"], {})[r["date"]] = r["wear_minutes"]
    return out


def study_status(conn: Conn, vaults: VaultLocator, *, as_of: datetime,
                 valid_day_hours: float = DEFAULT_VALID_DAY_HOURS, store: bool = True,
                 full: bool = False) -> list[ParticipantStatus]:
    """Every participant's status, in participant id order; with ``store`` also written to the
    compliance tables (:func:`store_compliance`). Days stored as settled are reused (only the
    last few are read again) unless ``full``."""
    expiries = grant_expiries(conn)
    known = {} if full else settled_days(conn)
    statuses = [participant_status(p, vaults, expiries.get(p.participant_id), as_of=as_of,
                                   valid_day_hours=valid_day_hours, known=known.get(p.participant_id))
                for p in list_participants(conn)]
    if store:
        store_compliance(conn, statuses)
    return statuses


def refresh_participant(conn: Conn, vaults: VaultLocator, pid: str, *, as_of: datetime,
                        valid_day_hours: float = DEFAULT_VALID_DAY_HOURS) -> ParticipantStatus:
    """Recompute and store one participant's compliance (after their sync, for instance)."""
    status = participant_status(get_participant(conn, pid), vaults, grant_expiries(conn).get(pid), as_of=as_of,
                                valid_day_hours=valid_day_hours, known=settled_days(conn, pid).get(pid))
    store_compliance(conn, [status])
    return status


def store_compliance(conn: Conn, statuses: list[ParticipantStatus]) -> None:
    """Replace the participants' rows of ``study.compliance_days`` and ``study.compliance`` (one
    transaction), so SQL users see what ``study status`` saw."""
    with conn.transaction():
        for s in statuses:
            c, pid = s.compliance, s.participant_id
            conn.execute("DELETE FROM study.compliance_days WHERE participant_id = %s", (pid,))
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO study.compliance_days (participant_id, date, wear_minutes, status, valid_day_hours) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    [(pid, d.date, d.wear_minutes, d.status, c.valid_day_hours) for d in c.days])
            conn.execute(
                "INSERT INTO study.compliance (participant_id, as_of, grant_state, last_device_sync, device, "
                "battery_status, battery_level, last_data, wear_hours, valid_days, settled_days, contact) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (participant_id) DO UPDATE SET "
                "as_of = excluded.as_of, grant_state = excluded.grant_state, "
                "last_device_sync = excluded.last_device_sync, device = excluded.device, "
                "battery_status = excluded.battery_status, battery_level = excluded.battery_level, "
                "last_data = excluded.last_data, wear_hours = excluded.wear_hours, valid_days = excluded.valid_days, "
                "settled_days = excluded.settled_days, contact = excluded.contact, computed_at = now()",
                (pid, c.as_of, s.grant, c.last_device_sync, c.device, c.battery_status, c.battery_level, c.last_data,
                 c.wear_hours, c.valid_days, c.settled_days, s.contact))
