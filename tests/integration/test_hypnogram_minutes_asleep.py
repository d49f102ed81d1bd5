"""The hypnogram's "asleep" figure is the sleep summary's: a classic night's RESTLESS minutes are
not asleep (Fitbit's ``minutesAsleep`` counts ASLEEP only), on a real vault read back."""

from __future__ import annotations

from datetime import date

from support.takeout import Archive

import fitvault
from fitvault.importers import import_paths
from fitvault.plots import Plotter
from fitvault.store.vault import Vault


def classic_log() -> dict:
    """A classic Global Export log, 23:00 – 07:00 local: 200 min asleep, 31 restless, 235 asleep,
    14 awake; ``minutesAsleep`` 435 (asleep only), ``minutesAwake`` 45 (restless and awake)."""
    data = [("2026-03-01T23:00:00.000", "asleep", 200), ("2026-03-02T02:20:00.000", "restless", 31),
            ("2026-03-02T02:51:00.000", "asleep", 235), ("2026-03-02T06:46:00.000", "awake", 14)]
    return {
        "logId": 7001, "dateOfSleep": "2026-03-02", "startTime": "2026-03-01T23:00:00.000",
        "endTime": "2026-03-02T07:00:00.000", "duration": 480 * 60_000, "minutesToFallAsleep": 0,
        "minutesAsleep": 435, "minutesAwake": 45, "minutesAfterWakeup": 0, "timeInBed": 480, "efficiency": 91,
        "type": "classic", "infoCode": 0, "logType": "auto_detected", "mainSleep": True,
        "levels": {"summary": {"asleep": {"count": 2, "minutes": 435}, "restless": {"count": 1, "minutes": 31},
                               "awake": {"count": 1, "minutes": 14}},
                   "data": [{"dateTime": t, "level": level, "seconds": m * 60} for t, level, m in data]},
    }


def test_hypnogram_of_a_classic_night_says_the_summarys_minutes_asleep(tmp_path):
    a = Archive().add("Takeout/Fitbit/Global Export Data/sleep-2026-02-15.json", [classic_log()])
    with Vault(tmp_path / "v") as v:
        assert import_paths(v, [a.zip(tmp_path / "t.zip")], tz="Europe/Berlin").complete
    with fitvault.open(tmp_path / "v") as r:
        night = r.sleep_summary("2026-03-02", "2026-03-02")
        assert list(night["minutes_asleep"]) == [435]
        fig = Plotter(r).hypnogram(date(2026, 3, 2))
    assert fig.axes[0].get_title(loc="left") == "Sleep, night of 2 Mar 2026: 23:00 – 07:00, 7 h 15 min asleep"
