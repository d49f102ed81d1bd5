"""`study status` and `study compliance` on a real roster (PostgreSQL) and real simulator vaults:
every contact-today rule gives its exact row, the HTML report is self-contained, and the
de-identified export keeps each participant's offset in PostgreSQL across exports."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import time
from datetime import date, datetime, timedelta, timezone

import pytest
from support.postgres import *  # noqa: F401,F403 - the PostgreSQL fixtures
from support.sim import FITVAULT, SIM_NOW
from support.study_vaults import battery_reason, synced_vault, worn_minutes_by_local_day

from fitvault.auth.tokens import Token
from fitvault.study import audit, roster
from fitvault.study.compliance import DayWear, vault_compliance
from fitvault.study.crypto import GrantCipher
from fitvault.study.export import export_participants
from fitvault.study.settings import StudySettings, save_settings
from fitvault.study.status import study_status
from fitvault.study.vaults import LocalVaults

UTC = timezone.utc
START = date(2026, 11, 17)
STAFF = "cli:test"


def _grant(expires_at: datetime | None = None) -> Token:
    return Token(access_token="ya29.test-access", refresh_token="1//test-refresh", expires_at=None,
                 scopes=("https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly",),
                 refresh_token_expires_at=expires_at.timestamp() if expires_at else None, obtained_at=time.time())


def _battery(sim, i: int, now: datetime) -> tuple[int | None, str]:
    """The battery the simulator's pairedDevices answers for person i (the current device)."""
    from fitvault_simulator.users import paired_devices

    item = paired_devices(sim.persons[i], now, {})["pairedDevices"][0]
    return item.get("batteryLevel"), item["batteryStatus"]


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    """A study folder with the vaults of P001-P003, P007 and P008 synced from the simulator, and
    the battery each one's device reported."""
    from fitvault_simulator import Simulator, SimulatorConfig

    folder = tmp_path_factory.mktemp("study")
    vaults, batteries, truths = LocalVaults(folder), {}, {}
    with Simulator(SimulatorConfig(seed=11, now=SIM_NOW, heart_rate_interval_s=0, people=3)) as sim:
        for i, pid in enumerate(("P001", "P002", "P003")):
            synced_vault(sim, vaults.vault_dir(pid), START - timedelta(days=1), person=i)
            batteries[pid] = _battery(sim, i, SIM_NOW)
            worn = worn_minutes_by_local_day(sim.persons[i], datetime(2026, 11, 16, tzinfo=UTC), SIM_NOW)
            truths[pid] = {d: n for d, n in worn.items() if d >= START}
    # P007's device last synced four days ago (its vault was synced then)
    with Simulator(SimulatorConfig(seed=12, now=SIM_NOW - timedelta(days=4), heart_rate_interval_s=0)) as sim:
        synced_vault(sim, vaults.vault_dir("P007"), START - timedelta(days=1))
        batteries["P007"] = _battery(sim, 0, SIM_NOW - timedelta(days=4))
    # P008 started wearing the watch only two days before now: low wear over the window's first days
    with Simulator(SimulatorConfig(seed=13, now=SIM_NOW, heart_rate_interval_s=0,
                                   history_start=SIM_NOW.date() - timedelta(days=1))) as sim:
        synced_vault(sim, vaults.vault_dir("P008"), START - timedelta(days=1))
        batteries["P008"] = _battery(sim, 0, SIM_NOW)
    return folder, batteries, truths


@pytest.fixture
def study(synced, study_conn, study_url, tmp_path):
    """A fresh roster of eight participants covering every rule, over the synced vaults."""
    folder, batteries, truths = synced
    conn, cipher, vaults = study_conn, GrantCipher.create(folder), LocalVaults(folder)
    save_settings(conn, cipher, StudySettings(name="Sleep & steps"))
    for pid in ("P001", "P002", "P003", "P004", "P005", "P006", "P007", "P008"):
        roster.add_participant(conn, pid, START, None if pid != "P008" else SIM_NOW.date(), actor=STAFF)
    for pid in ("P001", "P003", "P004", "P007", "P008"):
        roster.store_grant(conn, cipher, pid, _grant(), [], actor=STAFF)
    roster.store_grant(conn, cipher, "P002", _grant(SIM_NOW + timedelta(days=1)), [], actor=STAFF)
    roster.mark_needs_reconsent(conn, "P003", "invalid_grant", public_url="http://127.0.0.1:8470")
    roster.issue_invite(conn, "P005", actor=STAFF, public_url="http://127.0.0.1:8470")
    roster.withdraw(conn, "P006", actor=STAFF, delete_data=False, vaults=vaults)
    return conn, cipher, vaults, batteries, folder, study_url, truths


