"""Helpers shared by the legacy Fitbit tests (this module holds no tests): a simulator on
loopback, a vault with a Fitbit token for it, a fast client, ground truth in the vault's shapes."""

from __future__ import annotations

import os
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from fitvault import timeutil
from fitvault.auth.tokens import Token
from fitvault.config import FitbitEndpoints, VaultPaths
from fitvault.sources import fitbit
from fitvault.sources.fitbit.ratelimit import HourlyLimiter
from fitvault.sources.google.client import RetryPolicy
from support.sim import SIM_NOW

FAST_RETRY = RetryPolicy(attempts=4, base_delay_s=0.01, max_delay_s=0.05, max_retry_after_s=5)
# 2026-10-25 .. 2026-11-04 covers the end of DST in New York (2026-11-01) and no trip.
SINCE, UNTIL = date(2026, 10, 25), date(2026, 11, 4)


def make_sim(**config):
    from fitvault_simulator.fitbit import FitbitSimConfig, FitbitSimulator

    return FitbitSimulator(FitbitSimConfig(now=SIM_NOW, **config))


def endpoints(sim) -> FitbitEndpoints:
    return FitbitEndpoints(api_url=sim.url, auth_url=sim.auth_url, token_url=sim.token_url, revoke_url=sim.revoke_url)


def store_token(sim, vault_dir: Path, *, expired: bool = False, scopes=None) -> Token:
    """Mint a token at the simulator and store it like `auth fitbit` would."""
    resp = sim.issue_token(scopes)
    token = Token.from_token_response(resp, client_id=sim.config.client_id, client_secret=sim.config.client_secret,
                                      token_uri=sim.token_url, now=time.time() - (30_000 if expired else 0))
    Path(vault_dir).mkdir(parents=True, exist_ok=True)
    fitbit.token_store(VaultPaths(Path(vault_dir))).save(token)
    return token


def client(sim, vault_dir: Path, **kw):
    kw.setdefault("retry", FAST_RETRY)
    kw.setdefault("timeout_s", 10.0)
    kw.setdefault("margin_s", 0.0)
    return fitbit.client_for(VaultPaths(Path(vault_dir)), endpoints(sim), **kw)


def env(sim, vault_dir: Path) -> dict[str, str]:
    """Environment for a `fitvault` subprocess talking to the simulator."""
    out = dict(os.environ)
    out.update(FITVAULT_HOME=str(vault_dir), FITVAULT_FITBIT_API_URL=sim.url, FITVAULT_FITBIT_AUTH_URL=sim.auth_url,
               FITVAULT_FITBIT_TOKEN_URL=sim.token_url, FITVAULT_FITBIT_REVOKE_URL=sim.revoke_url, COLUMNS="200")
    return out


def write_config(vault_dir: Path, text: str) -> None:
    Path(vault_dir).mkdir(parents=True, exist_ok=True)
    (Path(vault_dir) / "config.toml").write_text(text)


