"""The simulator seen from a test: its simulated now, a vault with a token for it, a fast client,
the environment of a `fitvault` subprocess talking to it; and where the real exports are."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from fitvault import session
from fitvault.auth.tokens import Token, TokenStore
from fitvault.config import VaultPaths
from fitvault.sources.google.client import RetryPolicy

# The real exports of ../shared/realdata (personal data published by their owners: read in
# place, never copied into the repository, nothing personal printed). The issue that brought
# them says CI has them "when it exists"; a checkout without them skips the conformance tests,
# while a folder named explicitly by $FITVAULT_REALDATA must be there.
REALDATA = Path(os.environ.get("FITVAULT_REALDATA") or Path(__file__).resolve().parents[2].parent / "shared" / "realdata")


def realdata(relative: str = "") -> Path:
    """``REALDATA / relative``, or skip (fail when ``$FITVAULT_REALDATA`` names it) if it is absent."""
    path = REALDATA / relative
    if path.exists():
        return path
    if os.environ.get("FITVAULT_REALDATA"):
        pytest.fail(f"the real exports are missing: {path} ($FITVAULT_REALDATA is set)")
    pytest.skip(f"the real exports are not on this machine: {path}")


# The simulated "now" of the integration tests: after the DST change (2026-11-01) and the Tokyo
# trip (2026-11-10 .. 2026-11-15) of the synthetic person.
SIM_NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
FAST_RETRY = RetryPolicy(attempts=8, base_delay_s=0.01, max_delay_s=0.05, max_retry_after_s=5)


def sim_endpoints(sim):
    from fitvault.demo import simulator_endpoints

    return simulator_endpoints(sim)


def store_sim_token(sim, vault_dir: Path, **issue) -> Token:
    """Mint a token at the simulator and store it in the vault like `auth google` would."""
    secrets = sim.client_secrets()["installed"]
    token = Token.from_token_response(
        sim.issue_token(**issue), client_id=secrets["client_id"], client_secret=secrets["client_secret"],
        token_uri=sim.token_url, now=time.time(),
    )
    Path(vault_dir).mkdir(parents=True, exist_ok=True)
    TokenStore(VaultPaths(Path(vault_dir)).google_token).save(token)
    return token


def sim_client(sim, vault_dir: Path, *, concurrency: int = 4, retry: RetryPolicy = FAST_RETRY, quota: int = 300,
               timeout_s: float = 5.0):
    return session.api_client(
        VaultPaths(Path(vault_dir)), sim_endpoints(sim), concurrency=concurrency, retry=retry,
        timeout_s=timeout_s, quota_per_minute=quota,
    )


def sim_env(sim, vault_dir: Path) -> dict[str, str]:
    """Environment for a `fitvault` subprocess talking to the simulator."""
    env = dict(os.environ)
    env.update(
        FITVAULT_HOME=str(vault_dir),
        FITVAULT_GOOGLE_API_URL=sim.url,
        FITVAULT_GOOGLE_AUTH_URL=sim.auth_url,
        FITVAULT_GOOGLE_TOKEN_URL=sim.token_url,
        FITVAULT_GOOGLE_REVOKE_URL=sim.revoke_url,
        COLUMNS="200",
    )
    return env


FITVAULT = [sys.executable, "-m", "fitvault"]


def auth_google_no_browser(sim, vault_dir: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """`fitvault auth google --no-browser [args]`: the person opens the printed URL in a browser
    that follows the consent page to the loopback address and pastes that address back."""
    secrets_file = tmp_path / "client.json"
    secrets_file.write_text(json.dumps(sim.client_secrets()))
    proc = subprocess.Popen(
        FITVAULT + ["auth", "google", "--client-secrets", str(secrets_file), "--no-browser", *args],
        env=sim_env(sim, vault_dir), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.startswith(sim.auth_url):
            break
    redirect = httpx.get(line.strip(), follow_redirects=False).headers["location"]
    out, err = proc.communicate(redirect + "\n", timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, "".join(seen) + err)
