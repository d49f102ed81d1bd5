"""Legacy Fitbit OAuth against the simulator: consent with PKCE, single-use refresh tokens
rotated and stored before use, a concurrent refresh (409), retirement (410), and no token ever
in a log or a vault file other than the token file."""

from __future__ import annotations

import stat
import subprocess
import threading
from datetime import date
from pathlib import Path

import httpx
import pytest
from support.fitbit import client, endpoints, env, make_sim, store_token
from support.races import DEADLINE_S, HeldSleeps, count_calls
from support.sim import FITVAULT

from fitvault import errors
from fitvault.auth.tokens import TokenStore
from fitvault.config import VaultPaths
from fitvault.demo import headless_browser
from fitvault.sources import fitbit
from fitvault.sources.fitbit import auth as fitbit_auth
from fitvault.store.vault import Vault
from fitvault.sync import SyncOptions
from fitvault_simulator.fitbit import oauth as sim_fitbit_oauth


def app_of(sim) -> fitbit_auth.FitbitApp:
    return fitbit_auth.FitbitApp(sim.config.client_id, sim.config.client_secret)


def browser(url: str) -> None:
    """The person's browser, in a thread: follows the consent redirect to the loopback receiver."""
    threading.Thread(target=headless_browser, args=(url,), daemon=True).start()


def test_authorize_runs_code_flow_with_pkce_and_stores_the_token(tmp_path):
    with make_sim() as sim:
        seen = []
        token = fitbit_auth.authorize(app_of(sim), endpoints(sim), port=0, timeout_s=10,
                                      open_browser=lambda url: (seen.append(url), browser(url)))
        query = httpx.URL(seen[0]).params
        assert query["response_type"] == "code" and query["code_challenge_method"] == "S256"
        assert 43 <= len(query["code_challenge"]) <= 128 and query["state"]
        assert set(query["scope"].split()) == set(fitbit_auth.DEFAULT_SCOPES)
        assert token.refresh_token and len(token.refresh_token) == 64
        assert set(token.scopes) == set(fitbit_auth.DEFAULT_SCOPES) and token.expires_at - token.obtained_at == 28800
        assert sim.tokens.authenticate(token.access_token) != "invalid"
        store = fitbit.token_store(VaultPaths(tmp_path))
        store.save(token)
        assert stat.S_IMODE(store.path.stat().st_mode) == 0o600 and store.path.name == "fitbit-token.json"
        assert "masked" in repr(token) and token.access_token not in repr(token)


def test_authorize_public_client_and_refused_consent(tmp_path):
    with make_sim(app_type="client") as sim:
        token = fitbit_auth.authorize(fitbit_auth.FitbitApp(sim.config.client_id), endpoints(sim), port=0,
                                      timeout_s=10, open_browser=browser)
        assert token.client_secret is None and token.refresh_token
        sim.config.deny_consent = True
        with pytest.raises(errors.AuthorizationDenied, match="access_denied"):
            fitbit_auth.authorize(fitbit_auth.FitbitApp(sim.config.client_id), endpoints(sim), port=0,
                                  timeout_s=10, open_browser=browser)


def test_authorize_against_the_retired_api_stops_before_the_browser():
    with make_sim(retired=True) as sim:
        opened = []
        with pytest.raises(errors.FitbitApiRetired, match="fitvault auth google"):
            fitbit_auth.authorize(app_of(sim), endpoints(sim), port=0, timeout_s=10, open_browser=opened.append)
        assert opened == []


@pytest.mark.slow
def test_each_rotated_pair_is_stored_before_it_is_used_and_old_ones_die(tmp_path):
    with make_sim() as sim:
        first = store_token(sim, tmp_path, expired=True)
        path = VaultPaths(tmp_path).fitbit_token
        observed = []

        def check(access_token: str) -> None:  # the simulator calls this for every API request
            stored = fitbit.token_store(VaultPaths(tmp_path)).load()
            observed.append(stored.access_token == access_token)
            if len(observed) == 4:
                sim.clock.advance(9 * 3600)  # the access token expires mid-run: a 401, a second rotation

        sim.observers.append(check)
        with Vault(tmp_path) as v, client(sim, tmp_path) as c:
            report = fitbit.sync(v, c, SyncOptions(types=("heart-rate",), since=date(2026, 11, 1), until=date(2026, 11, 6)),
                                 granted_scopes={"heartrate"})
        assert report.incomplete == []
        assert len(observed) == 7 and all(observed)  # every request used the token already in the file
        assert sim.tokens.refreshes == 2
        last = fitbit.token_store(VaultPaths(tmp_path)).load()
        assert last.refresh_token != first.refresh_token and stat.S_IMODE(path.stat().st_mode) == 0o600
        assert sim.tokens.refresh_token_state(first.refresh_token) == "used"
        assert sim.tokens.refresh_token_state(last.refresh_token) == "live"
        # Reusing a spent refresh token: Fitbit answers invalid_grant (quoting the token, which we hide).
        raw = httpx.post(sim.token_url, data={"grant_type": "refresh_token", "refresh_token": first.refresh_token},
                         auth=(sim.config.client_id, sim.config.client_secret))
        assert raw.status_code == 400 and raw.json()["errors"][0]["errorType"] == "invalid_grant"
        with pytest.raises(errors.ReauthRequired, match="fitvault auth fitbit") as caught:
            fitbit_auth.refresh(first, endpoints(sim))
        assert first.refresh_token not in str(caught.value)


