"""`fitvault study demo` end to end: a private PostgreSQL, enrolment through the web flow,
workers, status, compliance and a de-identified export, as a subprocess on a fresh folder."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest
from support.sim import FITVAULT
from support.study_vaults import battery_reason

from fitvault.study.cluster import find_bin


@pytest.mark.slow
def test_study_demo_runs_a_whole_study(tmp_path):
    if find_bin("initdb") is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL's binaries are missing and CI is set (.ci/run installs them)")
        pytest.skip("PostgreSQL's binaries are not installed")
    # not under pytest's tmp_path: its parents are 0700, and as root the cluster runs as postgres
    parent = Path(tempfile.mkdtemp(prefix="fitvault-demo-test-"))
    os.chmod(parent, 0o755)
    try:
        _run_demo(parent / "demo", tmp_path)
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def _run_demo(folder: Path, tmp_path: Path) -> None:
    proc = subprocess.run(FITVAULT + ["study", "demo", "--participants", "2", "--days", "2", "--dir", str(folder),
                                      "--json"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert [p["participant_id"] for p in doc["participants"]] == ["P001", "P002"]
    first, last = doc["participants"]
    assert (first["state"], first["grant"], first["last_sync_status"]) == ("active", "valid", "ok")
    # the simulator's battery changes every hour (15-100 %, "Low" below 25 %): the only contact reason
    # an active, freshly synced participant can have is a low battery, read here straight from their vault
    level, status = _battery(folder, "P001")
    assert (first["battery_level"], first["battery_status"]) == (level, status)
    assert first["contact"] == battery_reason(level, status)
    # the last participant removed the study's access: their next sync moved them to re-consent (their
    # battery, read the same way, may be low too: it failed at 20 % when only re-consent was expected)
    assert (last["state"], last["grant"], last["last_sync_status"]) == ("needs_reconsent", "needs re-consent",
                                                                        "needs_reconsent")
    assert last["contact"] == battery_reason(*_battery(folder, "P002")) + ["grant invalid: needs re-consent"]
    for p in doc["participants"]:  # the first local day of the window has ended and was synced
        assert p["valid_days"] >= 1 and 0 < p["mean_wear_hours"] <= 25
    manifest = json.loads((folder / "export" / "manifest.json").read_text())
    assert manifest["deidentified"] is True and manifest["participants"] == ["P001", "P002"]
    assert (folder / "vaults" / "P002" / "vault.sqlite").is_file()
    assert doc["report"].endswith(".html") and "<script" not in open(doc["report"], encoding="utf-8").read()
    for step in ("PostgreSQL: starting", "P002 opened the link", "synced 2/2", "P002 removes the study's access",
                 "compliance:", "export:"):
        assert step in proc.stderr
    assert "--dir" not in proc.stderr  # no usage error


def test_the_demo_never_writes_into_a_folder_of_yours(tmp_path):
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("x")
    refused = subprocess.run(FITVAULT + ["study", "demo", "--dir", str(other)], capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode == 2 and "not an earlier study demo" in refused.stderr
    assert sorted(p.name for p in other.iterdir()) == ["notes.txt"]


def _battery(folder: Path, participant: str) -> tuple[int | None, str | None]:
    """(level, status) of the participant's most recently synced device, from their vault."""
    with sqlite3.connect(folder / "vaults" / participant / "vault.sqlite") as db:
        return db.execute("SELECT battery_level, battery_status FROM devices "
                          "ORDER BY last_sync_time DESC LIMIT 1").fetchone()