class FakeTime:
    """A clock for the simulator's quota windows and the client's limiter: ``sleep`` only
    moves it forward (and records how long was "waited")."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds
            self.slept.append(seconds)


def fake_limiter(fake: FakeTime, on_wait=None, margin_s: float = 2.0) -> HourlyLimiter:
    return HourlyLimiter(margin_s=margin_s, clock=fake, sleep=fake.sleep, on_wait=on_wait)


# -- ground truth in the vault's shapes --------------------------------------------------------

def _wide(first: date, last: date) -> tuple[datetime, datetime]:
    lo = datetime(first.year, first.month, first.day, tzinfo=timezone.utc) - timedelta(hours=15)
    hi = datetime(last.year, last.month, last.day, tzinfo=timezone.utc) + timedelta(days=1, hours=15)
    return lo, hi


def in_days(ms: int, offset_s: int, first: date, last: date) -> bool:
    return first <= timeutil.local_date(ms, offset_s) <= last


def truth_heart_rate(person, first: date, last: date) -> list[tuple]:
    return [(t, o, b) for t, o, b, _d in person.heart_rate(*_wide(first, last)) if in_days(t, o, first, last)]


def truth_steps(person, first: date, last: date) -> list[tuple]:
    """Legacy intraday steps cannot tell a worn 0 from "not worn": only minutes with steps."""
    return [tuple(r) for r in person.steps(*_wide(first, last)) if r[4] > 0 and in_days(r[0], r[1], first, last)]


def truth_sleep(person, first: date, last: date) -> list[tuple]:
    from fitvault_simulator.fitbit import sleep_log_id

    out = []
    for s in person.sleep_sessions(*_wide(first, last)):
        if not in_days(s.end_ms, s.end_offset_s, first, last):
            continue
        summ = s.summary
        out.append((
            str(sleep_log_id(person, s.id)), s.start_ms, s.start_offset_s, s.end_ms, s.end_offset_s, s.sleep_type,
            int(s.main_sleep), int(s.nap), int(s.processed), summ["minutes_in_sleep_period"], summ["minutes_asleep"],
            summ["minutes_awake"], summ["minutes_to_fall_asleep"], summ["minutes_after_wake_up"],
            [tuple(x) for x in s.stages], sorted(tuple(x) for x in s.short_awakenings),
            sorted((k, m, c) for k, (m, c) in summ["stages_summary"].items()),
        ))
    return sorted(out, key=lambda r: r[3])


def vault_sleep(v) -> list[tuple]:
    out = []
    for row in v.conn.execute(
        "SELECT id, start_ms, start_offset_s, end_ms, end_offset_s, sleep_type, main_sleep, nap, processed, "
        "minutes_in_sleep_period, minutes_asleep, minutes_awake, minutes_to_fall_asleep, minutes_after_wake_up "
        "FROM sleep_sessions ORDER BY end_ms"
    ).fetchall():
        parts = {kind: v.conn.execute(
            "SELECT start_ms, start_offset_s, end_ms, end_offset_s, stage FROM sleep_stages "
            "WHERE session_id = ? AND kind = ? ORDER BY start_ms", (row[0], kind)).fetchall()
            for kind in ("stage", "short_awakening")}
        summary = v.conn.execute("SELECT stage, minutes, count FROM sleep_stage_summary WHERE session_id = ? "
                                 "ORDER BY stage", (row[0],)).fetchall()
        out.append(tuple(row) + (parts["stage"], parts["short_awakening"], summary))
    return out


def noon_ms(person, day: date) -> int:
    return person.zones.local_to_utc(datetime(day.year, day.month, day.day, 12)) * 1000


def truth_nightly_samples(person, table: str, first: date, last: date) -> list[dict]:
    """Samples of the nights that ended on [first, last] (main sleeps end before local noon)."""
    return person.truth(table, timeutil.from_ms(noon_ms(person, first - timedelta(days=1))),
                        timeutil.from_ms(noon_ms(person, last)))


def truth_exercises(person, first: date, last: date) -> list[tuple]:
    from fitvault_simulator.fitbit import exercise_log_id

    rows = []
    for r in person.truth("exercises", *_wide(first, last)):
        if in_days(r["start_ms"], r["start_offset_s"], first, last):
            rows.append((
                str(exercise_log_id(person, r["id"])), r["start_ms"], r["start_offset_s"], r["end_ms"],
                r["end_offset_s"], r["exercise_type"], r["display_name"], r["active_duration_s"],
                None if r["calories_kcal"] is None else float(round(r["calories_kcal"])),
                r["distance_mm"], r["steps"], r["avg_hr_bpm"], r["has_gps"],
            ))
    return sorted(rows, key=lambda x: x[1])


def vault_exercises(v) -> list[tuple]:
    return v.conn.execute(
        "SELECT id, start_ms, start_offset_s, end_ms, end_offset_s, exercise_type, display_name, active_duration_s, "
        "calories_kcal, distance_mm, steps, avg_hr_bpm, has_gps FROM exercises ORDER BY start_ms"
    ).fetchall()
