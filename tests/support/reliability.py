"""Shared by the reliability suites (tests/reliability/test_reliability_*.py): a small simulated world, the
exact comparison of a whole vault with the simulator's ground truth, the "no gap above a cursor"
invariant, SIGKILL helpers, and the soak switch.

Soak: ``FITVAULT_SOAK_SEEDS=200 pytest tests/reliability/test_reliability_faults.py
tests/reliability/test_reliability_crash.py``
runs every seeded test with 200 seeds instead of its CI default (see docs/reliability.md).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from fitvault import timeutil
from fitvault.auth.tokens import TokenStore
from fitvault.config import VaultPaths
from fitvault.datatypes.tables import TABLES_BY_NAME
from fitvault.store import sample_blocks
from fitvault.store.vault import Vault
from support.heart_rows import heart_rate_sql
from support.races import wait_for_requests
from support.truth import NEW_TABLES, assert_vault_equals_truth, canonical, truth_rows, vault_rows

# A small world (a `--since 2026-10-21` run at 2026-10-23 00:00 UTC: 2.4 days of instants) in
# which every table has rows (a GPS run with its route on 10-22, weight, body fat, VO2 max, a
# swim, an ECG, an IRN alert, a cold ...) except height (measured about once a month) and the
# cycle types. Its size, not the request count, sets a run's time.
WORLD_NOW = datetime(2026, 10, 23, 0, 0, tzinfo=timezone.utc)
WORLD_SINCE = date(2026, 10, 21)
EMPTY_IN_WORLD = {"height", "menstrual_periods", "ovulation_tests"}  # the person is a man (simulator/person/logs.py)
HOUR_MS = 3_600_000


def run_now_ms(sim) -> int:
    """The "now" to give runs that are interrupted and resumed by plain incremental runs: a month
    after the simulator's clock, as a real `fitvault sync` long after the world's last data does.
    (Given the simulator's own now, a resumed run's overlap would reach back before ``--since``.)"""
    return sim.clock.now_ms() + 30 * 86_400_000


def soak_seeds(default: int) -> list[int]:
    """Seeds for a seeded test: ``default`` in CI, ``$FITVAULT_SOAK_SEEDS`` when set."""
    n = int(os.environ.get("FITVAULT_SOAK_SEEDS") or default)
    return list(range(1, n + 1))


def world(**config):
    """A simulator of the 4.5-day world (not started). Heart rate at the lighter 1-15 s spacing
    unless asked (``heart_rate_interval_s=2``): these suites run dozens of syncs and test faults,
    not density; the live 2-s density is exercised by test_sync_integration and test_api_edges."""
    from fitvault_simulator import Simulator, SimulatorConfig

    config.setdefault("heart_rate_interval_s", 0)
    return Simulator(SimulatorConfig(seed=7, now=WORLD_NOW, **config))


def shared_world():
    """A started :func:`world` for a whole test module: many runs within a minute, so its own
    per-user quota is lifted (429s in these tests are injected ones)."""
    with world(quota_per_window=1_000_000) as s:
        yield s


def fresh(sim):
    """The module's simulator for one test (its synthetic person's caches are reused); what a
    test may change (faults, latency, Retry-After, the request log) is reset after it."""
    yield sim
    sim.faults.clear()
    sim.reset_requests()
    sim.config.latency_s = 0.0
    sim.config.retry_after_on_429 = True


# -- exact comparison with the ground truth ------------------------------------------------------
def _window(table: str, since: date, now_ms: int):
    layout = TABLES_BY_NAME[table].layout if table in TABLES_BY_NAME else "child"
    if layout in ("daily", "rollup"):
        return since, timeutil.from_ms(now_ms).date() + timedelta(days=2)
    if layout in ("sample", "interval"):  # the whole instant window of a `--since` run
        return timeutil.utc_midnight_ms(since) - 14 * HOUR_MS, now_ms + 1
    # sessions and their parts are selected by civil dates: whole days inside the run's window
    return timeutil.utc_midnight_ms(since + timedelta(days=1)), now_ms


def mismatched_tables(v: Vault, person, since: date, now_ms: int) -> list[str]:
    """Tables (beyond the first four) whose rows differ from the ground truth, or are empty."""
    bad = []
    as_of = timeutil.from_ms(now_ms)
    for table in NEW_TABLES:
        lo, hi = _window(table, since, now_ms)
        got, want = vault_rows(v, table, lo, hi), truth_rows(person, table, lo, hi, as_of)
        if canonical(got) != canonical(want):
            bad.append(f"{table}: {len(got)} rows stored, {len(want)} in the ground truth")
        elif not got and table not in EMPTY_IN_WORLD:
            bad.append(f"{table}: empty (the comparison would prove nothing)")
    return bad


def assert_exact(v: Vault, person, since: date, now_ms: int, *, quarantined: int = 0) -> None:
    """Every table equals the ground truth, nothing is left to do, nothing is damaged."""
    assert_vault_equals_truth(v, person, now_ms, since)
    assert mismatched_tables(v, person, since, now_ms) == []
    assert v.conn.execute("SELECT count(*) FROM sync_jobs").fetchone() == (0,)
    assert v.quarantine_count() == quarantined
    assert_sound(v)


def assert_sound(v: Vault) -> None:
    """SQLite's own checks pass on both files."""
    assert v.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert v.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert v.raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


