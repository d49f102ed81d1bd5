"""The study commands end to end as a coordinator runs them (subprocesses, real PostgreSQL, the
simulator): init, add, invite, enrol --import-token, sync, worker --once, handover, withdraw."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from support.postgres import *  # noqa: F401,F403 - the fixtures
from support.sim import SIM_NOW
from support.truth import assert_vault_equals_truth

from fitvault.store.vault import Vault
from fitvault.study import audit, db, roster
from fitvault.study.settings import DEFAULT_CONSENT

FITVAULT = [sys.executable, "-m", "fitvault"]


def _run(env, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(FITVAULT + ["study", *args], env=env, capture_output=True, text=True, timeout=300)
    if ok:
        assert done.returncode == 0, done.stderr
    return done


def test_every_study_command_has_help_and_says_what_to_do_without_a_database(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from fitvault.cli.main import cli

    runner = CliRunner()
    for name in ("init", "add", "invite", "enrol", "sync", "worker", "withdraw", "handover", "up"):
        done = runner.invoke(cli, ["study", name, "--help"], prog_name="fitvault")
        assert done.exit_code == 0 and "Usage: fitvault study " + name in done.output
    monkeypatch.delenv("FITVAULT_DATABASE_URL", raising=False)
    done = runner.invoke(cli, ["study", "--study-dir", str(tmp_path), "add", "P001", "--start", "2026-12-01"])
    assert done.exit_code == 2 and "FITVAULT_DATABASE_URL" in done.output


@pytest.mark.slow
def test_a_coordinator_runs_a_small_study_from_the_command_line(study_url, tmp_path):
    from fitvault_simulator import Simulator, SimulatorConfig

    study_dir = tmp_path / "study"
    with Simulator(SimulatorConfig(seed=7, now=SIM_NOW, people=2, heart_rate_interval_s=0)) as sim:
        client = tmp_path / "web-client.json"
        client.write_text(json.dumps(sim.client_secrets(kind="web", redirect_uris=["https://s.example/oauth/callback"])))
        env = {**os.environ, "FITVAULT_DATABASE_URL": study_url, "FITVAULT_STUDY_DIR": str(study_dir),
               "FITVAULT_GOOGLE_API_URL": sim.url, "FITVAULT_GOOGLE_AUTH_URL": sim.auth_url,
               "FITVAULT_GOOGLE_TOKEN_URL": sim.token_url, "FITVAULT_GOOGLE_REVOKE_URL": sim.revoke_url}
        env.pop("FITVAULT_STUDY_KEY", None)
        settings = json.loads(_run(env, "init", "--name", "Sleep study", "--client-secrets", str(client),
                                   "--public-url", "https://s.example", "--json").stdout)
        assert (settings["name"], settings["api_url"], settings["client_id"]) == (
            "Sleep study", sim.url, sim.config.web_client_id)
        assert "client_secret" not in settings
        start = (SIM_NOW - timedelta(days=2)).date()
        added = json.loads(_run(env, "add", "P001", "P002", "--start", start.isoformat(), "--json").stdout)
        assert [(p["participant_id"], p["state"], p["window_start"]) for p in added] == [
            ("P001", "added", start.isoformat()), ("P002", "added", start.isoformat())]
        links = json.loads(_run(env, "invite", "--all-new", "--json").stdout)
        assert [x["participant_id"] for x in links] == ["P001", "P002"]
        assert all(x["url"].startswith("https://s.example/i/") for x in links)
        assert json.loads(_run(env, "invite", "--needs-reconsent", "--json").stdout) == []
        with db.connect(study_url) as conn:
            roster.mark_needs_reconsent(conn, "P002", "grant failed: test", public_url="https://s.example")
        again = json.loads(_run(env, "invite", "--needs-reconsent", "--json").stdout)
        assert [x["participant_id"] for x in again] == ["P002"]
        with db.connect(study_url) as conn:
            assert roster.open_invite(conn, again[0]["url"].rsplit("/", 1)[1]).participant_id == "P002"

        token_file = tmp_path / "grant.json"
        token_file.write_text(json.dumps(sim.issue_token(person=1, web=True)))
        enrolled = json.loads(_run(env, "enrol", "P001", "--import-token", str(token_file), "--json").stdout)
        assert enrolled["state"] == "active" and enrolled["sync_queued"] is True
        with db.connect(study_url) as conn:  # the same fingerprint as the enrolment site records
            row = conn.execute("SELECT consent_text_sha256 FROM study.participants WHERE participant_id = 'P001'")
            assert row.fetchone()["consent_text_sha256"] == hashlib.sha256(DEFAULT_CONSENT.encode()).hexdigest()
        again = json.loads(_run(env, "sync", "P001", "--json").stdout)
        assert again == {"queued": [], "already_queued": ["P001"]}  # the backfill is still waiting
        _run(env, "worker", "--once")
        with Vault(study_dir / "vaults" / "P001") as v:
            assert_vault_equals_truth(v, sim.persons[1], sim.clock.now_ms(), since=start)

        out = tmp_path / "handed-over"
        _run(env, "handover", "P001", "--out", str(out))
        assert sorted(p.name for p in out.iterdir()) == ["raw.sqlite", "vault.sqlite"]
        status = subprocess.run(FITVAULT + ["--vault", str(out), "status"], capture_output=True, text=True, timeout=120)
        assert status.returncode == 0, status.stderr

        withdrawn = json.loads(_run(env, "withdraw", "P001", "--delete-data", "--json").stdout)
        assert withdrawn == {"participant_id": "P001", "state": "withdrawn", "revoked_at_google": True,
                             "data_deleted": True}
        assert not (study_dir / "vaults" / "P001").exists()
        assert sim.tokens.refresh_tokens_of(1) == []  # revoked at "Google"
        missing = _run(env, "handover", "P404", "--out", str(tmp_path / "x"), ok=False)
        assert missing.returncode == 2 and "no participant 'P404'" in missing.stderr
    with db.connect(study_url) as conn:
        actions = [e["action"] for e in audit.entries(conn)]
        assert actions[:1] == ["study.init"] and "participant.withdraw" in actions and "participant.handover" in actions
        assert roster.get_participant(conn, "P002").state == "needs_reconsent"
        text = repr(audit.entries(conn))
        assert "1//sim-" not in text and "ya29" not in text
