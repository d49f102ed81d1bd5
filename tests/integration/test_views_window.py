"""Views start where the data is (issue #13 item 10, defect D10): an archive that ends on a lone
all-zero day (0 steps, 0 active minutes, 0 kcal) must not move the default window of ``report``
and ``plot`` to that day."""

from __future__ import annotations

from datetime import date

import pandas as pd
from support.takeout import Archive

import fitvault
from fitvault.importers import import_paths
from fitvault.plots import Plotter
from fitvault.report import collect
from fitvault.store.vault import Vault

ID = "1503960366"


def _vault(tmp_path):
    """Heart rate and steps on 2016-04-12..13, then a placeholder day on 2016-09-01 written as
    an old export writes it (every value 0), in the vault's own tables."""
    a = Archive()
    a.csv("heartrate_seconds_merged.csv", "Id,Time,Value", [f"{ID},4/12/2016 7:21:00 AM,97",
                                                            f"{ID},4/13/2016 7:21:00 AM,90"])
    a.csv("dailySteps_merged.csv", "Id,ActivityDay,StepTotal", [f"{ID},4/12/2016,13162", f"{ID},4/13/2016,9000"])
    root = a.folder(tmp_path / "fb")
    with Vault(tmp_path / "v") as v:
        import_paths(v, [root], tz="America/Chicago")
        with v.transaction() as conn:
            sid = conn.execute("SELECT id FROM sources").fetchone()[0]
            conn.execute("INSERT INTO daily_steps (date, source_id, count) VALUES ('2016-09-01', ?, 0)", (sid,))
            conn.execute("INSERT INTO daily_total_calories (date, source_id, calories_kcal) VALUES ('2016-09-01', ?, 0)",
                         (sid,))
            conn.execute("INSERT INTO active_minutes (start_ms, source_id, start_offset_s, end_ms, end_offset_s, "
                         "light_minutes, moderate_minutes, vigorous_minutes) VALUES (?, ?, -18000, ?, -18000, 0, 0, 0)",
                         (1472706000000, sid, 1472792400000))
    return tmp_path / "v"


def test_catalogue_report_and_plot_end_on_the_last_measurement(tmp_path):
    path = _vault(tmp_path)
    with fitvault.open(path) as r:
        tables = r.tables()
        assert tables.loc["daily_steps", "last"] == pd.Timestamp("2016-09-01")
        assert tables.loc["daily_steps", "last_measured"] == pd.Timestamp("2016-04-13")
        assert tables.loc["active_minutes", "last"] == pd.Timestamp("2016-09-01")
        assert pd.isna(tables.loc["active_minutes", "last_measured"])
        assert tables.loc["heart_rate", "last_measured"] == pd.Timestamp("2016-04-13")
        data = collect(r)
        assert (data.start, data.end) == (date(2016, 4, 12), date(2016, 4, 13))
        assert data.steps is not None and list(data.steps["steps"]) == [13162, 9000]
        fig = Plotter(r).figure("steps")
        hi = pd.Timestamp(fig.axes[0].get_xlim()[1], unit="D").normalize().date()
        assert hi == date(2016, 4, 14)  # the window's right edge: the end of 2016-04-13
