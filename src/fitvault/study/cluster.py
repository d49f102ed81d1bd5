"""A private PostgreSQL cluster under a folder, run with the system's PostgreSQL binaries.

``fitvault study up`` without a database URL keeps the study's database in
``<study dir>/postgres/`` (and the test fixture, ``tests/support/postgres.py``, keeps a throwaway
one per test session). ``initdb`` refuses to run as root, so when we are root the cluster's folder
is given to the ``postgres`` user and every binary runs as that user (``runuser``). The server
listens on 127.0.0.1 only, on a free port chosen at start; access needs the password generated at
``init`` (SCRAM), kept in ``<folder>/password`` (0600, owner only).
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from fitvault.errors import ConfigError

SUPERUSER = "postgres"
RUN_AS = "postgres"


def find_bin(name: str = "initdb") -> Path | None:
    """The PostgreSQL binary ``name``: on PATH, else the newest ``/usr/lib/postgresql/*/bin``."""
    found = shutil.which(name)
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return Path(candidates[-1]).parent if candidates else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateCluster:
    """A cluster in ``folder`` (data in ``folder/data``, log in ``folder/postgres.log``).

    Args:
        folder: where it lives (created).
        durable: False turns fsync and synchronous commits off (throwaway test clusters).
    """

    def __init__(self, folder: Path, *, durable: bool = True) -> None:
        self.folder = Path(folder)
        self.data = self.folder / "data"
        self.durable = durable
        self.port: int | None = None
        self.started = False  # by this object (so stop() stops only what it started)
        self._bin = find_bin("initdb")

    def __repr__(self) -> str:
        return f"PrivateCluster({str(self.folder)!r}, port={self.port})"

    @property
    def as_root(self) -> bool:
        return hasattr(os, "geteuid") and os.geteuid() == 0

    def _run(self, name: str, *args: str) -> subprocess.CompletedProcess:
        if self._bin is None:
            raise ConfigError(
                "PostgreSQL is not installed (no initdb found on PATH or in /usr/lib/postgresql/*/bin): install "
                "it (Debian: apt-get install postgresql) or pass --db URL of an existing server"
            )
        cmd = [str(self._bin / name), *args]
        if self.as_root:
            cmd = ["runuser", "-u", RUN_AS, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=False)

    def _give_to_postgres(self, path: Path) -> None:
        if self.as_root:
            user = pwd.getpwnam(RUN_AS)
            os.chown(path, user.pw_uid, user.pw_gid)

    @property
    def initialised(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def password(self) -> str:
        return (self.folder / "password").read_text().strip()

    def init(self) -> None:
        """initdb (once): SCRAM password auth, UTF-8, listening on 127.0.0.1 only."""
        if self.initialised:
            return
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.check_reachable()
        password = secrets.token_urlsafe(24)
        secret = self.folder / "password"
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(password + "\n")
        self.data.mkdir(mode=0o700, exist_ok=True)
        self._give_to_postgres(self.data)
        self._give_to_postgres(self.folder)  # the server writes its log here
        with tempfile.NamedTemporaryFile("w", dir=self.folder, delete=False) as pw:
            pw.write(password + "\n")
        self._give_to_postgres(Path(pw.name))
        try:
            done = self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=scram-sha-256",
                             f"--pwfile={pw.name}", "-E", "UTF8", "--locale=C.UTF-8")
        finally:
            os.unlink(pw.name)
        if done.returncode != 0:
            raise ConfigError(f"initdb failed in {self.data}: {done.stderr.strip()[-500:]}")
        settings = ["listen_addresses = '127.0.0.1'", "unix_socket_directories = ''", "max_connections = 200"]
        if not self.durable:
            settings += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# fitvault study\n" + "\n".join(settings) + "\n")

    def running_port(self) -> int | None:
        """The port of this cluster's server when it runs (from ``postmaster.pid``), else None."""
        try:
            lines = (self.data / "postmaster.pid").read_text().splitlines()
            os.kill(int(lines[0]), 0)
            return int(lines[3])
        except (OSError, ValueError, IndexError):
            return None

    def check_reachable(self) -> None:
        """ConfigError when the ``postgres`` user could not enter the folder (we are root and a
        parent folder is private, e.g. under /root)."""
        if not self.as_root:
            return
        for parent in self.folder.parents:
            if parent.exists() and not parent.stat().st_mode & 0o001 and parent.stat().st_uid != pwd.getpwnam(RUN_AS).pw_uid:
                raise ConfigError(
                    f"the private PostgreSQL runs as the '{RUN_AS}' user, who cannot enter {parent} (mode "
                    f"{oct(parent.stat().st_mode & 0o777)}); put the study folder elsewhere (e.g. /srv/study) or pass --db URL"
                )

    def start(self, port: int | None = None) -> str:
        """Start the server (on a free port unless given), or join it when another process of the
        study started it; returns its URL (database ``postgres``)."""
        self.init()
        running = self.running_port()
        if running is not None:
            self.port = running
            return self.url()
        self.port = port or free_port()
        done = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "postgres.log"), "-w",
                         "-t", "60", "-o", f"-p {self.port}", "start")
        if done.returncode != 0:
            log = (self.folder / "postgres.log")
            tail = log.read_text(errors="replace")[-800:] if log.exists() else done.stderr
            raise ConfigError(f"PostgreSQL did not start in {self.data}: {tail.strip()}")
        self.started = True
        return self.url()

    def url(self, database: str = "postgres") -> str:
        if self.port is None:
            raise ConfigError("the private PostgreSQL cluster is not running")
        return f"postgresql://{SUPERUSER}:{self.password()}@127.0.0.1:{self.port}/{database}"

    def stop(self, mode: str = "fast") -> None:
        """Stop the server if this object started it."""
        if self.started and (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")
        self.started = False
        self.port = None

    def __enter__(self) -> PrivateCluster:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def create_database(admin_url: str, name: str) -> str:
    """Create database ``name`` (if absent) through ``admin_url``; returns its URL."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return admin_url.rsplit("/", 1)[0] + "/" + name