# -- the cursor invariant ---------------------------------------------------------------------
def _stored_times(v: Vault, table: str, column: str, lo: int, hi: int) -> list[int]:
    if table == "heart_rate":  # day blocks: the samples themselves
        return sample_blocks.read(v.conn, lo, hi)["time_ms"].tolist()
    return [r[0] for r in v.conn.execute(
        f"SELECT {column} FROM {table} WHERE {column} >= ? AND {column} < ? ORDER BY 1", (lo, hi))]


def cursor_gaps(v: Vault, person, as_of_ms: int) -> list[str]:
    """For every open window of heart rate and steps (instant streams walked newest-first):
    records in [resume_upper, upper) that the ground truth has and the vault lacks. A cursor
    that moved past unfetched data shows here; a correct one never does."""
    gaps = []
    as_of = timeutil.from_ms(as_of_ms)
    for stream, table, column, truth in (
        ("heart-rate", "heart_rate", "time_ms", lambda a, b: [r[0] for r in person.heart_rate(a, b, as_of=as_of)]),
        ("steps", "steps", "start_ms", lambda a, b: [r[0] for r in person.steps(a, b, as_of=as_of)]),
    ):
        for _lower, upper, resume in v.conn.execute(
            "SELECT lower, upper, resume_upper FROM sync_jobs WHERE stream = ? AND done = 0", (stream,)
        ).fetchall():
            lo = timeutil.parse_instant_ms(resume)
            hi = min(timeutil.parse_instant_ms(upper), as_of_ms + 1)
            if lo >= hi:
                continue
            want = truth(timeutil.from_ms(lo), timeutil.from_ms(hi))
            missing = sorted(set(want) - set(_stored_times(v, table, column, lo, hi)))
            if missing:
                gaps.append(f"{stream}: {len(missing)} records above the cursor {resume} are missing "
                            f"(first {timeutil.format_instant(missing[0])})")
    return gaps


def foreign_rows(v: Vault, person, as_of_ms: int) -> list[str]:
    """Heart-rate samples and step minutes stored that the ground truth does not have (a
    duplicate with another value, a garbled time ...)."""
    out = []
    as_of = timeutil.from_ms(as_of_ms)
    lo, hi = heart_rate_sql(v.conn, "SELECT min(time_ms), max(time_ms) FROM heart_rate").fetchone()
    if lo is not None:
        truth = {(t, o, b) for t, o, b, _d in person.heart_rate(timeutil.from_ms(lo), timeutil.from_ms(hi + 1), as_of=as_of)}
        stored = set(heart_rate_sql(v.conn, "SELECT time_ms, utc_offset_s, bpm FROM heart_rate").fetchall())
        if stored - truth:
            out.append(f"heart_rate: {len(stored - truth)} rows not in the ground truth")
    return out


# -- tokens and processes ---------------------------------------------------------------------
def assert_token_file_sound(vault_dir: Path) -> None:
    """The token file parses and is readable by its owner only."""
    path = VaultPaths(Path(vault_dir)).google_token
    assert TokenStore(path).load() is not None
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def data_requests(sim) -> int:
    return sum(1 for r in sim.requests if r.data_type)


def kill_after(proc: subprocess.Popen, sim, requests: int, extra_delay_s: float, timeout_s: float = 60) -> bool:
    """SIGKILL ``proc`` once the simulator has served ``requests`` data requests (plus a delay,
    so the kill lands anywhere in parsing, archiving or committing). False if it ended first."""
    wait_for_requests(sim, lambda: data_requests(sim) >= requests, proc, timeout_s)
    if extra_delay_s:
        time.sleep(extra_delay_s)  # not a synchronisation: where after that request the kill lands
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return True


def file_digest(path: Path) -> bytes:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).digest()


def sqlite_ok(path: Path) -> bool:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
