"""``fitvault study demo``: a whole study end to end on the built-in simulator, no Google account.

In order, printing each step: the simulator serving N synthetic people (real-time clock, live
heart-rate density); a private PostgreSQL cluster under the study folder (the system's
PostgreSQL binaries); ``init`` (the study key, the schema, settings pointing at the simulator's
OAuth "web" client); ``add`` (P001.., windows starting ``days`` ago); one invite link each; each
participant's enrolment through the real enrolment site (uvicorn on 127.0.0.1) with a headless
stand-in browser (httpx following redirects: the consent page's form, the simulator's consent
screen answered as that person, the callback) which queues their backfill; two worker processes
(``fitvault study worker --once``) syncing everyone through the queue; the last participant then
removing the study's access at "Google", so their next sync moves them to "needs re-consent";
then ``status``, the compliance report and a de-identified Parquet export. It ends with where
the files are.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import httpx

from fitvault.errors import ConfigError
from fitvault.study import audit, db, roster
from fitvault.study.cluster import PrivateCluster, free_port
from fitvault.study.crypto import GrantCipher
from fitvault.study.export import StudyExport, export_participants
from fitvault.study.report import write_report
from fitvault.study.services import private_database
from fitvault.study.settings import StudySettings, save_settings
from fitvault.study.status import ParticipantStatus, study_status
from fitvault.study.vaults import LocalVaults

MARKER = ".fitvault-study-demo"
ACTOR = "demo"
WORKERS = 2


@dataclass
class StudyDemoResult:
    study_dir: Path
    statuses: list[ParticipantStatus] = field(default_factory=list)
    report: Path | None = None
    contact_csv: Path | None = None
    export: StudyExport | None = None
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [f"Study demo done in {self.seconds:.0f} s. Everything is in {self.study_dir}:",
                 f"  vaults (one per participant)  {self.study_dir / 'vaults'}"]
        if self.report and self.contact_csv:
            lines += [f"  compliance report (HTML)      {self.report}", f"  contact today (CSV)           {self.contact_csv}"]
        if self.export:
            lines.append(f"  de-identified Parquet export  {self.export.out_dir} ({len(self.export.files)} files, "
                         f"manifest.json, data_dictionary.csv)")
        lines.append(f"Open a participant's vault with personal fitvault: fitvault --vault "
                     f"{self.study_dir / 'vaults' / 'P001'} status")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"study_dir": str(self.study_dir), "seconds": round(self.seconds, 1),
                "report": str(self.report) if self.report else None,
                "contact_csv": str(self.contact_csv) if self.contact_csv else None,
                "export": str(self.export.out_dir) if self.export else None,
                "participants": [s.to_dict() for s in self.statuses]}


def _study_folder(folder: Path | None) -> Path:
    """A new folder, or an earlier demo's (reused); never a folder holding anything else."""
    if folder is None:
        path = Path(tempfile.mkdtemp(prefix="fitvault-study-demo-"))
    else:
        path = Path(folder).resolve()
        if path.exists() and any(path.iterdir()) and not (path / MARKER).exists():
            raise ConfigError(f"{path} is not empty and not an earlier study demo: give a new folder")
        path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o755)  # the private cluster's server runs as the postgres user when we are root
    (path / MARKER).write_text("a fitvault study demo (synthetic data)\n", encoding="utf-8")
    return path


def _settings(sim, public_url: str) -> StudySettings:
    web = sim.client_secrets(kind="web", redirect_uris=[public_url + "/oauth/callback"])["web"]
    return StudySettings(
        name="fitvault demo study", consent_version="demo-1", public_url=public_url,
        client_id=web["client_id"], client_secret=web["client_secret"], auth_url=sim.auth_url,
        token_url=sim.token_url, api_url=sim.url, revoke_url=sim.revoke_url,
    )


def headless_enrolment(link: str, email: str) -> None:
    """Stand-in for a participant's browser: open the invite link, agree on the consent page,
    sign in at the (simulated) Google consent screen as ``email`` and follow the redirects back
    to the study's callback and its "enrolled" page."""
    with httpx.Client(follow_redirects=True, timeout=60.0) as browser:
        page = browser.get(link)
        page.raise_for_status()
        nonce = re.search(r'name="nonce" value="([^"]+)"', page.text)
        if nonce is None:
            raise ConfigError(f"the consent page at {link} has no form")
        answer = browser.post(link, data={"nonce": nonce.group(1), "choice": "agree"}, follow_redirects=False)
        consent = httpx.URL(answer.headers["location"]).copy_merge_params({"login_hint": email})
        done = browser.get(consent)
        if done.status_code != 200 or "enrolled" not in done.text.lower():
            raise ConfigError(f"the enrolment of {email} did not finish: HTTP {done.status_code} at {done.url.path}")


