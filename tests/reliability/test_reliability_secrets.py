"""Secrets never leave the token file: every access token the simulator issued, the refresh
token and the client secret are searched for in everything a person or a process could see.

Runs `fitvault demo` and `fitvault sync` with --verbose (with retries and a token refresh, so
those code paths log too), `status`, `auth status`, exports to CSV, Parquet and Excel, `rebuild`,
a failing sync (revoked grant) and `auth logout`; then searches their output and every file of
the vault but the token file, with compressed contents unpacked (raw archive pages, Parquet,
xlsx) so that a secret inside them could not hide. tests/integration/test_cli.py checks the demo's and a
sync's console output and the two database files; tests/unit/test_auth.py the auth module's logs.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import secrets
import sqlite3
import subprocess
import time
import zipfile
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from support.reliability import WORLD_SINCE, world
from support.sim import FITVAULT, sim_endpoints, sim_env, store_sim_token

from fitvault import errors
from fitvault.cli import commands  # noqa: F401 - registers the commands
from fitvault.cli.logsetup import RedactingFilter, redact
from fitvault.cli.main import cli
from fitvault.config import GoogleEndpoints, VaultPaths
from fitvault.sources.google import GoogleAuth, TokenStore, refresh
from fitvault.sources.google.client_secrets import ClientSecrets
from fitvault.store.vault import _unpack_raw

CLIENT_SECRET = "GOCSPX-" + secrets.token_urlsafe(24)


def run(args, env, ok=True, timeout=180):
    result = subprocess.run(FITVAULT + args, env=env, capture_output=True, text=True, timeout=timeout)
    if ok:
        assert result.returncode == 0, (args, result.stderr)
    return result


def invoke(args, env) -> list[str]:
    """A quick command in-process (same code, no interpreter start-up); its stdout and stderr."""
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, (args, result.output, result.exception)
    return [result.stdout, result.stderr]


def expire_locally(vault_dir: Path) -> None:
    store = TokenStore(VaultPaths(vault_dir).google_token)
    store.save(dataclasses.replace(store.load(), expires_at=time.time() - 60))


def file_texts(path: Path) -> list[str]:
    """What a file holds, as text a secret would show in: raw bytes, and unpacked contents."""
    data = path.read_bytes()
    out = [data.decode("latin-1")]
    if data.startswith(b"SQLite format 3"):
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            out.append("\n".join(conn.iterdump()))
            if path.name == "raw.sqlite":
                out += [_unpack_raw(page_id, codec, blob).decode("utf-8", "replace")  # zstd, or zlib (older)
                        for page_id, codec, blob in conn.execute("SELECT id, codec, body FROM raw_pages")]
    elif path.suffix == ".parquet":
        out.append(pq.read_table(path).to_pandas().to_csv())
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            out += [z.read(name).decode("utf-8", "replace") for name in z.namelist()]
    return out


@pytest.fixture(scope="module")
def everything(tmp_path_factory):
    """Run everything once; return the secrets and every haystack."""
    tmp = tmp_path_factory.mktemp("secrets")
    vault_dir, demo_dir = tmp / "vault", tmp / "demo"
    outputs: list[str] = []
    with world(client_secret=CLIENT_SECRET, quota_per_window=1_000_000) as sim:
        store_sim_token(sim, vault_dir)
        env = sim_env(sim, vault_dir)
        expire_locally(vault_dir)  # the run starts with a refresh
        sim.faults.add("500", times=2, match="dataPoints")
        sim.faults.add("429", times=1, retry_after=0, match="dataPoints")
        synced = run(["--verbose", "sync", "--since", WORLD_SINCE.isoformat()], env)
        outputs += [synced.stdout, synced.stderr]
        assert "retrying" in synced.stderr and "dataTypes/heart-rate/dataPoints" in synced.stderr  # it really logged
        for args in (["--verbose", "status"], ["status", "--json"], ["--verbose", "auth", "status"],
                     ["auth", "status", "--json"],
                     ["--verbose", "export", "csv", "--out", str(vault_dir / "exports" / "csv")],
                     ["--verbose", "export", "csv", "--per-day", "--types", "heart-rate",
                      "--out", str(vault_dir / "exports" / "per-day")],
                     ["--verbose", "export", "parquet", "--out", str(vault_dir / "exports" / "parquet")],
                     ["--verbose", "export", "xlsx", "--out", str(vault_dir / "exports" / "xlsx")],
                     ["--verbose", "rebuild"]):
            outputs += invoke(args, env)
        token = TokenStore(VaultPaths(vault_dir).google_token).load()
        # a failing run: the grant was revoked elsewhere
        sim.tokens.revoke(token.refresh_token)
        expire_locally(vault_dir)
        failed = run(["--verbose", "sync"], env, ok=False)
        assert failed.returncode == 3 and "fitvault auth google" in failed.stderr
        outputs += [failed.stdout, failed.stderr]
        issued = set(sim.tokens._access) | set(sim.tokens._refresh)  # every token the server ever issued
        vault_files = [p for p in vault_dir.rglob("*") if p.is_file() and p.name != "google-token.json"]
        haystacks = {str(p): file_texts(p) for p in vault_files}
        logout = run(["--verbose", "auth", "logout"], env)
        outputs += [logout.stdout, logout.stderr]
    demo = run(["--verbose", "--vault", str(demo_dir), "demo", "--days", "2"], None)
    outputs += [demo.stdout, demo.stderr]
    demo_token = TokenStore(VaultPaths(demo_dir).google_token).load()
    for p in demo_dir.rglob("*"):
        if p.is_file() and p.name != "google-token.json":
            haystacks[str(p)] = file_texts(p)
    secret_values = issued | {CLIENT_SECRET, token.access_token, token.refresh_token, demo_token.access_token,
                              demo_token.refresh_token, demo_token.client_secret}
    return secret_values, outputs, haystacks


@pytest.mark.slow
def test_no_secret_in_any_output_log_line_or_error_message(everything):
    secret_values, outputs, _files = everything
    assert len(secret_values) >= 6 and all(len(s) >= 16 for s in secret_values)
    for text in outputs:
        for value in secret_values:
            assert value not in text


@pytest.mark.slow
def test_no_secret_in_any_vault_file_export_or_archived_page(everything):
    secret_values, _outputs, files = everything
    names = {Path(p).name for p in files}
    assert {"vault.sqlite", "raw.sqlite", "sync.lock"} <= names
    assert any(n.endswith(".parquet") for n in names) and any(n.endswith(".xlsx") for n in names)
    assert any(n.endswith(".csv") for n in names)
    for path, texts in files.items():
        for text in texts:
            for value in secret_values:
                assert value not in text, f"a secret is in {path}"


# -- what the objects show ------------------------------------------------------------------------------
def assert_masked(secret_values, *objects):
    for obj in objects:
        for text in (repr(obj), str(obj), f"{obj}", repr([obj]), repr({"k": obj})):
            for value in secret_values:
                assert value not in text, type(obj).__name__


def chain(exc: BaseException):
    seen = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def test_token_client_secrets_auth_and_request_objects_mask_their_secrets(tmp_path):
    with world(client_secret=CLIENT_SECRET) as sim:
        token = store_sim_token(sim, tmp_path)
        values = {token.access_token, token.refresh_token, CLIENT_SECRET}
        store = TokenStore(VaultPaths(tmp_path).google_token)
        auth = GoogleAuth(store, sim_endpoints(sim))
        with httpx.Client(auth=auth, trust_env=False) as client:
            response = client.get(sim.url + "/v4/users/me/identity")
            assert response.status_code == 200
            request = response.request
        assert request.headers["authorization"] == f"Bearer {token.access_token}"
        assert_masked(values, token, ClientSecrets(token.client_id, CLIENT_SECRET), auth, store, request,
                      request.headers, dataclasses.replace(token, refresh_token=None))


@pytest.mark.parametrize("failure", ["revoked", "wrong-client-secret", "unreachable"])
def test_auth_failures_keep_secrets_out_of_every_exception_in_the_chain(tmp_path, failure):
    with world(client_secret=CLIENT_SECRET) as sim:
        token = store_sim_token(sim, tmp_path)
        endpoints = sim_endpoints(sim)
        if failure == "revoked":
            sim.tokens.revoke(token.refresh_token)
            expected = errors.ReauthRequired
        elif failure == "wrong-client-secret":
            token = dataclasses.replace(token, client_secret="GOCSPX-" + "W" * 28)
            expected = errors.AuthError
        else:
            endpoints = GoogleEndpoints(api_url=sim.url, token_url="http://127.0.0.1:9/token")
            expected = errors.TransportError
        with pytest.raises(expected) as info:
            refresh(token, endpoints, http=httpx.Client(trust_env=False, timeout=5))
        values = {token.access_token, token.refresh_token, token.client_secret, CLIENT_SECRET}
        for exc in chain(info.value):
            for text in (str(exc), repr(exc), repr(exc.args)):
                for value in values:
                    assert value not in text, (type(exc).__name__, failure)


def test_the_log_filter_masks_whatever_slips_into_a_message(caplog):
    """The second fence: a token that reaches a log call anyway is masked before it is written."""
    access, refresh_token = "ya29.a0AfB_" + secrets.token_urlsafe(40), "1//0g" + secrets.token_urlsafe(40)
    line = (f"Authorization: Bearer {access} refresh_token={refresh_token}&client_secret={CLIENT_SECRET} "
            f'{{"access_token": "{access}", "token": "{refresh_token}"}} code=4/0Asim-{"c" * 30}')
    masked = redact(line)
    for value in (access, refresh_token, CLIENT_SECRET, "4/0Asim-"):
        assert value not in masked
    logger = logging.getLogger("redaction-test")  # outside "fitvault", which the CLI stops propagating
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="redaction-test"):
        logger.info("sending %s", line)
    assert access not in caplog.text and refresh_token not in caplog.text and CLIENT_SECRET not in caplog.text
    assert io.StringIO(caplog.text).read().count("***") >= 4
