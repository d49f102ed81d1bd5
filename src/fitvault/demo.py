"""`fitvault demo`: the whole job end to end against the built-in simulator, no account needed.

It starts the simulator on 127.0.0.1, runs the real authorisation-code + PKCE flow against the
simulator's OAuth endpoints (a headless "browser" follows the consent redirect to fitvault's
loopback receiver), stores the token in the vault like ``fitvault auth google`` does, syncs the
last N days and returns the report.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx

from fitvault import session
from fitvault.config import GoogleEndpoints, VaultPaths
from fitvault.errors import ConfigError
from fitvault.sources.google import make_plan, run_plan
from fitvault.sources.google.client_secrets import ClientSecrets
from fitvault.sources.google.oauth import SCOPE_GROUPS, authorize, scopes_for
from fitvault.store.vault import Vault
from fitvault.sync import ProgressCallback, SyncOptions, SyncPlan, SyncReport, sync_lock

DEFAULT_DAYS = 30


@dataclass
class DemoResult:
    report: SyncReport
    endpoints: GoogleEndpoints


def headless_browser(url: str) -> None:
    """Stand-in for the person's browser: open the consent URL and follow its redirect to the
    loopback receiver. The simulator consents at once."""
    with httpx.Client(follow_redirects=True, timeout=30.0) as browser:
        browser.get(url)


def _refuse_real_vault(paths: VaultPaths) -> None:
    """The demo writes a simulator token and synthetic data: never into a real vault."""
    if not (paths.database.exists() or paths.google_token.exists()):
        return
    if paths.database.exists():
        with Vault(paths.root) as vault:
            if vault.account().get("simulated") == "1":
                return
    raise ConfigError(
        f"{paths.root} holds a real vault (or a token); the demo only writes into a new folder or an "
        "earlier demo's. Leave out --vault, or give an empty folder."
    )


def simulator_endpoints(sim) -> GoogleEndpoints:
    return GoogleEndpoints(api_url=sim.url, auth_url=sim.auth_url, token_url=sim.token_url, revoke_url=sim.revoke_url)


def run_demo(
    vault_dir: Path,
    *,
    days: int = DEFAULT_DAYS,
    latency_s: float = 0.0,
    seed: int = 7,
    on_plan=None,
    progress: ProgressCallback | None = None,
) -> DemoResult:
    """Simulator up, consent, token stored, sync of the last ``days`` days; returns the report.

    Args:
        on_plan: called with the :class:`SyncPlan` before fetching (the CLI prints it and adds
            progress bars).
    """
    from fitvault_simulator import Simulator, SimulatorConfig  # only the demo and tests need it

    paths = VaultPaths(Path(vault_dir))
    _refuse_real_vault(paths)
    with Simulator(SimulatorConfig(seed=seed, latency_s=latency_s)) as sim:
        endpoints = simulator_endpoints(sim)
        with tempfile.TemporaryDirectory() as tmp:
            secrets_file = Path(tmp) / "client_secret.json"
            secrets_file.write_text(json.dumps(sim.client_secrets()))
            os.chmod(secrets_file, 0o600)
            secrets = ClientSecrets.from_file(secrets_file)
        # The demo opts in to every scope group, so it shows every type (a real consent asks
        # only for the defaults unless told: `fitvault auth google --scopes +ecg,...`).
        every = scopes_for(",".join("+" + g for g in SCOPE_GROUPS))
        token = authorize(secrets, endpoints, open_browser=headless_browser, timeout_s=60, scopes=every)
        with Vault(paths.root) as vault:
            vault.set_account(simulated="1")
            session.token_store(paths).save(token)
            now = sim.clock.now()
            options = SyncOptions(since=(now - timedelta(days=days)).date())
            with sync_lock(paths), session.api_client(paths, endpoints) as client:
                plan: SyncPlan = make_plan(vault, client, options, granted_scopes=set(token.scopes))
                if on_plan:
                    on_plan(plan)
                report = run_plan(vault, client, plan, progress=progress)
    return DemoResult(report, endpoints)
