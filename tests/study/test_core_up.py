"""`fitvault study up` without a database URL: a private PostgreSQL under the study folder (as the
``postgres`` user when we are root), created by `study init`, joined by the other commands,
started with the enrolment site and the workers by `study up` and stopped with it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from support.postgres import pg_admin_url  # noqa: F401 - skips/fails like every study test without PostgreSQL
from support.sim import SIM_NOW
from support.study import wait_until
from support.truth import assert_vault_equals_truth

from fitvault.errors import ConfigError
from fitvault.store.vault import Vault
from fitvault.study import db, roster
from fitvault.study.cluster import PrivateCluster, free_port

FITVAULT = [sys.executable, "-m", "fitvault", "study"]


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def study_dir():
    # Not under pytest's tmp_path: its parent is private to root, and the cluster runs as postgres.
    folder = Path(tempfile.mkdtemp(prefix="fitvault-study-"))
    os.chmod(folder, 0o755)
    yield folder
    cluster = PrivateCluster(folder / "postgres")
    if cluster.running_port() is not None:
        cluster.started = True
        cluster.stop("immediate")
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_study_up_runs_a_private_postgres_and_the_workers(pg_admin_url, study_dir, tmp_path):  # noqa: F811
    from fitvault_simulator import Simulator, SimulatorConfig

    with Simulator(SimulatorConfig(seed=7, now=SIM_NOW, people=2, heart_rate_interval_s=0)) as sim:
        client = tmp_path / "web.json"
        client.write_text(json.dumps(sim.client_secrets(kind="web", redirect_uris=["http://127.0.0.1:8470/oauth/callback"])))
        env = {k: v for k, v in os.environ.items() if k not in ("FITVAULT_DATABASE_URL", "FITVAULT_STUDY_KEY")}
        env.update(FITVAULT_STUDY_DIR=str(study_dir), FITVAULT_GOOGLE_API_URL=sim.url, FITVAULT_GOOGLE_AUTH_URL=sim.auth_url,
                   FITVAULT_GOOGLE_TOKEN_URL=sim.token_url, FITVAULT_GOOGLE_REVOKE_URL=sim.revoke_url)

        def run(*args: str) -> str:
            done = subprocess.run(FITVAULT + list(args), env=env, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr
            return done.stdout

        run("init", "--client-secrets", str(client), "--name", "Sleep study")
        cluster = PrivateCluster(study_dir / "postgres")
        assert cluster.initialised and cluster.running_port() is None  # created, and stopped after the command
        start = (SIM_NOW - timedelta(days=1)).date()
        run("add", "P001", "--start", start.isoformat())
        grant = tmp_path / "grant.json"
        grant.write_text(json.dumps(sim.issue_token(person=1, web=True)))
        run("enrol", "P001", "--import-token", str(grant))
        run("add", "P002", "--start", start.isoformat())
        link = json.loads(run("invite", "P002", "--json"))[0]["url"]
        web_port = free_port()
        log = tmp_path / "up.log"  # a file, not a pipe: nobody reads a pipe while the site logs every request
        up = subprocess.Popen(FITVAULT + ["up", "--workers", "1", "--concurrency", "2", "--port", str(web_port)], env=env,
                              stdout=log.open("w"), stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 240
            status = None
            while status != "ok":
                assert time.monotonic() < deadline and up.poll() is None, "study up did not sync P001"
                time.sleep(1)
                port = cluster.running_port()
                if port is None:
                    continue
                cluster.port = port
                try:
                    with db.connect(cluster.url("study")) as conn:
                        status = roster.get_participant(conn, "P001").last_sync_status
                except ConfigError:  # still starting
                    continue
            site = f"http://127.0.0.1:{web_port}"
            wait_until(lambda: _answers(site + "/healthz") or up.poll() is not None, 60, "the enrolment site")
            assert up.poll() is None, log.read_text()
            consent = httpx.get(site + urlsplit(link).path)  # the invite opens the consent page
            assert consent.status_code == 200 and "Sleep study" in consent.text
        finally:
            up.send_signal(signal.SIGTERM)
            up.wait(120)
        assert up.returncode == 0, log.read_text()
        assert "enrolment site: http://127.0.0.1:" in log.read_text()
        assert cluster.running_port() is None  # stopped with `study up`
        with Vault(study_dir / "vaults" / "P001") as v:
            assert_vault_equals_truth(v, sim.persons[1], sim.clock.now_ms(), since=start)
        assert oct((study_dir / "postgres" / "password").stat().st_mode & 0o777) == "0o600"


def test_a_study_folder_the_postgres_user_cannot_enter_is_refused_with_what_to_do(tmp_path):
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    cluster = PrivateCluster(private / "study" / "postgres")
    if not cluster.as_root:
        pytest.skip("only root runs the cluster as another user")
    with pytest.raises(ConfigError, match="cannot enter .*private.*pass --db URL"):
        cluster.init()
    assert not (private / "study" / "postgres" / "data").exists()