def _other_program_refreshes(sim, tmp_path, held: HeldSleeps, *, store_result: bool) -> threading.Thread:
    """Another program holding the same token refreshes it without fitvault's lock; its refresh
    stays in flight at the simulator (a refresh token "refreshing") until ``held`` is released."""
    store = fitbit.token_store(VaultPaths(tmp_path))
    old = store.load()

    def run() -> None:
        new = fitbit_auth.refresh(old, endpoints(sim))
        if store_result:
            with store.lock():
                store.save(new)

    thread = threading.Thread(target=run)
    thread.start()
    held.entered.expect(1, "the other program's refresh in flight")
    assert sim.tokens.refresh_token_state(old.refresh_token) == "refreshing"
    return thread


def after_the_other(held: HeldSleeps, other: threading.Thread):
    """FitbitAuth's wait after a 409: the other program's refresh finishes (and stores, or not)
    during it, whatever the machine's load."""

    def sleep(_seconds: float) -> None:
        held.release()
        other.join(DEADLINE_S)

    return sleep


def test_concurrent_refresh_409_is_resolved_from_the_token_file(tmp_path, monkeypatch):
    with make_sim(refresh_delay_s=1.0) as sim:  # held, not slept
        held = HeldSleeps(monkeypatch, sim_fitbit_oauth)
        store_token(sim, tmp_path, expired=True)
        other = _other_program_refreshes(sim, tmp_path, held, store_result=True)
        auth = fitbit_auth.FitbitAuth(fitbit.token_store(VaultPaths(tmp_path)), endpoints(sim),
                                      sleep=after_the_other(held, other), conflict_waits=(0.2, 0.4, 0.8, 1.6))
        with client(sim, tmp_path, auth=auth) as c:
            profile = c.profile()
        other.join()
        assert profile["timezone"] == "America/New_York"
        assert auth.conflicts == 1 and sim.tokens.conflicts == 1 and sim.tokens.refreshes == 1
        stored = fitbit.token_store(VaultPaths(tmp_path)).load()
        assert auth.token == stored  # fitvault adopted the pair the other program stored


@pytest.mark.slow
def test_concurrent_refresh_whose_winner_never_stores_asks_to_authorise_again(tmp_path, monkeypatch):
    with make_sim(refresh_delay_s=1.0) as sim:  # held, not slept
        held = HeldSleeps(monkeypatch, sim_fitbit_oauth)
        store_token(sim, tmp_path, expired=True)
        other = _other_program_refreshes(sim, tmp_path, held, store_result=False)
        auth = fitbit_auth.FitbitAuth(fitbit.token_store(VaultPaths(tmp_path)), endpoints(sim),
                                      sleep=after_the_other(held, other), conflict_waits=(0.1, 0.2, 0.4))
        with client(sim, tmp_path, auth=auth) as c, pytest.raises(errors.ReauthRequired, match="fitvault auth fitbit"):
            c.profile()
        other.join()
        assert sim.tokens.conflicts == 1 and sim.tokens.reuses == 1


def test_two_processes_needing_a_refresh_rotate_once(tmp_path, monkeypatch):
    """The token file's lock: the second sees the pair the first stored (its old one is spent).
    The first refresh stays in flight until all three are at the lock."""
    with make_sim(refresh_delay_s=1.0) as sim:
        held = HeldSleeps(monkeypatch, sim_fitbit_oauth)
        store_token(sim, tmp_path, expired=True)
        asked = count_calls(monkeypatch, TokenStore, "lock")
        results, failures = [], []

        def run() -> None:
            auth = fitbit_auth.FitbitAuth(fitbit.token_store(VaultPaths(tmp_path)), endpoints(sim))
            try:
                with client(sim, tmp_path, auth=auth) as c:
                    results.append(c.profile()["encodedId"])
            except Exception as exc:  # noqa: BLE001 - reported below
                failures.append(exc)

        threads = [threading.Thread(target=run) for _ in range(3)]
        for t in threads:
            t.start()
        held.entered.expect(1, "the first refresh in flight")
        asked.expect(3, "threads at the token file's lock")
        held.release()
        for t in threads:
            t.join()
        assert failures == [] and len(results) == 3
        assert sim.tokens.refreshes == 1 and sim.tokens.conflicts == 0


