"""A faithful fake of the Google Health API v4 and Google's OAuth endpoints, for tests and demos.

Used in-process (``with Simulator(SimulatorConfig(seed=7)) as sim: ...``) or standalone
(``fitvault simulator --port 8123``). It imports nothing from the rest of fitvault:
the client's parsers must not share code with the simulator's serialisation.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from .clock import SimClock
from .config import SimulatorConfig
from .core import Simulator
from .faults import Fault, FaultPlan
from .log import RequestRecord
from .person import SleepSession, SyntheticPerson

__all__ = [
    "Fault",
    "FaultPlan",
    "RequestRecord",
    "SimClock",
    "Simulator",
    "SimulatorConfig",
    "SleepSession",
    "SyntheticPerson",
    "serve_forever",
]


def serve_forever(config: SimulatorConfig, port: int, client_secrets_path: str | os.PathLike[str] | None = None,
                  echo: Callable[[str], object] = print, *, stop: threading.Event | None = None) -> None:
    """Run a simulator on 127.0.0.1:``port`` until Ctrl-C (or until ``stop`` is set).

    Writes the Desktop-client JSON to ``client_secrets_path`` (mode 0600), or to a temporary
    file removed on exit, and reports the URLs and that path through ``echo``.
    """
    temporary = client_secrets_path is None
    if client_secrets_path is None:
        fd, name = tempfile.mkstemp(prefix="fitvault-sim-client-", suffix=".json")
        os.close(fd)
        path = Path(name)
    else:
        path = Path(client_secrets_path)
    with Simulator(config).start(port) as sim:
        _write_private(path, json.dumps(sim.client_secrets(), indent=2) + "\n")
        echo(f"Google Health API simulator (seed {config.seed}) listening on {sim.url}")
        echo(f"  API root:       {sim.url}  (paths /v4/...)")
        echo(f"  authorization:  {sim.auth_url}")
        echo(f"  token:          {sim.token_url}")
        echo(f"  revoke:         {sim.revoke_url}")
        echo(f"  client secrets: {path}")
        echo(f"  health user id: {sim.person.health_user_id}")
        echo("Press Ctrl-C to stop.")
        waiter = stop if stop is not None else threading.Event()
        try:
            while not waiter.wait(0.5):
                pass
        except KeyboardInterrupt:
            echo("Stopping the simulator.")
        finally:
            if temporary:
                path.unlink(missing_ok=True)


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by the owner only (it holds the client secret)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(path, 0o600)