@pytest.mark.slow
def test_status_and_contact_today_rows(study, tmp_path):
    conn, _, vaults, batteries, folder, url, truths = study
    statuses = study_status(conn, vaults, as_of=SIM_NOW)
    by_id = {s.participant_id: s for s in statuses}
    p1_sync = by_id["P001"].compliance.last_device_sync
    assert [s.participant_id for s in statuses] == [f"P00{i}" for i in range(1, 9)]
    assert {pid: s.grant for pid, s in by_id.items()} == {
        "P001": "valid", "P002": "expiring", "P003": "needs re-consent", "P004": "valid", "P005": "none",
        "P006": "none", "P007": "valid", "P008": "valid"}
    # what status computed is in PostgreSQL for SQL users
    stored = conn.execute("SELECT date, wear_minutes, status FROM study.compliance_days WHERE participant_id = 'P008' "
                          "ORDER BY date").fetchall()
    assert [(r["date"], r["wear_minutes"], r["status"]) for r in stored] == [
        (d.date, d.wear_minutes, d.status) for d in by_id["P008"].compliance.days]
    summary = {r["participant_id"]: r for r in conn.execute("SELECT * FROM study.compliance")}
    assert sorted(summary) == [f"P00{i}" for i in range(1, 9)]
    assert summary["P004"]["contact"] == ["no device sync seen"] and summary["P002"]["grant_state"] == "expiring"
    assert summary["P001"]["valid_days"] == 4 and summary["P001"]["last_device_sync"] == p1_sync
    # the next status reuses the settled days stored (only the last ones are read again); --full reads all
    first_day, last_day = by_id["P001"].compliance.days[0], by_id["P001"].compliance.days[-2]
    conn.execute("UPDATE study.compliance_days SET wear_minutes = 7 WHERE participant_id = 'P001' AND date IN (%s, %s)",
                 (first_day.date, last_day.date))
    again = {s.participant_id: s for s in study_status(conn, vaults, as_of=SIM_NOW)}["P001"].compliance
    assert again.days[0] == DayWear(first_day.date, 7, "invalid") and again.days[-2] == last_day
    full = {s.participant_id: s for s in study_status(conn, vaults, as_of=SIM_NOW, full=True)}["P001"].compliance
    assert full.to_dict() == by_id["P001"].compliance.to_dict()
    # each participant's wear equals their simulated person's worn minutes (the minute plan)
    for pid in ("P001", "P002", "P003"):
        assert {d.date: d.wear_minutes for d in by_id[pid].compliance.days} == truths[pid]
    # the vault's own compliance, unchanged by the roster join
    p1 = by_id["P001"].compliance
    assert p1.to_dict() == vault_compliance(vaults.vault_dir("P001"), "P001", START, None, as_of=SIM_NOW).to_dict()
    assert p1.valid_days == p1.settled_days == 4 and [d.status for d in p1.days][-1] == "pending"
    p8 = by_id["P008"].compliance
    assert [d.status for d in p8.days] == ["invalid", "invalid", "invalid", "valid", "pending"]
    assert [d.wear_minutes for d in p8.days][:3] == [0, 0, 0]
    recent = p8.recent_wear_hours()
    expected = {
        "P001": battery_reason(*batteries["P001"]),
        "P002": battery_reason(*batteries["P002"]) + ["grant expiring (Testing mode): re-consent"],
        "P003": battery_reason(*batteries["P003"]) + ["grant invalid: needs re-consent"],
        "P004": ["no device sync seen"],
        "P007": ["no device sync for 4 days"] + battery_reason(*batteries["P007"]),
        "P008": battery_reason(*batteries["P008"]) + [f"low wear ({recent:.1f} h/day over the last 3 days)"],
    }
    assert {pid: s.contact for pid, s in by_id.items() if s.contact} == {k: v for k, v in expected.items() if v}
    assert recent is not None and recent < 10
    assert by_id["P005"].contact == by_id["P006"].contact == []

    # the command: HTML and CSV, offline and exact
    env = dict(os.environ, FITVAULT_DATABASE_URL=url, COLUMNS="200")
    proc = subprocess.run(FITVAULT + ["study", "--study-dir", str(folder), "compliance",
                                      "--as-of", "2026-11-21T12:00:00Z", "--json"],
                          env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)  # by default in the study folder's reports/, not the current folder
    reports = folder.resolve() / "reports"
    assert (doc["report"], doc["contact_csv"]) == (str(reports / "compliance-2026-11-21.html"),
                                                   str(reports / "contact-today-2026-11-21.csv"))
    assert not list(tmp_path.glob("compliance-*")) and not list(tmp_path.glob("contact-today-*"))
    with open(doc["contact_csv"], encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["participant_id"], r["reasons"]) for r in rows] == [
        (pid, "; ".join(v)) for pid, v in sorted(expected.items()) if v]
    page = open(doc["report"], encoding="utf-8").read()
    assert "<script" not in page and "http://" not in page and "https://" not in page and "<link" not in page
    assert "Sleep &amp; steps" in page and page.count("<tr") == 9
    proc = subprocess.run(FITVAULT + ["study", "--study-dir", str(folder), "status", "--as-of",
                                      "2026-11-21T12:00:00Z"], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "P008" in proc.stdout and "needs re-consent" in proc.stdout
    assert "test-refresh" not in proc.stdout + page and "test-access" not in proc.stdout + page


@pytest.mark.slow
def test_deidentified_offsets_live_in_postgres_and_exports_are_audited(study, tmp_path):
    conn, cipher, vaults = study[:3]
    first = export_participants(conn, cipher, vaults, "csv", tmp_path / "e1", deidentify=True, actor=STAFF)
    assert first.skipped == ["P004", "P005"]  # no vault; P006 withdrew: never exported
    offsets = {r["participant_id"]: r["shift_days"] for r in conn.execute(
        "SELECT participant_id, shift_days FROM study.deidentification ORDER BY 1")}
    assert sorted(offsets) == ["P001", "P002", "P003", "P004", "P005", "P007", "P008"]
    assert all(1 <= d <= 365 for d in offsets.values())
    export_participants(conn, cipher, vaults, "csv", tmp_path / "e2", deidentify=True, only=["P001"], actor=STAFF)
    with open(tmp_path / "e2" / "heart_rate" / "participant=P001" / "heart_rate.csv", encoding="utf-8") as fh:
        days = [r["local_time"][:10] for r in csv.DictReader(fh)]
    assert days[0] == (START - timedelta(days=offsets["P001"])).isoformat()  # the same offset again
    # the command, as staff run it
    folder, url = study[4], study[5]
    proc = subprocess.run(FITVAULT + ["study", "--study-dir", str(folder), "export", "parquet", "--out",
                                      str(tmp_path / "e3"), "--participant", "P002", "--json"],
                          env=dict(os.environ, FITVAULT_DATABASE_URL=url), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    manifest = json.loads((tmp_path / "e3" / "manifest.json").read_text())
    assert doc["files"] == len(manifest["files"]) and manifest["participants"] == ["P002"]
    assert doc["deidentified"] is False and doc["rows"] == sum(
        f["rows"] for f in manifest["files"] if f["table"] != "data_dictionary")
    logged = [e for e in audit.entries(conn) if e["action"] == "export"]
    assert [(e["detail"]["deidentified"], e["detail"]["participants"]) for e in logged] == [
        (True, ["P001", "P002", "P003", "P007", "P008"]), (True, ["P001"]), (False, ["P002"])]
    assert logged[0]["actor"] == STAFF and logged[2]["actor"].startswith("cli:")
    assert "shift" not in json.dumps([e["detail"] for e in logged])


def test_report_escapes_and_lists_only_who_to_contact(tmp_path):
    from fitvault.study.compliance import Compliance, DayWear
    from fitvault.study.report import render_html, write_contact_csv
    from fitvault.study.status import ParticipantStatus

    now = datetime(2026, 11, 21, 12, tzinfo=UTC)
    c = Compliance("P<1>", date(2026, 11, 19), None, now, 10.0,
                   days=[DayWear(date(2026, 11, 19), 300, "invalid"), DayWear(date(2026, 11, 20), 700, "valid")])
    p = roster.Participant("P<1>", "active", date(2026, 11, 19))
    quiet = ParticipantStatus(roster.Participant("P2", "active", date(2026, 11, 19)), "valid", None,
                              Compliance("P2", date(2026, 11, 19), None, now, 10.0))
    statuses = [ParticipantStatus(p, "valid", None, c, ["low wear (8.3 h/day over the last 2 days)"]), quiet]
    page = render_html(statuses, study_name="<b>x</b>", as_of=now, valid_day_hours=10)
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page and "P&lt;1&gt;" in page
    assert "5.0 h (invalid)" in page and "11.7 h (valid)" in page
    assert write_contact_csv(statuses, tmp_path / "c.csv") == 1
    assert (tmp_path / "c.csv").read_text().splitlines() == [
        "participant_id,reasons,state,grant,last_device_sync,battery_level,battery_status,last_data,recent_wear_hours",
        "P<1>,low wear (8.3 h/day over the last 2 days),active,valid,,,,,8.3",
    ]
