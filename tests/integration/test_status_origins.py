"""`status` counts what a reader sees (issue #13 item 11): one origin per table and local day
(the precedence rule of ``store/origins.py``), plus how many more records other origins hold."""

from __future__ import annotations

from click.testing import CliRunner
from support.takeout import Archive

import fitvault
from fitvault.cli import commands  # noqa: F401 - registers the commands
from fitvault.cli.main import cli
from fitvault.importers import import_paths
from fitvault.status import vault_status
from fitvault.store.vault import Vault

ID = "1503960366"


def test_status_counts_one_origin_per_day(tmp_path):
    fitabase = Archive()  # origin fitabase-export: 2016-04-12 only
    fitabase.csv("heartrate_seconds_merged.csv", "Id,Time,Value",
                 [f"{ID},4/12/2016 7:21:00 AM,97", f"{ID},4/12/2016 7:21:05 AM,98"])
    fitabase.csv("minuteStepsNarrow_merged.csv", "Id,ActivityMinute,Steps", [f"{ID},4/12/2016 8:00:00 AM,30"])
    tutorial = Archive()  # origin tutorial-csv (ranks after fitabase-export): 04-12 and 04-13
    tutorial.csv("heart20160412.csv", "Time,Heart Rate", ["07:21:00,97", "07:21:10,99", "07:22:00,100"])
    tutorial.csv("heart20160413.csv", "Time,Heart Rate", ["09:00:00,70"])
    tutorial.csv("steps20160412.csv", "Time,Steps", ["08:00:00,30", "08:01:00,12"])
    with Vault(tmp_path / "v") as v:
        import_paths(v, [fitabase.folder(tmp_path / "fb")], tz="America/Chicago")
        import_paths(v, [tutorial.folder(tmp_path / "tut")])
        doc = vault_status(v)
    heart, steps = doc["types"]["heart-rate"], doc["types"]["steps"]
    # 04-12: the 2 Fitabase samples win over the 3 tutorial ones; 04-13: the tutorial's only sample
    assert (heart["records"], heart["other_origins"], heart["days"]) == (3, 3, 2)
    assert (steps["records"], steps["other_origins"]) == (1, 2)
    with fitvault.open(tmp_path / "v") as r:  # the reader agrees
        assert len(r.heart_rate()) == heart["records"] and len(r.steps()) == steps["records"]
    result = CliRunner().invoke(cli, ["--vault", str(tmp_path / "v"), "status"])
    assert result.exit_code == 0, result.output
    assert "3 (+3)" in result.output and "5 more records other origins hold" in result.output


def test_status_one_origin_hides_nothing(tmp_path):
    a = Archive().csv("heart20160413.csv", "Time,Heart Rate", ["09:00:00,70", "09:00:05,71"])
    with Vault(tmp_path / "v") as v:
        import_paths(v, [a.folder(tmp_path / "tut")], tz="America/Chicago")
        heart = vault_status(v)["types"]["heart-rate"]
    assert (heart["records"], heart["other_origins"]) == (2, 0)
