"""Auth hardening end to end, against the simulator's OAuth endpoints and the real loopback
receiver. tests/unit/test_auth.py already covers the unit cases (wrong/missing state, missing code,
``error=access_denied`` with a fake Google; loopback binds 127.0.0.1 only, answers one callback,
times out; atomic 0600 token writes when ``os.replace``/``os.write`` fail; refresh once on 401;
one refresh across threads and processes); this module adds what needs the whole system:
refusal through the CLI, a forged callback racing the real one, a busy loopback, narrowed
scopes through a sync, revocation in the middle of a sync, clock skew, SIGKILL during token
writes.
"""

from __future__ import annotations

import dataclasses
import os
import random
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from support.reliability import (
    WORLD_SINCE,
    assert_exact,
    assert_sound,
    assert_token_file_sound,
    cursor_gaps,
    file_digest,
    foreign_rows,
    mismatched_tables,
    run_now_ms,
    world,
)
from support.sim import (
    FAST_RETRY,
    FITVAULT,
    auth_google_no_browser,
    sim_client,
    sim_endpoints,
    sim_env,
    store_sim_token,
)
from support.truth import vault_heart_rate

from fitvault import errors, session, timeutil
from fitvault.config import VaultPaths
from fitvault.datatypes import STREAMS_BY_NAME
from fitvault.datatypes.heart_rate import HeartRate
from fitvault.sources.google import GoogleAuth, LoopbackReceiver, Token, TokenStore, authorize, sync
from fitvault.sources.google.client import HealthApiClient
from fitvault.sources.google.client_secrets import ClientSecrets
from fitvault.sources.google.ratelimit import RollingWindowLimiter
from fitvault.store.vault import Vault
from fitvault.sync import SyncOptions
from fitvault_simulator import catalog

HR_ONLY = SyncOptions(since=date(2026, 10, 22), types=("heart-rate",))


@pytest.fixture
def sim():
    with world(quota_per_window=1_000_000) as s:
        yield s


def secrets_of(sim) -> ClientSecrets:
    return ClientSecrets.from_dict(sim.client_secrets())


# -- the consent screen -----------------------------------------------------------------------------
@pytest.mark.slow
def test_consent_refused_through_the_cli_is_exit_3_and_stores_nothing(sim, tmp_path):
    sim.config.deny_consent = True
    vault_dir = tmp_path / "vault"
    result = auth_google_no_browser(sim, vault_dir, tmp_path)
    message = " ".join(result.stderr.split())
    assert result.returncode == 3, result.stderr
    assert "consent was refused" in message and "error=access_denied" in message
    assert "Traceback" not in result.stderr
    assert not VaultPaths(vault_dir).google_token.exists()


def test_a_forged_callback_that_wins_the_race_is_refused(sim):
    """Another local process hits the loopback receiver first with its own code (login CSRF):
    the state does not match, nothing is exchanged, and the real redirect gets "already answered"."""
    answers = {}

    def attacker_then_browser(url: str) -> None:
        redirect_uri = parse_qs(urlsplit(url).query)["redirect_uri"][0]
        with httpx.Client(trust_env=False) as attacker:
            answers["forged"] = attacker.get(redirect_uri + "?state=guessed&code=4/attacker-code").status_code
        with httpx.Client(trust_env=False) as browser:  # the person's real consent, a moment later
            consent = browser.get(url, follow_redirects=False).headers["location"]
            try:
                answers["real"] = browser.get(consent).status_code
            except httpx.TransportError:
                answers["real"] = "closed"

    with pytest.raises(errors.AuthorizationDenied, match="state does not match") as info:
        authorize(secrets_of(sim), sim_endpoints(sim), open_browser=attacker_then_browser, timeout_s=10)
    assert answers["forged"] == 200 and answers["real"] in (410, "closed")
    assert "attacker-code" not in str(info.value)
    assert all(not code.used for code in sim.codes._codes.values())  # no code was exchanged


