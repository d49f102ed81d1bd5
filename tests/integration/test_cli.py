"""The `fitvault` command as a person uses it: demo, status, dry run, help, errors, secrets."""

from __future__ import annotations

import json
import sqlite3
import subprocess

import pytest
from click.testing import CliRunner
from support.heart_rows import heart_rate_sql
from support.sim import FITVAULT, sim_env, store_sim_token

from fitvault.auth.tokens import TokenStore
from fitvault.cli import commands  # noqa: F401 - registers the commands
from fitvault.cli.main import cli
from fitvault.config import VaultPaths
from fitvault.datatypes import TYPE_IDS


def run(args, env, timeout=300):
    return subprocess.run(FITVAULT + args, env=env, capture_output=True, text=True, timeout=timeout)


def all_commands(group=cli, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if hasattr(command, "commands"):
            yield from all_commands(command, prefix + (name,))


@pytest.mark.parametrize("path", [p for p, _ in all_commands()], ids=lambda p: " ".join(p))
def test_every_command_has_help_text(path):
    result = CliRunner().invoke(cli, list(path) + ["--help"])
    assert result.exit_code == 0
    command = dict(all_commands())[path]
    assert command.help and len(command.help.strip()) > 20
    for param in command.params:
        if param.param_type_name == "option" and param.name not in ("help",):
            assert param.help, f"{' '.join(path)} --{param.name} has no help"


@pytest.mark.slow
def test_demo_verbose_prints_status_and_never_a_secret(tmp_path):
    vault = tmp_path / "demo"
    result = run(["--verbose", "--vault", str(vault), "demo", "--days", "3"], env=None)
    assert result.returncode == 0, result.stderr
    assert "heart-rate" in result.stdout and "Try next" in result.stdout
    assert f"  fitvault --vault {vault} mcp\n" in result.stdout  # the AI-assistant hint (docs/mcp.md)
    token = TokenStore(VaultPaths(vault).google_token).load()
    secrets = [token.access_token, token.refresh_token, token.client_secret]
    assert all(secrets)
    # The verbose log really logged requests ...
    assert "dataTypes/heart-rate/dataPoints" in result.stderr
    # ... and no secret appears in any output, nor in the vault's non-token files.
    haystacks = [result.stdout, result.stderr]
    for name in ("vault.sqlite", "raw.sqlite"):
        haystacks.append((vault / name).read_bytes().decode("latin-1"))
    for secret in secrets:
        for text in haystacks:
            assert secret not in text
    status = run(["--vault", str(vault), "status", "--json"], env=None)
    doc = json.loads(status.stdout)
    assert doc["vault"] == str(vault)
    hr = doc["types"]["heart-rate"]
    assert hr["records"] > 10000 and hr["days"] >= 3 and hr["last_sync"]
    assert set(doc["types"]) == set(TYPE_IDS)
    assert doc["time_zone"] and doc["devices"] and doc["devices"][0]["last_sync_time"]
    with sqlite3.connect(vault / "vault.sqlite") as conn:
        assert heart_rate_sql(conn, "SELECT count(*) FROM heart_rate").fetchone()[0] == hr["records"]


@pytest.mark.slow
def test_sync_verbose_never_prints_a_secret(sim, tmp_path):
    token = store_sim_token(sim, tmp_path)
    secret = sim.client_secrets()["installed"]["client_secret"]
    sim.clock.advance(2 * 3600)  # force a refresh during the run, so refresh traffic is logged too
    result = run(["--verbose", "sync", "--since", "2026-11-20", "--types", "heart-rate"], env=sim_env(sim, tmp_path))
    assert result.returncode == 0, result.stderr
    new_token = TokenStore(VaultPaths(tmp_path).google_token).load()
    assert new_token.access_token != token.access_token
    for value in (token.access_token, token.refresh_token, new_token.access_token, secret):
        assert value not in result.stdout and value not in result.stderr
        assert value not in (tmp_path / "raw.sqlite").read_bytes().decode("latin-1")
    assert value not in repr(new_token)


@pytest.mark.slow
def test_dry_run_shows_the_plan_and_fetches_no_data(sim, tmp_path):
    store_sim_token(sim, tmp_path)
    result = run(["sync", "--dry-run", "--since", "2026-11-01"], env=sim_env(sim, tmp_path))
    assert result.returncode == 0, result.stderr
    assert "sync plan" in result.stderr and "requests" in result.stderr
    assert [r for r in sim.requests if r.data_type] == []


@pytest.mark.slow
def test_sync_without_a_token_says_how_to_authorise(sim, tmp_path):
    result = run(["sync"], env=sim_env(sim, tmp_path))
    assert result.returncode == 3
    assert "fitvault auth google" in result.stderr


@pytest.mark.slow
def test_foreign_sqlite_file_is_refused(tmp_path):
    vault = tmp_path / "v"
    vault.mkdir()
    with sqlite3.connect(vault / "vault.sqlite") as conn:
        conn.execute("CREATE TABLE photos (id INTEGER)")
    result = run(["--vault", str(vault), "status"], env=None)
    assert result.returncode == 5
    assert "not a fitvault vault" in result.stderr
    (vault / "vault.sqlite").write_bytes(b"this is not a database at all" * 100)
    result = run(["--vault", str(vault), "status"], env=None)
    assert result.returncode == 5
    assert "not a fitvault vault" in result.stderr


@pytest.mark.slow
def test_auth_google_import_token_and_status(sim, tmp_path):
    issued = sim.issue_token()
    secrets_file = tmp_path / "client.json"
    secrets_file.write_text(json.dumps(sim.client_secrets()))
    raw = tmp_path / "token-response.json"
    raw.write_text(json.dumps(issued))
    env = sim_env(sim, tmp_path / "vault")
    result = run(["auth", "google", "--import-token", str(raw), "--client-secrets", str(secrets_file)], env=env)
    assert result.returncode == 0, result.stderr
    status = run(["auth", "status", "--json"], env=env)
    assert status.returncode == 0, status.stderr
    doc = json.loads(status.stdout)
    assert doc["refresh_token"] is True and doc["account"]
    assert issued["access_token"] not in status.stdout
    logout = run(["auth", "logout"], env=env)
    assert logout.returncode == 0 and "Revoked" in logout.stdout
    assert not VaultPaths(tmp_path / "vault").google_token.exists()


def test_bad_dates_are_usage_errors(tmp_path):
    result = CliRunner().invoke(cli, ["--vault", str(tmp_path), "sync", "--since", "yesterday"])
    assert result.exit_code == 2
    assert "Invalid value for '--since'" in result.output


@pytest.mark.slow
def test_demo_refuses_to_write_into_a_real_vault(sim, tmp_path):
    store_sim_token(sim, tmp_path)  # a vault that holds a token is someone's real vault
    before = VaultPaths(tmp_path).google_token.read_bytes()
    result = run(["--vault", str(tmp_path), "demo", "--days", "1"], env=None)
    assert result.returncode == 2
    assert "holds a real vault" in " ".join(result.stderr.split())
    assert VaultPaths(tmp_path).google_token.read_bytes() == before


@pytest.mark.slow
def test_bad_config_values_are_clear_errors(sim, tmp_path):
    store_sim_token(sim, tmp_path)
    (tmp_path / "config.toml").write_text("[sync]\nconcurrency = 'many'\n")
    result = run(["sync", "--dry-run"], env=sim_env(sim, tmp_path))
    assert result.returncode == 2
    assert "[sync] concurrency in config.toml must be a whole number from 1 to 16" in " ".join(result.stderr.split())


@pytest.mark.slow
def test_auth_google_no_browser_full_code_and_pkce_flow(sim, tmp_path):
    """`fitvault auth google --no-browser` against the simulator's OAuth endpoints: the person
    opens the printed URL elsewhere and pastes back the address the browser was sent to."""
    import httpx

    secrets_file = tmp_path / "client.json"
    secrets_file.write_text(json.dumps(sim.client_secrets()))
    proc = subprocess.Popen(
        FITVAULT + ["auth", "google", "--client-secrets", str(secrets_file), "--no-browser"],
        env=sim_env(sim, tmp_path / "vault"), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    consent_url = None
    for line in proc.stderr:
        if line.startswith(sim.auth_url):
            consent_url = line.strip()
            break
    assert consent_url and "code_challenge_method=S256" in consent_url and "access_type=offline" in consent_url
    # The "browser": the consent page redirects to the loopback address, which nobody serves.
    redirect = httpx.get(consent_url, follow_redirects=False).headers["location"]
    assert redirect.startswith("http://127.0.0.1:") and "code=" in redirect
    out, err = proc.communicate(redirect + "\n", timeout=60)
    assert proc.returncode == 0, err
    assert "Authorised" in out
    token = TokenStore(VaultPaths(tmp_path / "vault").google_token).load()
    assert token.refresh_token and token.access_token not in out + err
    status = run(["auth", "status", "--json"], env=sim_env(sim, tmp_path / "vault"))
    assert json.loads(status.stdout)["account"] == sim.person.health_user_id


def test_keyring_token_store_is_chosen_by_config(tmp_path, monkeypatch):
    import sys
    import types

    from fitvault import session
    from fitvault.auth.tokens import KeyringTokenStore

    fake = types.ModuleType("keyring")
    monkeypatch.setitem(sys.modules, "keyring", fake)
    paths = VaultPaths(tmp_path)
    assert type(session.token_store(paths)) is TokenStore
    (tmp_path / "config.toml").write_text('[auth]\ntoken_store = "keyring"\n')
    assert isinstance(session.token_store(paths), KeyringTokenStore)
    (tmp_path / "config.toml").write_text('[auth]\ntoken_store = "vault"\n')
    with pytest.raises(Exception, match='must be "file" or "keyring"'):
        session.token_store(paths)
