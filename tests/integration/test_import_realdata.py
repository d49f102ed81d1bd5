"""Conformance: every real export of ``../shared/realdata`` (README there) imports right.

For each set: ``fitvault import`` exits 0; the vault's counts equal counts taken here straight from
the files (json / csv, a second computation); times are right by the data's own evidence (heart
rate dips inside the main sleeps, each exercise's recorded average heart rate matches the heart
rate of its window, every offset is the person's zone's with DST: no invented travel); a second
import changes 0 rows. The files are personal data: read in place, never copied, nothing printed.

The folder is ``$FITVAULT_REALDATA`` or ``<repo>/../shared/realdata`` (``conftest.realdata``): a
checkout without it skips these tests; a folder named by ``$FITVAULT_REALDATA`` must be there.
(The Fitabase set has its own test: test_import_realdata_formats.py.)
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from support.sim import realdata

import fitvault
from fitvault.cli import commands  # noqa: F401 - registers the commands
from fitvault.cli.main import cli
from fitvault.importers import import_paths
from fitvault.store import sample_blocks
from fitvault.store.vault import Vault

#: set -> (path inside REALDATA, the person's zone as the README establishes or assumes it)
SETS = {
    "takeout-arohasina": ("takeout-arohasina/Fitbit", "America/New_York"),
    "acct-ricardo": ("acct-ricardo/Sleep", "Europe/Lisbon"),
    "acct-dkeogh": ("acct-dkeogh/Sleep", "Europe/Dublin"),
    "acct-kyrxanthos": ("acct-kyrxanthos/data", "Europe/London"),
    "fitport-dev": ("fitport-dev/MyFitbitData.zip", "Australia/Sydney"),
    "fixtures-mrphil007": ("fixtures-mrphil007-renamed/MyFitbitData", "America/New_York"),
    "fixtures-kevm": ("fixtures-kevm/tests/data", "America/New_York"),
}
TIMED = {"steps": ("start_ms", "start_offset_s"), "sleep_sessions": ("start_ms", "start_offset_s"),
         "sleep_stages": ("start_ms", "start_offset_s"), "exercises": ("start_ms", "start_offset_s"),
         "hrv": ("time_ms", "utc_offset_s"), "spo2": ("time_ms", "utc_offset_s"),
         "breathing_rate_sleep": ("time_ms", "utc_offset_s"), "weight": ("time_ms", "utc_offset_s"),
         "active_zone_minutes": ("start_ms", "start_offset_s"), "active_minutes": ("start_ms", "start_offset_s")}


# -- the files, counted independently -------------------------------------------------------------

def _files(root: Path):
    """(relative path, bytes opener) of every file of a folder or a zip."""
    if root.suffix == ".zip":
        zf = zipfile.ZipFile(root)
        for name in zf.namelist():
            if not name.endswith("/"):
                yield name, (lambda n=name: zf.read(n))
    else:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                yield str(path.relative_to(root)), path.read_bytes


def one_computation_per_sleep(rows: list[dict]) -> set[str]:
    """``UserSleeps`` ids, one per sleep: every ``sleep_session_v1`` row, and a row of another
    algorithm only when it overlaps no v1 row of the same data source (the 2026 export lists most
    sleeps twice: docs/facts/archives.md#second-computations)."""
    def span(r: dict) -> tuple[datetime, datetime]:
        return tuple(datetime.strptime(r[k], "%Y-%m-%d %H:%M:%S%z") for k in ("sleep_start", "sleep_end"))  # type: ignore[return-value]

    v1 = [r for r in rows if r.get("algorithm_version") == "sleep_session_v1"]
    kept = {r["sleep_id"] for r in v1}
    for r in rows:
        if r.get("algorithm_version") != "sleep_session_v1":
            (s, e) = span(r)
            if not any(o.get("data_source") == r.get("data_source") and span(o)[0] < e and s < span(o)[1] for o in v1):
                kept.add(r["sleep_id"])
    return kept


# One flat dispatch on file names (the independent oracle stays plain): complexity 20, grandfathered.
def count_files(root: Path) -> dict[str, int]:  # noqa: C901
    """What the files hold, by a plain reading of them."""
    n: dict[str, int] = {}
    sleep_ids, exercise_ids, stage_keys = set(), set(), 0
    resp, temp, hrv_days, spo2 = set(), set(), set(), set()
    gd_sleeps: list[dict] = []
    gd_stages: Counter[str] = Counter()
    add = lambda key, k=1: n.__setitem__(key, n.get(key, 0) + k)  # noqa: E731
    for rel, read in _files(root):
        name = rel.replace("\\", "/").split("/")[-1]
        folder = rel.replace("\\", "/")
        if name.startswith("heart_rate-") and name.endswith(".json"):
            add("ge_heart_rate", sum(1 for r in json.loads(read()) if r["value"]["bpm"] and r["value"]["confidence"]))
        elif name.startswith("steps-") and name.endswith(".json"):
            add("ge_steps", sum(1 for r in json.loads(read()) if int(r["value"]) > 0))
        elif name.startswith("sleep-") and name.endswith(".json"):
            for log in json.loads(read()):
                if log["logId"] not in sleep_ids:
                    sleep_ids.add(log["logId"])
                    stage_keys += sum(len(log["levels"].get(k) or ()) for k in ("data", "shortData"))
        elif name.startswith("exercise-") and name.endswith(".json"):
            exercise_ids.update(r["logId"] for r in json.loads(read()))
        elif name.startswith("resting_heart_rate-"):
            add("resting_heart_rate", sum(1 for r in json.loads(read()) if r["value"]["date"] and r["value"]["value"]))
        elif name.endswith(".csv"):
            rows = list(csv.DictReader(io.StringIO(read().decode("utf-8"))))
            if name.startswith("Heart Rate Variability Details"):
                add("hrv", len(rows))
            elif name.startswith("Daily Heart Rate Variability Summary"):
                hrv_days.update(r["timestamp"][:10] for r in rows if float(r["rmssd"] or 0) or float(r["nremhr"] or 0))
            elif name.startswith("Respiratory Rate Summary"):
                resp.update(r["timestamp"] for r in rows)
            elif name.startswith("Computed Temperature"):
                temp.update(r["sleep_end"][:10] for r in rows if r["type"] in ("IDT", "SKIN"))
            elif name.startswith("Minute SpO2"):
                spo2.update(r["timestamp"] for r in rows if float(r["value"]) != 50.0)
            elif name.startswith("UserSleeps_"):
                gd_sleeps.extend(rows)
            elif name.startswith("UserSleepStages_"):
                gd_stages.update(r["sleep_id"] for r in rows)
            elif name.startswith("UserExercises_"):
                exercise_ids.update(int(r["exercise_id"]) for r in rows)
            elif re.match(r"heart_rate_\d{4}-\d\d-\d\d\.csv$", name) and "_GoogleData" in folder:
                add("gd_heart_rate", len(rows))
            elif re.match(r"heart_rate_variability_\d{4}-\d\d-\d\d\.csv$", name) and "_GoogleData" in folder:
                add("gd_hrv", len(rows))
    kept = one_computation_per_sleep(gd_sleeps)
    n.update(gd_sleeps=len(kept), gd_stages=sum(gd_stages[sid] for sid in kept))
    n.update(sleep_logs=len(sleep_ids), sleep_stages=stage_keys, exercises=len(exercise_ids),
             breathing_rate_sleep=len(resp), daily_skin_temperature=len(temp), daily_hrv=len(hrv_days),
             spo2_instants_csv=len(spo2))
    return {k: v for k, v in n.items() if v}


# -- the vault, checked ----------------------------------------------------------------------------

def _one(v: Vault, sql: str, *params) -> int:
    return v.conn.execute(sql, params).fetchone()[0]


def _origin_count(v: Vault, table: str, origin: str) -> int:
    return _one(v, f"SELECT count(*) FROM {table} t JOIN sources s ON s.id = t.source_id WHERE s.origin = ?", origin)


def check_counts(v: Vault, n: dict[str, int]) -> None:
    hr = sample_blocks.read(v.conn)
    origin_of = dict(v.conn.execute("SELECT id, origin FROM sources").fetchall())
    hr_origins = np.array([origin_of[int(s)] for s in hr["source_id"]]) if len(hr["source_id"]) else np.array([])
    assert int((hr_origins != "takeout-google-data").sum()) == n.get("ge_heart_rate", 0)
    assert int((hr_origins == "takeout-google-data").sum()) == n.get("gd_heart_rate", 0)
    assert _one(v, "SELECT count(*) FROM steps t JOIN sources s ON s.id = t.source_id "
                   "WHERE s.origin != 'takeout-google-data'") == n.get("ge_steps", 0)
    gd = "takeout-google-data"
    assert _one(v, "SELECT count(*) FROM sleep_sessions t JOIN sources s ON s.id = t.source_id WHERE s.origin != ?",
                gd) == n.get("sleep_logs", 0)
    assert _origin_count(v, "sleep_sessions", gd) == n.get("gd_sleeps", 0)
    stages = _one(v, "SELECT count(*) FROM sleep_stages")
    assert stages == n.get("sleep_stages", 0) + n.get("gd_stages", 0)
    assert _one(v, "SELECT count(*) FROM exercises") == n.get("exercises", 0)
    assert _one(v, "SELECT count(*) FROM resting_heart_rate") == n.get("resting_heart_rate", 0)
    # The CSV families' own rows; GoogleData twins of the same nights are a second origin.
    for table in ("hrv", "daily_hrv", "breathing_rate_sleep", "daily_skin_temperature"):
        assert _one(v, f"SELECT count(*) FROM {table} t JOIN sources s ON s.id = t.source_id WHERE s.origin != ?",
                    gd) == n.get(table, 0), table
    assert _origin_count(v, "hrv", gd) == n.get("gd_hrv", 0)
    assert _one(v, "SELECT count(DISTINCT time_ms) FROM spo2 t JOIN sources s ON s.id = t.source_id "
                   "WHERE s.origin != ?", gd) == n.get("spo2_instants_csv", 0)


def check_no_travel(v: Vault, zone: str) -> None:
    """Every stored offset is the zone's at its instant (with DST)."""
    tz = ZoneInfo(zone)

    def off(t_ms: int) -> int:
        return int(datetime.fromtimestamp(t_ms / 1000, timezone.utc).astimezone(tz).utcoffset().total_seconds())

    hr = sample_blocks.read(v.conn)
    for day in np.unique(hr["time_ms"] // 86_400_000):  # one probe per UTC day and offset seen
        sel = hr["time_ms"] // 86_400_000 == day
        for o in np.unique(hr["utc_offset_s"][sel]):
            first = int(hr["time_ms"][sel][hr["utc_offset_s"][sel] == o][0])
            assert off(first) == int(o), ("heart_rate", first)
    for table, (t, o) in TIMED.items():
        wrong = [(a, b) for a, b in v.conn.execute(f"SELECT {t}, {o} FROM {table}") if off(a) != b]
        assert not wrong, (table, len(wrong))


def check_physiology(v: Vault) -> tuple[int, int, int, int]:
    """(main sleeps with heart rate, of them lower inside than in the 2 h around; exercises with
    heart rate in their window, of them within 5 bpm of their recorded average)."""
    hr = sample_blocks.read(v.conn)
    t, bpm = hr["time_ms"], hr["bpm"]
    order = np.argsort(t, kind="stable")
    t, bpm = t[order], bpm[order]
    nights = dips = 0
    for start, end in v.conn.execute("SELECT start_ms, end_ms FROM sleep_sessions WHERE main_sleep = 1"):
        i, j = np.searchsorted(t, [start, end])
        k0, k1 = np.searchsorted(t, [start - 7_200_000, end + 7_200_000])
        around = np.r_[bpm[k0:i], bpm[j:k1]]
        if j - i >= 60 and len(around) >= 60:
            nights += 1
            dips += bpm[i:j].mean() < around.mean()
    fits = exercises = 0
    for start, end, avg in v.conn.execute("SELECT start_ms, end_ms, avg_hr_bpm FROM exercises WHERE avg_hr_bpm > 0"):
        i, j = np.searchsorted(t, [start, end])
        if j - i >= 5:
            exercises += 1
            fits += abs(bpm[i:j].mean() - avg) <= 5
    return nights, dips, exercises, fits


def check_each_sleep_once(folder: Path, v: Vault) -> None:
    """``sleep_sessions()`` shows no sleep twice (no two sessions overlap) and loses no night of
    the vault (every night a stored session ends on, of any origin, is there)."""
    with fitvault.open(folder) as r:
        sessions = r.sleep_sessions()
    spans = sorted(zip(sessions.index.asi8, pd.DatetimeIndex(sessions["end"]).asi8))
    assert not [(a, b) for a, b in zip(spans, spans[1:]) if b[0] < a[1]]
    stored = {row[0] for row in v.conn.execute("SELECT DISTINCT date FROM sleep_sessions")}
    assert {d.strftime("%Y-%m-%d") for d in sessions["date"]} == stored


SLOW_SETS = {"takeout-arohasina", "fitport-dev"}  # the large ones: 10-20 s each


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_SETS else n for n in SETS])
def test_real_export_imports_right(tmp_path, name):
    rel, zone = SETS[name]
    path = realdata(rel)
    result = CliRunner().invoke(cli, ["--vault", str(tmp_path / "v"), "import", "--tz", zone, str(path)])
    assert result.exit_code == 0, result.output[-2000:]
    with Vault(tmp_path / "v") as v:
        check_counts(v, count_files(path))
        check_no_travel(v, zone)
        check_each_sleep_once(tmp_path / "v", v)
        nights, dips, exercises, fits = check_physiology(v)
        assert dips == nights and fits >= exercises - exercises // 50, (nights, dips, exercises, fits)
        again = import_paths(v, [path], tz=zone)
        assert again.complete and again.changed == 0, [(f.path, f.changed) for f in again.files if f.changed]
    if name in ("takeout-arohasina", "fitport-dev"):  # the sets with heart rate: the evidence must be there
        assert nights >= 8 and exercises >= 5