@pytest.mark.slow
def test_consent_with_narrowed_scopes_syncs_what_was_granted_and_names_the_rest(sim, tmp_path):
    """The person unticks health metrics and location on Google's consent screen: `auth google`
    says what is missing, and `sync` stores every granted type exactly and skips the others by
    name: those the token lacks a scope for before asking, and heart rate (which the docs put
    under either scope, docs/facts/google-health-api.md#scope-of-heart-rate-and-vo2-max) when the server refuses it."""
    sim.config.granted_scopes = {catalog.SLEEP, catalog.ACTIVITY, catalog.PROFILE, catalog.SETTINGS}
    vault_dir = tmp_path / "vault"
    auth = auth_google_no_browser(sim, vault_dir, tmp_path)
    assert auth.returncode == 0, auth.stderr
    assert "not granted: googlehealth.health_metrics_and_measurements.readonly" in " ".join(auth.stderr.split())
    result = subprocess.run(FITVAULT + ["sync", "--since", WORLD_SINCE.isoformat()], env=sim_env(sim, vault_dir),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stderr.split())
    not_granted = {name for name, s in STREAMS_BY_NAME.items() if not {catalog.ACTIVITY, catalog.SLEEP} & set(s.scopes)}
    assert "oxygen-saturation" in not_granted and "heart-rate" not in not_granted
    for name in not_granted:  # health metrics, or the scope of an opt-in group (never asked here)
        lacks = " or ".join(s.rsplit("/", 1)[-1] for s in STREAMS_BY_NAME[name].scopes)
        assert f"skipped {name}: not granted: the token lacks {lacks}" in text
    assert "skipped heart-rate: permission denied" in text and "fitvault auth google" in text
    assert "routes not fetched" in text  # exercise routes need the location scope too
    with Vault(vault_dir) as v:
        empty = {t for name in not_granted | {"heart-rate"} for t in STREAMS_BY_NAME[name].tables} | {"exercise_tcx"}
        problems = [line for line in mismatched_tables(v, sim.person, WORLD_SINCE, sim.clock.now_ms())
                    if line.split(":")[0] not in empty]
        assert problems == []
        for table in empty:
            assert v.conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)
        assert v.conn.execute("SELECT count(*) FROM sleep_sessions").fetchone()[0] > 0
        assert v.conn.execute("SELECT count(*) FROM steps").fetchone()[0] > 1000


def test_a_token_claiming_more_scopes_than_granted_skips_the_refused_types(sim, tmp_path):
    """The stored scope list is wrong (an imported token, a consent changed since): the server's
    403s skip those types with a message, the granted ones are stored, the run completes."""
    store_sim_token(sim, tmp_path, scopes=[catalog.SLEEP])
    store = TokenStore(VaultPaths(tmp_path).google_token)
    store.save(dataclasses.replace(store.load(), scopes=tuple(catalog.READ_SCOPES)))
    types = ("sleep", "oxygen-saturation", "weight")
    with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
        report = sync(v, client, SyncOptions(since=WORLD_SINCE, types=types), granted_scopes=set(catalog.READ_SCOPES),
                      now_ms=sim.clock.now_ms())
        assert report.incomplete == []
        skipped = dict(line.split(": ", 1) for line in report.skipped)
        assert set(skipped) == {"oxygen-saturation", "weight"}
        assert all("permission denied" in why and "fitvault auth google" in why for why in skipped.values())
        assert v.conn.execute("SELECT count(*) FROM sleep_sessions").fetchone()[0] > 0