@pytest.mark.slow
def test_spent_refresh_token_on_the_cli_is_exit_3_with_what_to_do(tmp_path):
    with make_sim() as sim:
        token = store_token(sim, tmp_path, expired=True)
        fitbit_auth.refresh(token, endpoints(sim))  # someone else rotated it and lost the new pair
        result = subprocess.run(FITVAULT + ["sync", "--source", "fitbit", "--since", "2026-11-20"],
                                env=env(sim, tmp_path), capture_output=True, text=True, timeout=60)
        assert result.returncode == 3, result.stderr
        message = " ".join(result.stderr.split())
        assert "fitvault auth fitbit" in message and token.refresh_token not in result.stderr


@pytest.mark.slow
def test_tokens_never_reach_logs_or_the_vaults_other_files(tmp_path):
    with make_sim() as sim:
        old = store_token(sim, tmp_path, expired=True)  # forces a rotation during the run
        sim.config.quota_limit = 1000
        result = subprocess.run(FITVAULT + ["--verbose", "sync", "--source", "fitbit", "--since", "2026-11-19",
                                            "--types", "heart-rate,sleep,weight"],
                                env=env(sim, tmp_path), capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "/1/user/-/activities/heart/date/" in result.stderr  # the verbose log really logged requests
        new = fitbit.token_store(VaultPaths(tmp_path)).load()
        secrets = [old.access_token, old.refresh_token, new.access_token, new.refresh_token, sim.config.client_secret]
        assert new.refresh_token != old.refresh_token
        haystacks = [result.stdout, result.stderr]
        for f in Path(tmp_path).iterdir():
            if f.is_file() and not f.name.startswith("fitbit-token.json"):
                haystacks.append(f.read_bytes().decode("latin-1"))
        with Vault(tmp_path) as v:
            haystacks += [body.decode("latin-1") + repr(request) for _i, _s, request, body in v.raw_pages()]
        for secret in secrets:
            assert all(secret not in text for text in haystacks)


def test_api_error_messages_never_quote_the_token(tmp_path):
    from fitvault.sources.fitbit.client import parse_error

    with make_sim() as sim:
        token = store_token(sim, tmp_path)
        sim.clock.advance(9 * 3600)
        raw = httpx.get(sim.url + "/1/user/-/profile.json", headers={"Authorization": f"Bearer {token.access_token}"})
        assert raw.status_code == 401 and token.access_token in raw.text  # Fitbit quotes it ...
        error = parse_error(raw)
        assert isinstance(error, errors.Unauthenticated) and error.status == "expired_token"
        assert token.access_token not in str(error) and "Access token expired" in str(error)  # ... we do not


@pytest.mark.slow
def test_cli_auth_fitbit_no_browser_then_logout(tmp_path):
    with make_sim() as sim:
        environ = {**env(sim, tmp_path), "FITVAULT_FITBIT_CLIENT_SECRET": sim.config.client_secret}
        proc = subprocess.Popen(FITVAULT + ["auth", "fitbit", "--client-id", sim.config.client_id, "--no-browser",
                                            "--port", "18080"],
                                env=environ, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        url = ""
        while not url.startswith("http"):
            url = proc.stderr.readline().strip()
        consent = httpx.get(url, follow_redirects=False)  # the person allows access in a browser ...
        assert consent.status_code == 302
        out, err = proc.communicate(consent.headers["location"] + "\n", timeout=30)  # ... and pastes the address
        assert proc.returncode == 0, err
        assert "Authorised" in out and "fitbit-token.json" in out
        path = VaultPaths(tmp_path).fitbit_token
        token = fitbit.token_store(VaultPaths(tmp_path)).load()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600 and token.client_id == sim.config.client_id
        assert token.access_token not in out + err and sim.config.client_secret not in out + err
        result = subprocess.run(FITVAULT + ["auth", "fitbit", "--logout"], env=environ, capture_output=True, text=True,
                                timeout=30)
        assert result.returncode == 0 and "Revoked at Fitbit" in result.stdout
        assert not path.exists() and sim.tokens.authenticate(token.access_token) == "invalid"