class _Site:
    """The enrolment site (uvicorn) in a thread, on 127.0.0.1."""

    def __init__(self, url: str, cipher: GrantCipher, port: int) -> None:
        from fitvault.study.procrastinate_queue import ProcrastinateQueue
        from fitvault.study.web.flow import Enrolment
        from fitvault.study.web.server import server

        self.queue = ProcrastinateQueue(url).open()
        self.server = server(Enrolment(url, cipher, self.queue), host="127.0.0.1", port=port)
        self.thread = threading.Thread(target=self.server.run, name="study-demo-web", daemon=True)

    def __enter__(self) -> _Site:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise ConfigError("the enrolment site did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        self.queue.close()


def _run_workers(url: str, study_dir: Path, total: int, say: Callable[[str], None]) -> None:
    """Two ``fitvault study worker --once`` processes until the queue is empty, with progress."""
    env = {**os.environ, db.ENV_URL: url}
    command = [sys.executable, "-m", "fitvault", "study", "--study-dir", str(study_dir), "worker", "--once",
               "--concurrency", "4"]
    workers = [subprocess.Popen(command, env=env) for _ in range(WORKERS)]
    shown = -1
    with db.connect(url) as conn:
        while True:
            running = any(w.poll() is None for w in workers)
            done = conn.execute("SELECT count(*) AS n FROM study.participants WHERE last_sync_status = 'ok'").fetchone()
            n = done["n"] if done else 0
            if n != shown:
                say(f"  synced {n}/{total}")
                shown = n
            if not running:
                break
            time.sleep(1.0)
    failed = [w.returncode for w in workers if w.returncode]
    if failed:
        raise ConfigError(f"a worker exited with {failed[0]}; see its messages above")


def _revoke_and_resync(sim, url: str, cipher: GrantCipher, study_dir: Path, pid: str,
                       say: Callable[[str], None]) -> None:
    """One participant removes the study's access in their Google account; their next sync
    finds the grant dead: they move to "needs re-consent" with a new link, nobody else is touched."""
    from fitvault.study.grants import StudyTokenStore
    from fitvault.study.procrastinate_queue import ProcrastinateQueue

    with StudyTokenStore(url, cipher, pid) as store:
        token = store.load()
    if token is None or not token.refresh_token:
        return
    httpx.post(sim.revoke_url, data={"token": token.refresh_token}, timeout=30).raise_for_status()
    say(f"{pid} removes the study's access in their Google account; their next sync is queued")
    with ProcrastinateQueue(url) as queue:
        queue.enqueue_sync(pid, reason="demo")
    _run_workers(url, study_dir, 0, lambda text: None)


def run_study_demo(folder: Path | None = None, *, participants: int = 5, days: int = 7,
                   say: Callable[[str], None] = print) -> StudyDemoResult:
    """The whole study (module docstring); returns where everything is."""
    from fitvault_simulator import Simulator, SimulatorConfig  # only the demos and the tests need it

    began = time.monotonic()
    result = StudyDemoResult(_study_folder(folder))
    study_dir = result.study_dir
    say(f"study folder: {study_dir}")
    with Simulator(SimulatorConfig(seed=7, people=participants)) as sim:
        say(f"simulator: {participants} synthetic people at {sim.url} (OAuth and /v4, real-time clock)")
        say("PostgreSQL: starting a private cluster under the study folder ...")
        cluster, url = private_database(study_dir)
        try:
            _study(sim, cluster, url, result, participants, days, say)
        finally:
            cluster.stop()
    result.seconds = time.monotonic() - began
    return result


def _study(sim, cluster: PrivateCluster, url: str, result: StudyDemoResult, participants: int, days: int,
           say: Callable[[str], None]) -> None:
    study_dir = result.study_dir
    cipher = GrantCipher.create(study_dir)
    port = free_port()
    settings = _settings(sim, f"http://127.0.0.1:{port}")
    today = datetime.now(timezone.utc).date()
    pids = [f"P{i + 1:03d}" for i in range(participants)]
    with db.connect(url) as conn:
        save_settings(conn, cipher, settings)
        audit.record(conn, ACTOR, "study.init", None, {"demo": True})
        say(f"init: study {settings.name!r}, key in {study_dir / 'study.key'}")
        known = {p.participant_id for p in roster.list_participants(conn)}
        for pid in pids:
            if pid not in known:
                roster.add_participant(conn, pid, today - timedelta(days=days), actor=ACTOR)
        say(f"add: {', '.join(pids)} (window from {today - timedelta(days=days)})")
        links = {pid: roster.issue_invite(conn, pid, actor=ACTOR, public_url=settings.public_url) for pid in pids}
        say(f"invite: {len(links)} single-use links ({settings.public_url}/i/…)")
    with _Site(url, cipher, port):
        for i, pid in enumerate(pids):
            headless_enrolment(links[pid], sim.email(i))
            say(f"  {pid} opened the link, agreed, signed in as {sim.email(i)}: enrolled, backfill queued")
    say(f"workers: {WORKERS} processes sync everyone from the queue ({days} days each, live heart-rate density)")
    _run_workers(url, study_dir, participants, say)
    if participants >= 2:
        _revoke_and_resync(sim, url, cipher, study_dir, pids[-1], say)
    as_of = datetime.now(timezone.utc)
    with db.connect(url) as conn:
        result.statuses = study_status(conn, LocalVaults(study_dir), as_of=as_of,
                                       valid_day_hours=settings.valid_day_hours)
        for s in result.statuses:
            c = s.compliance
            wear = "no day settled yet" if c.mean_wear_hours is None else f"mean wear {c.mean_wear_hours:.1f} h"
            say(f"status: {s.participant_id} {s.participant.state}, grant {s.grant}, {c.valid_days}/"
                f"{c.settled_days} valid days, {wear}" + (f", contact: {'; '.join(s.contact)}" if s.contact else ""))
        result.report, result.contact_csv, n = write_report(
            result.statuses, study_dir / "reports", study_name=settings.name, as_of=as_of,
            valid_day_hours=settings.valid_day_hours)
        say(f"compliance: report and contact-today CSV ({n} to contact) in {study_dir / 'reports'}")
        result.export = export_participants(conn, cipher, LocalVaults(study_dir), "parquet", study_dir / "export",
                                            deidentify=True, actor=ACTOR)
        say(f"export: {len(result.export.files)} Parquet files, {result.export.rows:,} rows, de-identified")
