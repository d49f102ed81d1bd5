"""Crash safety: `fitvault sync` killed with SIGKILL at random points and rerun; two syncs on
one vault; a full disk; a read-only vault; corrupt and foreign files given as a vault.

After every kill the vault passes SQLite's integrity check, no open window has a gap between
its cursor and its upper end, nothing is stored that the ground truth lacks, and the token
file parses and is 0600; the final run ends with every table equal to the ground truth.
(The importers have their own crash and fuzz suite: tests/reliability/test_reliability_import.py.)
"""

from __future__ import annotations

import dataclasses
import os
import random
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.races import wait_for_requests
from support.reliability import (
    WORLD_SINCE,
    assert_exact,
    assert_sound,
    assert_token_file_sound,
    cursor_gaps,
    data_requests,
    file_digest,
    foreign_rows,
    fresh,
    kill_after,
    shared_world,
    soak_seeds,
)
from support.sim import FITVAULT, sim_client, sim_env, store_sim_token

from fitvault.auth.tokens import TokenStore
from fitvault.cli import commands  # noqa: F401 - registers the commands
from fitvault.cli.main import cli
from fitvault.config import VaultPaths
from fitvault.sources.google import sync
from fitvault.store import vault as vault_module
from fitvault.store.vault import Vault
from fitvault.sync import SyncOptions


@pytest.fixture(scope="module")
def shared_sim():
    yield from shared_world()


@pytest.fixture
def sim(shared_sim):
    yield from fresh(shared_sim)


def expire_token_locally(vault_dir: Path) -> None:
    """The stored token looks expired to fitvault (the server still accepts it), so the next run
    starts with a refresh and a token write: kills can land around token writes too."""
    store = TokenStore(VaultPaths(vault_dir).google_token)
    store.save(dataclasses.replace(store.load(), expires_at=time.time() - 60))


def check_after_crash(sim, vault_dir: Path) -> None:
    with Vault(vault_dir) as v:
        assert_sound(v)
        assert cursor_gaps(v, sim.person, sim.clock.now_ms()) == []
        assert foreign_rows(v, sim.person, sim.clock.now_ms()) == []
    assert_token_file_sound(vault_dir)


def invoke(vault_dir: Path, args: list[str], env: dict | None = None):
    """The CLI in-process (the click runner catches the exit code)."""
    return CliRunner().invoke(cli, ["--vault", str(vault_dir), *args], env=env, catch_exceptions=True)


