"""Simulator vaults for the study data tests, and the ground truth of wear read from the
simulated person's *minute plan* (what the body was doing each minute), not from any vault."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from pathlib import Path

from fitvault.sources.google import sync
from fitvault.store.vault import Vault
from fitvault.sync import SyncOptions
from support.sim import sim_client, store_sim_token

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def synced_vault(sim, vault_dir: Path, since: date, types: tuple[str, ...] = ("heart-rate",), person: int = 0) -> Path:
    """A vault of simulated ``person`` synced from ``since`` up to the simulator's now (heart rate
    and paired devices by default)."""
    store_sim_token(sim, vault_dir, person=person)
    with Vault(vault_dir) as v, sim_client(sim, vault_dir) as client:
        report = sync(v, client, SyncOptions(since=since, types=list(types)), now_ms=sim.clock.now_ms())
    assert report.incomplete == []
    return vault_dir


def worn_minutes_by_local_day(person, start: datetime, end: datetime) -> dict[date, int]:
    """Minutes in [start, end) in which the person wore a device (plan state not OFF), by the
    local date of the minute (its instant plus the offset in force). The simulator draws
    heart-rate samples only while worn, at least one a minute; this is the wear-time truth."""
    from fitvault_simulator.person.activity import OFF

    lo, hi = int(start.timestamp()), int(end.timestamp())
    out: Counter[date] = Counter()
    for day in range(lo // 86_400, (hi - 1) // 86_400 + 1):
        plan = person.minute_plan(day)
        for m in range(1440):
            t = day * 86_400 + 60 * m
            if lo <= t < hi and plan.state[m] != OFF:
                out[date.fromordinal(_EPOCH_ORDINAL + (t + plan.offsets[m]) // 86_400)] += 1
    return dict(sorted(out.items()))


def battery_reason(level: int | None, status: str | None) -> list[str]:
    """The contact reason a device's battery gives, written out independently of compliance.py."""
    low = (level is not None and 0 < level <= 20) or (status or "").lower() in ("low", "empty", "critical")
    return [f"low battery ({level} %)" if level else "low battery"] if low else []
