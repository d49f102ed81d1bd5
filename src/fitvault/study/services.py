"""``fitvault study up``: the whole study in one command.

Without a database URL, a private PostgreSQL cluster is started under ``<study dir>/postgres``
(:mod:`.cluster`), its ``study`` database created and migrated. Then the enrolment web server
(``fitvault study web``, when the web app is installed) and N worker processes (``fitvault study
worker``; each also runs the scheduler's periodic tasks: the nightly sync, stalled-job recovery)
run as child processes until Ctrl-C or SIGTERM, when they are stopped (workers finish their
running jobs) and the private cluster is shut down.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fitvault.study import db
from fitvault.study.cluster import PrivateCluster, create_database

DATABASE = "study"
PRIVATE_FOLDER = "postgres"


def private_database(study_dir: Path) -> tuple[PrivateCluster, str]:
    """Start (initialising once), or join when it runs, the study folder's private cluster; the
    URL of its migrated ``study`` database. ``cluster.stop()`` stops it only if this call started it."""
    cluster = PrivateCluster(Path(study_dir) / PRIVATE_FOLDER)
    admin = cluster.start()
    url = create_database(admin, DATABASE)
    with db.connect(url) as conn:
        db.migrate(conn)
    return cluster, url


def web_available() -> bool:
    return importlib.util.find_spec("fitvault.study.web") is not None


@dataclass
class Services:
    """The child processes of ``study up``."""

    url: str
    study_dir: Path
    workers: int = 1
    concurrency: int = 8
    web: bool = True
    host: str = "127.0.0.1"
    port: int = 8470
    echo: Callable[[str], object] = print
    children: list[subprocess.Popen] = field(default_factory=list)

    def _command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "fitvault", "study", "--study-dir", str(self.study_dir), *args]

    def start(self) -> None:
        # The URL (it may carry the private cluster's password) goes by environment, not argv.
        env = {**os.environ, db.ENV_URL: self.url}
        if self.web and web_available():
            self.children.append(subprocess.Popen(self._command("web", "--host", self.host, "--port", str(self.port)),
                                                  env=env))
            self.echo(f"enrolment site: http://{self.host}:{self.port}/")
        elif self.web:
            self.echo("the enrolment web app is not installed in this build; workers only")
        for _ in range(self.workers):
            self.children.append(subprocess.Popen(self._command("worker", "--concurrency", str(self.concurrency)),
                                                  env=env))
        self.echo(f"{self.workers} worker process(es), {self.concurrency} participants at once each; Ctrl-C stops")

    def wait(self) -> int:
        """Until a child exits or we are told to stop; returns the first non-zero exit code (0 otherwise)."""
        stop = {"now": False}

        def on_signal(signum, frame) -> None:
            stop["now"] = True

        previous = signal.signal(signal.SIGTERM, on_signal)
        try:
            while not stop["now"]:
                for child in self.children:
                    code = child.poll()
                    if code is not None:
                        self.echo(f"a study process exited ({code}); stopping the others")
                        return code
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
        return 0

    def stop(self, timeout_s: float = 60.0) -> None:
        for child in self.children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for child in self.children:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