# -- the loopback receiver under stress -----------------------------------------------------------------
def test_loopback_is_not_blocked_by_silent_connections_and_serves_exactly_one_of_many(tmp_path):
    with LoopbackReceiver() as receiver:
        port = receiver.port
        with pytest.raises(OSError):  # IPv6 loopback: nothing listens there either
            socket.create_connection(("::1", port), timeout=1).close()
        silent = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]  # speculative preconnects
        with httpx.Client(trust_env=False, timeout=5) as client:
            assert client.post(f"http://127.0.0.1:{port}/?state=s&code=post").status_code == 501  # not consumed
            assert client.get(f"http://127.0.0.1:{port}/callback?state=s&code=x").status_code == 404
            statuses: dict[int, int] = {}

            def hit(i: int) -> None:
                statuses[i] = client.get(f"http://127.0.0.1:{port}/?state=s&code=c{i}").status_code

            threads = [threading.Thread(target=hit, args=(i,)) for i in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        got = receiver.wait(5)
        for s in silent:
            s.close()
    assert sorted(statuses.values()) == [200] + [410] * 7
    winner = next(i for i, status in statuses.items() if status == 200)
    assert got == f"http://127.0.0.1:{port}/?state=s&code=c{winner}"


# -- revoked tokens --------------------------------------------------------------------------------------
@pytest.mark.slow
def test_revocation_in_the_middle_of_a_sync(sim, tmp_path):
    """The person removes fitvault's access while a sync runs: the run stops with "run `fitvault
    auth google`", the token file is untouched and the vault consistent; after consenting again
    the next run ends exact."""
    token = store_sim_token(sim, tmp_path)
    token_path = VaultPaths(tmp_path).google_token
    before = file_digest(token_path)
    count = [0]

    def revoke_after_five(method, path, status, elapsed):
        count[0] += 1
        if count[0] == 5:
            sim.tokens.revoke(token.refresh_token)

    with Vault(tmp_path) as v, session.api_client(VaultPaths(tmp_path), sim_endpoints(sim), retry=FAST_RETRY,
                                                  on_request=revoke_after_five) as client:
        with pytest.raises(errors.ReauthRequired, match="fitvault auth google") as info:
            sync(v, client, SyncOptions(since=WORLD_SINCE), now_ms=run_now_ms(sim))
        assert token.refresh_token not in str(info.value)
        assert info.value.report.requests >= 5
        assert_sound(v)
        assert cursor_gaps(v, sim.person, sim.clock.now_ms()) == []
        assert foreign_rows(v, sim.person, sim.clock.now_ms()) == []
    assert file_digest(token_path) == before
    assert_token_file_sound(tmp_path)
    store_sim_token(sim, tmp_path)  # consent again
    with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:
        report = sync(v, client, SyncOptions(), now_ms=run_now_ms(sim))  # resumes the stopped windows
        assert report.incomplete == []
        assert_exact(v, sim.person, WORLD_SINCE, sim.clock.now_ms())


@pytest.mark.slow
def test_revoked_token_on_the_cli_is_exit_3_and_touches_nothing(sim, tmp_path):
    token = store_sim_token(sim, tmp_path)
    sim.tokens.revoke(token.refresh_token)
    before = file_digest(VaultPaths(tmp_path).google_token)
    result = subprocess.run(FITVAULT + ["sync", "--since", WORLD_SINCE.isoformat()], env=sim_env(sim, tmp_path),
                            capture_output=True, text=True, timeout=60)
    message = " ".join(result.stderr.split())
    assert result.returncode == 3, result.stderr
    assert "expired or revoked" in message and "fitvault auth google" in message
    assert "Traceback" not in result.stderr
    assert file_digest(VaultPaths(tmp_path).google_token) == before


# -- clock skew --------------------------------------------------------------------------------------------
def counting_client(sim, vault_dir: Path, refreshes: list, on_request=None):
    """A client whose auth reports every refresh (``refreshes``)."""
    endpoints = sim_endpoints(sim)
    auth = GoogleAuth(TokenStore(VaultPaths(vault_dir).google_token), endpoints, on_refresh=refreshes.append)
    return HealthApiClient(endpoints.api_url, auth, limiter=RollingWindowLimiter(100_000), retry=FAST_RETRY,
                           timeout_s=5.0, on_request=on_request)


def test_local_clock_ahead_of_the_server_refreshes_once(sim, tmp_path):
    """The token looks expired here (our clock is ahead) though the server still accepts it:
    one refresh before the first request, not one per request or per worker."""
    token = store_sim_token(sim, tmp_path)
    store = TokenStore(VaultPaths(tmp_path).google_token)
    store.save(dataclasses.replace(token, expires_at=time.time() - 3600, obtained_at=time.time() - 7200))
    refreshes: list[Token] = []
    with Vault(tmp_path) as v, counting_client(sim, tmp_path, refreshes) as client:
        report = sync(v, client, HR_ONLY, now_ms=sim.clock.now_ms())
    assert report.incomplete == [] and len(refreshes) == 1
    assert 401 not in {r.status for r in sim.requests}
    assert_token_file_sound(tmp_path)
    assert store.load().access_token == refreshes[0].access_token


@pytest.mark.slow
def test_server_clock_ahead_and_jumping_refreshes_once_per_expiry(sim, tmp_path, monkeypatch):
    """The server expires the access token while our clock says it is fresh (its clock is ahead,
    and jumps two hours three times during the run): each expiry costs one refresh, shared by
    the four workers, and the run ends exact."""
    monkeypatch.setattr(HeartRate, "page_size", 2500)  # ~11 pages: room for three jumps
    store_sim_token(sim, tmp_path)
    now_ms = sim.clock.now_ms()
    jumps, count, lock = [], [0], threading.Lock()

    def jump(method, path, status, elapsed):
        with lock:
            count[0] += 1
            if count[0] in (2, 6, 10):
                sim.clock.advance(2 * 3600)
                jumps.append(count[0])

    refreshes: list[Token] = []
    with Vault(tmp_path) as v, counting_client(sim, tmp_path, refreshes, on_request=jump) as client:
        report = sync(v, client, SyncOptions(since=WORLD_SINCE, types=("heart-rate", "steps")), now_ms=now_ms)
        assert report.incomplete == []
        assert len(jumps) == 3 and len(refreshes) == 3
        assert sum(1 for r in sim.requests if r.status == 401) >= 3
        # The window ends at the run's now rounded up to the second; the server's clock has
        # moved on since, so what it serves up to that bound is read as of its final time.
        final = timeutil.from_ms(sim.clock.now_ms())
        assert cursor_gaps(v, sim.person, sim.clock.now_ms()) == []
        lower = timeutil.utc_midnight_ms(WORLD_SINCE) - 14 * 3_600_000
        upper = now_ms + 1000 - now_ms % 1000
        want = sim.person.heart_rate(timeutil.from_ms(lower), timeutil.from_ms(upper), as_of=final)
        assert vault_heart_rate(v) == [tuple(x) for x in want]
    assert_token_file_sound(tmp_path)


# -- SIGKILL during token writes -------------------------------------------------------------------------------
_WRITER = textwrap.dedent(
    """
    import dataclasses, os, signal, sys, time
    from fitvault.sources.google import Token, TokenStore

    path, mode = sys.argv[1], sys.argv[2]
    store = TokenStore(path)
    base = store.load()
    if mode == "between-write-and-rename":
        os.replace = lambda src, dst: os.kill(os.getpid(), signal.SIGKILL)
        store.save(dataclasses.replace(base, access_token="ya29.never-renamed"))
    i = 0
    while True:  # tokens A and B, alternately, as fast as the disk allows
        i += 1
        store.save(dataclasses.replace(base, access_token="ya29.token-" + "AB"[i % 2] * 40))
        if i == 1:
            print("saved", flush=True)  # one whole new token is in place: kill from here on
    """
)


def writer(path: Path, mode: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", _WRITER, str(path), mode], stdout=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_sigkill_during_token_writes_leaves_a_valid_0600_file(sim, tmp_path):
    """A process rewriting the token in a loop is killed at random moments: the file is always
    one whole token (A or B), 0600; stray temp files are 0600 and are removed later."""
    store_sim_token(sim, tmp_path)
    path = VaultPaths(tmp_path).google_token
    rng = random.Random(7)
    seen = set()
    for _ in range(6):
        proc = writer(path, "loop")
        assert proc.stdout.readline().strip() == "saved"
        time.sleep(rng.uniform(0.0, 0.15))  # not a synchronisation: where in the writes the kill lands
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        token = TokenStore(path).load()
        assert token is not None and token.access_token[-40:] in ("A" * 40, "B" * 40)
        seen.add(token.access_token[-1])
        assert_token_file_sound(tmp_path)
        for tmp in tmp_path.glob(".google-token.json.*.tmp"):
            assert os.stat(tmp).st_mode & 0o077 == 0
    assert seen  # the writer got through at least one save each time


@pytest.mark.slow
def test_sigkill_between_temp_write_and_rename_keeps_the_old_token(sim, tmp_path):
    token = store_sim_token(sim, tmp_path)
    path = VaultPaths(tmp_path).google_token
    proc = writer(path, "between-write-and-rename")
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert TokenStore(path).load() == token  # the old token, whole
    assert_token_file_sound(tmp_path)
    (leftover,) = tmp_path.glob(".google-token.json.*.tmp")  # a full copy of the new token ...
    assert os.stat(leftover).st_mode & 0o077 == 0 and "never-renamed" in leftover.read_text()
    os.utime(leftover, (time.time() - 120, time.time() - 120))
    TokenStore(path).save(token)  # ... removed by the next save once it is clearly stale,
    assert list(tmp_path.glob(".google-token.json.*.tmp")) == []
    proc = writer(path, "between-write-and-rename")
    proc.wait(timeout=60)
    TokenStore(path).delete()  # ... and at once by `auth logout`
    assert list(tmp_path.glob(".google-token.json*")) == [] and not path.exists()