# -- SIGKILL at random points -------------------------------------------------------------------
@pytest.mark.parametrize("seed", soak_seeds(4))
@pytest.mark.slow
def test_sigkill_at_random_points_then_resume_ends_exact(sim, tmp_path, seed):
    """Run 1 (`sync --since`) and run 2 (plain `sync`, resuming) are killed after a random number
    of data requests plus a random delay; run 3 finishes. Each run starts with a token refresh."""
    rng = random.Random(seed)
    store_sim_token(sim, tmp_path)
    env = sim_env(sim, tmp_path)
    sim.config.latency_s = 0.03  # slow enough to be killed in the middle of the walks
    kills = []
    for args, most in ((["sync", "--since", WORLD_SINCE.isoformat()], 24), (["sync"], 10)):
        expire_token_locally(tmp_path)
        sim.reset_requests()
        proc = subprocess.Popen(FITVAULT + args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        after = rng.randint(1, most)
        if kill_after(proc, sim, after, rng.uniform(0.0, 0.05)):
            kills.append(after)
        check_after_crash(sim, tmp_path)
    assert kills, "no run was killed: the kill points are past the end of the sync"
    sim.config.latency_s = 0.0
    final = subprocess.run(FITVAULT + ["sync"], env=env, capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr
    with Vault(tmp_path) as v:
        assert_exact(v, sim.person, WORLD_SINCE, sim.clock.now_ms())
    assert_token_file_sound(tmp_path)
    print(f"seed {seed}: killed after {kills} data requests")


# -- two syncs on one vault ----------------------------------------------------------------------
@pytest.mark.slow
def test_a_second_sync_is_refused_or_waits_and_nothing_corrupts(sim, tmp_path):
    """While A runs: B (no --wait) exits 5 at once saying why; C (--wait) starts only after A
    ended and succeeds; `status` reads the vault meanwhile. A + C end exact."""
    store_sim_token(sim, tmp_path)
    env = sim_env(sim, tmp_path)
    sim.config.latency_s = 0.08
    a = subprocess.Popen(FITVAULT + ["sync", "--since", WORLD_SINCE.isoformat(), "--concurrency", "1"], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_for_requests(sim, lambda: data_requests(sim) >= 2, a)
    assert a.poll() is None, "A ended before the others started"
    c = subprocess.Popen(FITVAULT + ["sync", "--wait", "120"], env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    b = subprocess.Popen(FITVAULT + ["sync"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    status = subprocess.Popen(FITVAULT + ["status"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    b_err = b.communicate(timeout=60)[1]
    status_err = status.communicate(timeout=60)[1]
    assert a.poll() is None, "A ended before B was refused: the test proves nothing"
    assert b.returncode == 5
    assert "another fitvault process is syncing" in " ".join(b_err.split())
    assert "--wait" in b_err
    assert status.returncode == 0, status_err
    a_err = a.communicate(timeout=120)[1]
    assert a.returncode == 0, a_err
    a_ended, served_to_a = time.monotonic(), data_requests(sim)
    sim.config.latency_s = 0.0
    c_err = c.communicate(timeout=120)[1]
    assert c.returncode == 0, c_err
    assert data_requests(sim) > served_to_a  # C synced after A, not alongside it
    assert time.monotonic() >= a_ended
    with Vault(tmp_path) as v:
        assert_exact(v, sim.person, WORLD_SINCE, sim.clock.now_ms())
        outcomes = [r[0] for r in v.conn.execute("SELECT outcome FROM sync_runs ORDER BY id")]
    assert outcomes == ["ok", "ok"]


# -- a full disk ----------------------------------------------------------------------------------
def fill_up(monkeypatch, which: str, room_pages: int) -> None:
    """From now on, ``which`` ("vault" or "raw archive") may grow by ``room_pages`` pages only:
    SQLite's ``max_page_count`` gives the very error a full disk gives (SQLITE_FULL)."""
    real = vault_module._connect

    def connect(path, application_id, what):
        conn = real(path, application_id, what)
        if what == which:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages + room_pages}")
        return conn

    monkeypatch.setattr(vault_module, "_connect", connect)


@pytest.mark.parametrize("which, room", [("vault", 60), ("raw archive", 30)])
@pytest.mark.slow
def test_disk_full_is_a_clear_error_and_nothing_is_half_written(sim, tmp_path, monkeypatch, which, room):
    store_sim_token(sim, tmp_path)
    env = sim_env(sim, tmp_path)
    with Vault(tmp_path) as v, sim_client(sim, tmp_path) as client:  # a first run that fits
        sync(v, client, SyncOptions(since=date(2026, 10, 22), types=("heart-rate", "daily-resting-heart-rate")),
             now_ms=sim.clock.now_ms())
    fill_up(monkeypatch, which, room)
    result = invoke(tmp_path, ["sync", "--since", WORLD_SINCE.isoformat()], env)
    assert result.exit_code == 5, result.output
    assert "database or disk is full" in result.output
    assert "Traceback" not in result.output
    monkeypatch.undo()  # space freed
    check_after_crash(sim, tmp_path)
    result = invoke(tmp_path, ["sync"], env)
    assert result.exit_code == 0, result.output
    with Vault(tmp_path) as v:
        assert_exact(v, sim.person, WORLD_SINCE, sim.clock.now_ms())


# -- a read-only vault -------------------------------------------------------------------------
def unprivileged(args: list[str]) -> list[str]:
    """``args`` run so that file permissions bind: as root (whom chmod does not stop), without
    the capabilities that override them."""
    if os.geteuid() != 0:
        return args
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: file permissions cannot be enforced")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner,-linux_immutable", *args]


def make_read_only(root: Path, *, folder_too: bool) -> None:
    for entry in root.iterdir():
        if entry.is_file():
            os.chmod(entry, 0o400 if entry.name == "google-token.json" else 0o444)
    if folder_too:
        os.chmod(root, 0o555)


def make_writable(root: Path) -> None:
    os.chmod(root, 0o700)
    for entry in root.iterdir():
        if entry.is_file():
            os.chmod(entry, 0o600)


@pytest.mark.parametrize("folder_too", [True, False], ids=["folder-and-files", "files-only"])
@pytest.mark.slow
def test_read_only_vault_is_a_clear_error_and_nothing_is_written(sim, tmp_path, folder_too):
    vault_dir = tmp_path / "vault"
    store_sim_token(sim, vault_dir)
    with Vault(vault_dir) as v, sim_client(sim, vault_dir) as client:
        sync(v, client, SyncOptions(since=date(2026, 10, 22), types=("heart-rate",)), now_ms=sim.clock.now_ms())
        v.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    env = sim_env(sim, vault_dir)
    names = ("vault.sqlite", "raw.sqlite", "google-token.json")
    before = {n: file_digest(vault_dir / n) for n in names}
    make_read_only(vault_dir, folder_too=folder_too)
    try:
        for args in (["sync"], ["sync", "--since", WORLD_SINCE.isoformat()]):
            result = subprocess.run(unprivileged(FITVAULT + args), env=env, capture_output=True, text=True, timeout=60)
            message = " ".join(result.stderr.split())
            assert result.returncode == 5, result.stderr
            assert "Traceback" not in result.stderr
            assert "read-only" in message or "readonly" in message, message
        assert {n: file_digest(vault_dir / n) for n in names} == before
        assert stat.S_IMODE(os.stat(vault_dir / "google-token.json").st_mode) == 0o400  # not "fixed" to 0600
    finally:
        make_writable(vault_dir)
    with Vault(vault_dir) as v:
        assert_sound(v)


# -- corrupt and foreign files --------------------------------------------------------------------
@pytest.fixture(scope="module")
def template(shared_sim, tmp_path_factory):
    """A small real vault (checkpointed: the .sqlite file holds everything) to damage copies of."""
    root = tmp_path_factory.mktemp("template")
    store_sim_token(shared_sim, root)
    with Vault(root) as v, sim_client(shared_sim, root) as client:
        sync(v, client, SyncOptions(since=date(2026, 10, 22), types=("heart-rate", "sleep", "steps")),
             now_ms=shared_sim.clock.now_ms())
        v.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        v.raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shared_sim.reset_requests()
    return root


def _truncate(d: Path) -> Path:
    path = d / "vault.sqlite"
    with open(path, "r+b") as fh:
        fh.truncate(path.stat().st_size // 2)
    return path


def _garble_middle(d: Path) -> Path:
    path = d / "vault.sqlite"
    with open(path, "r+b") as fh:
        fh.seek(path.stat().st_size // 3)
        fh.write(random.Random(1).randbytes(40_000))
    return path


def _garble_header(d: Path) -> Path:
    path = d / "vault.sqlite"
    with open(path, "r+b") as fh:
        fh.write(random.Random(2).randbytes(100))
    return path


def _foreign(name: str):
    def make(d: Path) -> Path:
        path = d / name
        path.unlink()
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, caption TEXT)")
            conn.execute("INSERT INTO photos (caption) VALUES ('holiday')")
        return path
    return make


def _zip_as_raw(d: Path) -> Path:
    path = d / "raw.sqlite"
    path.write_bytes(b"PK\x03\x04" + random.Random(3).randbytes(5000))
    return path


def _newer_schema(d: Path) -> Path:
    path = d / "vault.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    return path


def _database_is_a_folder(d: Path) -> Path:
    (d / "vault.sqlite").unlink()
    (d / "vault.sqlite").mkdir()
    return d / "vault.sqlite"


DAMAGE = {
    "truncated": (_truncate, "damaged", False),
    "garbled-middle": (_garble_middle, "damaged", False),
    "garbled-header": (_garble_header, "not a fitvault vault", True),
    "foreign-sqlite-vault": (_foreign("vault.sqlite"), "not a fitvault vault; refusing to touch it", True),
    "foreign-sqlite-archive": (_foreign("raw.sqlite"), "not a fitvault raw archive; refusing to touch it", True),
    "zip-as-archive": (_zip_as_raw, "not a fitvault raw archive", True),
    "newer-schema": (_newer_schema, "newer than this fitvault knows", True),
    "database-is-a-folder": (_database_is_a_folder, "is a folder, not a vault database", False),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_corrupt_or_foreign_vault_files_are_a_clear_error(sim, template, tmp_path, damage):
    """`sync` and `status` refuse with exit code 5 and one clear line; a foreign or newer file
    is left exactly as it was."""
    make, expected, untouched = DAMAGE[damage]
    d = tmp_path / "v"
    shutil.copytree(template, d)
    path = make(d)
    digest = file_digest(path) if path.is_file() else None
    for args in (["sync"], ["status"]):
        result = invoke(d, args, sim_env(sim, d))
        assert result.exit_code == 5, (args, result.output)
        assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
        assert expected in " ".join(result.output.split()), result.output
    assert sim.requests == [] or damage == "garbled-middle"  # refused before fetching anything
    if untouched:
        assert file_digest(path) == digest


@pytest.mark.slow
def test_vault_option_pointing_at_a_file_is_a_clear_error(tmp_path):
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("hello")
    for args in (["sync"], ["status"]):
        result = subprocess.run([sys.executable, "-m", "fitvault", "--vault", str(not_a_folder), *args],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode in (2, 5), result.stderr
        assert "Traceback" not in result.stderr and str(not_a_folder) in " ".join(result.stderr.split())
    assert not_a_folder.read_text() == "hello"
