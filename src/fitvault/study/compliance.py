"""Compliance: the one definition of wear time, valid days and who to contact today.

Everything here is computed from one participant's vault (opened read-only) within the
participant's study window; ``docs/study.md#compliance`` restates it for researchers.

**Wear minute.** A minute (an instant minute, ``floor(time_ms / 60 000)``) with at least one
heart-rate sample from any source. It belongs to the *local* day of the sample's own instant
plus the UTC offset stored with it, never to the host's zone. Offsets are whole quarter hours,
so instant minutes and wall-clock minutes coincide; on a fall-back day a local day has 1,500
minutes and can reach 25 wear hours, on a spring-forward day 23 (HeartSteps' adherence export
counts "minutes Fitbit worn = minutes with non-zero heart rate" the same way: kpwhri/heartsteps
issue 49).

**Valid day.** A local day of the window with wear ≥ ``valid_day_hours`` (the study's
setting, default 10 h, as ``stepcount --exclude-wear-below 10h``). A day is only judged once it
is *settled*: it has ended in the participant's local time (the offset of their last sample)
and the device has synced after it ended (without paired-device information: a sample after
its end). Until then it is ``pending``: data may still come. A local day lasts as long as the
clock says: 23 or 25 h at DST changes, less or more on a day of travel across time zones.

**Last device sync and battery.** From the vault's ``devices`` table (Google's
``pairedDevices``: ``lastSyncTime``, ``batteryStatus``, ``batteryLevel``) of the device that
synced last. **Last data** is the instant of the newest heart-rate sample; **lag** is
``as_of − last data``.

**Contact today** (:func:`contact_reasons`), each rule a constant below: no device sync for
:data:`NO_SYNC_DAYS` days or more (or no device seen at all); battery level ≤
:data:`LOW_BATTERY_PCT` % or a ``Low``/``Empty``/``Critical`` battery status; a grant that
needs re-consent or, in Testing mode, expires within :data:`EXPIRY_WARNING_DAYS` days; low wear:
the mean wear of the last :data:`LOW_WEAR_DAYS` settled days below ``valid_day_hours``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Mapping

import numpy as np

from fitvault import timeutil
from fitvault.errors import StoreError
from fitvault.store import sample_blocks
from fitvault.store.readonly import open_read_only

DEFAULT_VALID_DAY_HOURS = 10.0
NO_SYNC_DAYS = 3
LOW_BATTERY_PCT = 20
# batteryStatus values are believed, not seen in a live Google Health payload: the simulator
# and the legacy Fitbit API give High / Medium / Low / Empty; "critical" is a guess kept harmless.
LOW_BATTERY_STATUSES = frozenset({"low", "empty", "critical"})
EXPIRY_WARNING_DAYS = 2
LOW_WEAR_DAYS = 3
#: Settled days read again from the vault at each computation (a late upload, a re-sync).
RECHECK_DAYS = 2

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MINUTE_MS = 60_000


@dataclass(frozen=True)
class DayWear:
    """One local day of the window: wear minutes and its verdict (``valid`` | ``invalid`` | ``pending``)."""

    date: date
    wear_minutes: int
    status: str

    @property
    def wear_hours(self) -> float:
        return self.wear_minutes / 60


@dataclass
class Compliance:
    """A participant's compliance as of an instant (see the module docstring for each field)."""

    participant_id: str
    window_start: date
    window_end: date | None
    as_of: datetime
    valid_day_hours: float
    days: list[DayWear] = field(default_factory=list)
    last_data: datetime | None = None
    last_device_sync: datetime | None = None
    device: str | None = None
    battery_status: str | None = None
    battery_level: int | None = None

    @property
    def settled(self) -> list[DayWear]:
        return [d for d in self.days if d.status != "pending"]

    @property
    def valid_days(self) -> int:
        return sum(d.status == "valid" for d in self.days)

    @property
    def settled_days(self) -> int:
        return len(self.settled)

    @property
    def wear_hours(self) -> float:
        """Wear hours summed over every day of the window so far."""
        return sum(d.wear_minutes for d in self.days) / 60

    @property
    def mean_wear_hours(self) -> float | None:
        """Mean wear per settled day (None before the first settled day)."""
        settled = self.settled
        return sum(d.wear_minutes for d in settled) / 60 / len(settled) if settled else None

    @property
    def lag(self) -> timedelta | None:
        return None if self.last_data is None else self.as_of - self.last_data

    def recent_wear_hours(self, days: int = LOW_WEAR_DAYS) -> float | None:
        """Mean wear of the last ``days`` settled days (None when none is settled)."""
        recent = self.settled[-days:]
        return sum(d.wear_minutes for d in recent) / 60 / len(recent) if recent else None

    def to_dict(self) -> dict:
        """A JSON-ready summary (dates ISO, durations in seconds, wear in hours)."""
        lag = self.lag
        return {
            "participant_id": self.participant_id,
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat() if self.window_end else None,
            "as_of": _iso(self.as_of),
            "last_device_sync": _iso(self.last_device_sync),
            "device": self.device,
            "battery_status": self.battery_status,
            "battery_level": self.battery_level,
            "last_data": _iso(self.last_data),
            "lag_s": None if lag is None else int(lag.total_seconds()),
            "wear_hours": round(self.wear_hours, 2),
            "mean_wear_hours": None if self.mean_wear_hours is None else round(self.mean_wear_hours, 2),
            "valid_days": self.valid_days,
            "settled_days": self.settled_days,
            "valid_day_hours": self.valid_day_hours,
            "days": [{"date": d.date.isoformat(), "wear_minutes": d.wear_minutes, "status": d.status} for d in self.days],
        }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else timeutil.format_instant(timeutil.to_ms(value))


