"""Conformance on the real Fitabase / Kaggle export (``shared/realdata/fitabase-renejerez``, next
to the repository, or ``$FITVAULT_REALDATA``): one participant's stored rows equal an independent
count of the CSV files. The data is read in place, never copied. Without the folder the test is
skipped (``conftest.realdata``)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from support.sim import realdata

from fitvault.errors import ParticipantRequired
from fitvault.importers import import_paths
from fitvault.store.vault import Vault

PARTICIPANT = "1503960366"  # a study id of the public dataset


def _mdy(text: str) -> date:
    m, d, y = (int(p) for p in text.split()[0].split("/"))
    return date(y, m, d)


def _independent(folder: Path) -> dict:
    """The participant's figures, straight from the CSVs."""
    daily = {}
    with open(folder / "dailyActivity_merged.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["Id"] == PARTICIPANT:
                worn = not (r["TotalSteps"] == "0" and r["SedentaryMinutes"] == "1440")
                daily[_mdy(r["ActivityDate"])] = (int(r["TotalSteps"]), worn)
    per_day: Counter[date] = Counter()
    minutes = 0
    with zipfile.ZipFile(folder / "minuteStepsNarrow_merged.zip") as zf:
        with zf.open("minuteStepsNarrow_merged.csv") as raw:
            for r in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")):
                if r["Id"] == PARTICIPANT and r["Steps"] != "0":
                    minutes += 1
                    per_day[datetime.strptime(r["ActivityMinute"], "%m/%d/%Y %I:%M:%S %p").date()] += int(r["Steps"])
    with open(folder / "weightLogInfo_merged.csv", newline="") as fh:
        weights = [r for r in csv.DictReader(fh) if r["Id"] == PARTICIPANT]
    return {"daily": daily, "per_day": per_day, "minutes": minutes, "weights": weights}


@pytest.mark.slow
def test_fitabase_participant_equals_its_csv(tmp_path):
    folder = realdata("fitabase-renejerez")
    want = _independent(folder)
    with Vault(tmp_path / "v") as v:
        with pytest.raises(ParticipantRequired) as err:
            import_paths(v, [folder], tz="America/Chicago")
        assert "33 participants" in str(err.value) and PARTICIPANT in str(err.value)
        report = import_paths(v, [folder], tz="America/Chicago", participant=PARTICIPANT)
        assert not report.skipped
        conn = v.conn
        assert conn.execute("SELECT count(*) FROM steps").fetchone()[0] == want["minutes"]
        got = Counter()
        for start, off, count in conn.execute("SELECT start_ms, start_offset_s, count FROM steps"):
            got[date.fromordinal(date(1970, 1, 1).toordinal() + (start // 1000 + off) // 86400)] += count
        assert got == want["per_day"]
        worn = {d: steps for d, (steps, w) in want["daily"].items() if w}
        stored = {date.fromisoformat(d): n for d, n in conn.execute("SELECT date, count FROM daily_steps")}
        assert stored == worn and len(worn) == len(want["daily"]) - 1  # one not-worn placeholder day
        assert conn.execute("SELECT count(*) FROM active_minutes").fetchone()[0] == len(worn)
        assert conn.execute("SELECT count(*) FROM weight").fetchone()[0] == len(want["weights"])
        # what the summary says was stored is what the vault holds (D11)
        minute = next(f for f in report.imported if f.path.endswith("minuteStepsNarrow_merged.csv"))
        assert minute.stored == want["minutes"]
