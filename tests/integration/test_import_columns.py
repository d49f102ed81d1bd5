"""The whole-file fast paths (``importers/_bulk.py``) store exactly what record-by-record
reading stores, on files that mix plain records with every kind the fast paths hand back:
odd stamps, sentinels, impossible values, short and blank CSV rows, several data sources (two
of which are one source key), a DST night (issue #17)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from support.takeout import GED, Archive, heart_json, minutes_json, rows

from fitvault.importers import _bulk, import_paths
from fitvault.store.vault import Vault

HR_CSV = "Takeout/Google Health/Physical Activity_GoogleData/Heart Rate/heart_rate_2024-11-02.csv"


def _archive(with_odd_records: bool) -> Archive:
    a = Archive()
    night = datetime(2024, 11, 3, 4, 0, 0)  # UTC stamps across the fall-back change in New York
    plain = heart_json(night, [60 + i % 30 for i in range(3000)], step_s=5)
    plain[7]["value"]["confidence"] = 0  # a sentinel: dropped either way
    a.add(f"{GED}/heart_rate-2024-11-02.json", plain)
    calories = ["1.25", *(["1.5"] * 100)]
    if with_odd_records:
        odd = heart_json(night + timedelta(hours=6), [0, 64, 300, 70, 71], step_s=5)
        odd[1]["value"]["confidence"] = 0
        odd[3]["dateTime"] = "11/03/24 10:00:99"  # unreadable: quarantined one by one
        a.add(f"{GED}/heart_rate-2024-11-03.json", odd)
        calories[1] = "1e9"  # impossible: quarantined
    a.add(f"{GED}/steps-2024-11-02.json", minutes_json(night, [(i * 7) % 40 for i in range(600)]))
    a.add(f"{GED}/distance-2024-11-02.json", minutes_json(night, [i % 5 * 10.5 for i in range(600)]))
    a.add(f"{GED}/calories-2024-11-02.json", minutes_json(night, calories))
    lines = ["timestamp,beats per minute,data source"]
    for i in range(3000):
        t = night + timedelta(seconds=5 * i)
        source = ("Charge 6", " Charge 6 ", "manual", "MANUAL", "")[i // 700]
        lines.append(f"{t:%Y-%m-%dT%H:%M:%SZ},{60 + i % 50},{source}")
    lines[900] = lines[900].split(",")[0] + ",0,Charge 6"
    if with_odd_records:
        lines[2600] = lines[2600].replace("Z,", ".250Z,")  # fractions: parsed one by one
        lines[1200] = ""  # a blank line
        lines[1300] = lines[1300].split(",")[0] + ",61"  # a short row
        lines[2500] = lines[2500].split(",")[0] + ",999,Charge 6"  # impossible: quarantined
    a.csv(HR_CSV, lines[0], lines[1:])
    return a


def _import(tmp_path, name: str, odd: bool) -> tuple[dict, list]:
    path = _archive(odd).zip(tmp_path / f"{name}.zip")
    with Vault(tmp_path / name) as v:
        report = import_paths(v, [path], tz="America/New_York")
        tables = [r[0] for r in rows(v, "SELECT name FROM sqlite_master WHERE type = 'table'")] + ["heart_rate"]
        stored = {t: sorted(rows(v, f"SELECT * FROM {t}"), key=repr) for t in tables}
        stored["quarantine"] = [r[:-1] for r in stored["quarantine"]]  # without the clock time it was written
    files = sorted((f.path.split("!")[-1], f.status, f.records, f.stored, f.changed, sorted(f.dropped.items()))
                   for f in report.files)
    return stored, files + sorted(report.notes)


@pytest.mark.parametrize("odd", [True, False], ids=["odd records", "plain files"])
def test_fast_paths_store_what_one_by_one_stores(tmp_path, monkeypatch, odd):
    monkeypatch.setattr(_bulk, "BATCH_ROWS", 500)  # CSV batches: plain ones, and ones with each odd row
    fast, fast_report = _import(tmp_path, "fast", odd)
    monkeypatch.setattr(_bulk, "WHOLE_FILE_BYTES", -1)  # every file read record by record
    careful, careful_report = _import(tmp_path, "careful", odd)
    assert fast_report == careful_report
    assert fast == careful
    assert len(fast["heart_rate"]) > 5000 and fast["steps"]
    assert bool(fast["quarantine"]) == odd