def wear_minutes_by_day(conn: sqlite3.Connection, first: date, last: date) -> tuple[dict[date, int], tuple[int, int] | None]:
    """Wear minutes per local day ``first`` .. ``last`` (inclusive), and (instant ms, offset s)
    of the newest heart-rate sample in the vault (None when it has none)."""
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if sample_blocks.TABLE not in present:
        return {}, None
    newest = conn.execute(
        f"SELECT last_ms FROM {sample_blocks.TABLE} ORDER BY last_ms DESC LIMIT 1").fetchone()
    lo, hi = timeutil.instant_span(*timeutil.local_days(first, last))
    first_day, last_day = first.toordinal() - _EPOCH_ORDINAL, last.toordinal() - _EPOCH_ORDINAL
    counts: dict[int, int] = {}
    for chunk in sample_blocks.read_chunks(conn, lo, hi, chunk_rows=2_000_000):
        t, off = chunk["time_ms"], chunk["utc_offset_s"]
        if not len(t):
            continue
        # Samples come in time order and a chunk ends on a UTC day, so a worn minute is where the
        # minute number changes, however many samples or sources it has; its local day is its
        # first sample's (offsets change on whole minutes).
        minute = t // _MINUTE_MS
        starts = np.flatnonzero(np.r_[True, minute[1:] != minute[:-1]])
        day = (t[starts] // 1000 + off[starts]) // 86_400
        day = day[(day >= first_day) & (day <= last_day)]
        if len(day):
            base = int(day.min())
            for d, c in enumerate(np.bincount(day - base).tolist()):
                if c:  # a local day may span two chunks (two UTC days)
                    counts[base + d] = counts.get(base + d, 0) + c
    by_date = {date.fromordinal(d + _EPOCH_ORDINAL): c for d, c in sorted(counts.items())}
    last_sample = None
    if newest is not None and newest[0] is not None:
        tail = sample_blocks.read(conn, newest[0], newest[0] + 1)
        last_sample = (int(tail["time_ms"][-1]), int(tail["utc_offset_s"][-1]))
    return by_date, last_sample


def latest_device(conn: sqlite3.Connection) -> dict | None:
    """The paired device that synced last: ``device``, ``last_sync`` (aware UTC), battery."""
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "devices" not in present:
        return None
    row = conn.execute(
        "SELECT device_version, battery_status, battery_level, last_sync_time FROM devices "
        "WHERE last_sync_time IS NOT NULL ORDER BY last_sync_time DESC LIMIT 1").fetchone()
    if row is None:
        return None
    return {"device": row[0], "battery_status": row[1], "battery_level": row[2],
            "last_sync": timeutil.from_ms(timeutil.parse_instant_ms(row[3]))}


def _day_status(day: date, offset_s: int, as_of_ms: int, synced_ms: int | None, minutes: int, threshold_min: float) -> str:
    """``pending`` until the local day has ended and the device has synced after its end."""
    end_ms = timeutil.day_wall_ms(day + timedelta(days=1)) - offset_s * 1000
    if as_of_ms < end_ms or synced_ms is None or synced_ms < end_ms:
        return "pending"
    return "valid" if minutes >= threshold_min else "invalid"


def vault_compliance(
    vault_dir: Path | str, participant_id: str, window_start: date, window_end: date | None, *,
    as_of: datetime, valid_day_hours: float = DEFAULT_VALID_DAY_HOURS, known: Mapping[date, int] | None = None,
) -> Compliance:
    """The participant's compliance from their vault: one :class:`DayWear` per local day of the
    window up to the local date of ``as_of`` (in the participant's last known offset).

    Args:
        known: wear minutes of days settled at an earlier computation (``study.compliance_days``):
            only the days from :data:`RECHECK_DAYS` before the last of them on are read from the
            vault again, so a year-long window costs a few days of reading.

    Raises:
        StoreError: no vault there, or it cannot be read.
    """
    result = Compliance(participant_id, window_start, window_end, as_of, valid_day_hours)
    as_of_ms = timeutil.to_ms(as_of)
    conn = open_read_only(vault_dir)
    try:
        conn.execute("BEGIN")
        device = latest_device(conn)
        today = timeutil.local_date(as_of_ms, 0)
        last = min(window_end, today + timedelta(days=1)) if window_end else today + timedelta(days=1)
        first = max(window_start, max(known) - timedelta(days=RECHECK_DAYS)) if known else window_start
        minutes, newest = wear_minutes_by_day(conn, first, last) if last >= first else ({}, None)
        if known:
            minutes = {**{d: n for d, n in known.items() if window_start <= d < first}, **minutes}
    except sqlite3.Error as exc:
        raise StoreError(f"cannot read the vault of {participant_id}: {exc}") from exc
    finally:
        conn.close()
    offset = newest[1] if newest else 0
    if newest:
        result.last_data = timeutil.from_ms(newest[0])
    if device:
        result.last_device_sync = device["last_sync"]
        result.device, result.battery_status, result.battery_level = (
            device["device"], device["battery_status"], device["battery_level"])
    # Without paired-device information (the settings scope unticked, an imported archive), data
    # after a day's end is the evidence that the day has been uploaded.
    synced_ms = timeutil.to_ms(result.last_device_sync) if result.last_device_sync else newest[0] if newest else None
    local_today = timeutil.local_date(as_of_ms, offset)
    end = min(window_end, local_today) if window_end else local_today
    threshold = valid_day_hours * 60
    day = window_start
    while day <= end:
        n = minutes.get(day, 0)
        result.days.append(DayWear(day, n, _day_status(day, offset, as_of_ms, synced_ms, n, threshold)))
        day += timedelta(days=1)
    return result


def token_state(state: str, refresh_expires_at: datetime | None, as_of: datetime) -> str:
    """``valid``, ``needs re-consent``, ``expiring`` (Testing mode, within
    :data:`EXPIRY_WARNING_DAYS` days), ``expired``, or ``none`` (never enrolled / withdrawn)."""
    if state == "needs_reconsent":
        return "needs re-consent"
    if state != "active":
        return "none"
    if refresh_expires_at is not None:
        if refresh_expires_at <= as_of:
            return "expired"
        if refresh_expires_at - as_of <= timedelta(days=EXPIRY_WARNING_DAYS):
            return "expiring"
    return "valid"


def contact_reasons(c: Compliance, grant: str) -> list[str]:
    """Why to contact this participant today (empty: no need), in a fixed order; ``grant`` is
    :func:`token_state`'s answer."""
    reasons = []
    if c.last_device_sync is None:
        reasons.append("no device sync seen")
    elif c.as_of - c.last_device_sync >= timedelta(days=NO_SYNC_DAYS):
        reasons.append(f"no device sync for {(c.as_of - c.last_device_sync).days} days")
    status = (c.battery_status or "").strip().lower()
    if c.battery_level is not None and 0 < c.battery_level <= LOW_BATTERY_PCT or status in LOW_BATTERY_STATUSES:
        level = f" ({c.battery_level} %)" if c.battery_level else ""
        reasons.append(f"low battery{level}")
    if grant in ("needs re-consent", "expired"):
        reasons.append("grant invalid: needs re-consent")
    elif grant == "expiring":
        reasons.append("grant expiring (Testing mode): re-consent")
    recent = c.recent_wear_hours()
    if recent is not None and recent < c.valid_day_hours:
        reasons.append(f"low wear ({recent:.1f} h/day over the last {min(LOW_WEAR_DAYS, c.settled_days)} days)")
    return reasons

