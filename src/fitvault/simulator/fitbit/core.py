"""The :class:`FitbitSimulator`: state (clock, person, tokens, quota, request log) and lifecycle."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..clock import SimClock
from ..log import RequestLog
from ..person import SyntheticPerson
from .config import ALL_SCOPES, FitbitSimConfig
from .oauth import CodeStore, FitbitTokens
from .quota import HourlyQuota
from .server import FitbitServer


@dataclass
class _Running:
    server: FitbitServer
    thread: threading.Thread
    port: int


class FitbitSimulator:
    """A fake ``api.fitbit.com`` (``/1``, ``/1.2``) with Fitbit's OAuth endpoints, on 127.0.0.1.

    Pass ``person`` (e.g. a Google :class:`~fitvault.simulator.Simulator`'s ``sim.person``) to
    serve exactly the data the Google simulator serves; otherwise one is made from the config.
    ``sim.person.truth(...)`` is the ground truth; ``requests`` logs every ``/1`` request;
    ``observers`` are called with the access token of each authenticated API request.
    """

    def __init__(self, config: FitbitSimConfig | None = None, *, person: SyntheticPerson | None = None) -> None:
        self.config = config if config is not None else FitbitSimConfig()
        if person is None:
            person = SyntheticPerson(self.config.seed, self.config.history_start, SimClock(self.config.now))
        self.person = person
        self.clock = person.clock
        self.tokens = FitbitTokens(self.clock)
        self.codes = CodeStore()
        self.quota = HourlyQuota()
        self.requests = RequestLog()
        self.observers: list[Callable[[str], None]] = []
        self._running: _Running | None = None

    def start(self, port: int = 0) -> FitbitSimulator:
        """Bind 127.0.0.1:``port`` (0 = ephemeral) and serve in a daemon thread."""
        if self._running is not None:
            raise RuntimeError("simulator already started")
        server = FitbitServer(("127.0.0.1", port), self)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                  name="fitvault-fitbit-simulator", daemon=True)
        thread.start()
        self._running = _Running(server, thread, server.server_address[1])
        return self

    def stop(self) -> None:
        running, self._running = self._running, None
        if running is not None:
            running.server.shutdown()
            running.server.server_close()
            running.thread.join(timeout=5)

    def __enter__(self) -> FitbitSimulator:
        if self._running is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._running is None:
            raise RuntimeError("simulator not started")
        return self._running.port

    @property
    def url(self) -> str:
        """API root (paths ``/1/user/-/...`` below it)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def auth_url(self) -> str:
        return self.url + "/oauth2/authorize"

    @property
    def token_url(self) -> str:
        return self.url + "/oauth2/token"

    @property
    def revoke_url(self) -> str:
        return self.url + "/oauth2/revoke"

    def issue_token(self, scopes: Sequence[str] | None = None) -> dict:
        """Consent without the browser: a token-endpoint response (every scope by default)."""
        asked = tuple(scopes) if scopes is not None else ALL_SCOPES
        granted = tuple(s for s in asked if self.config.granted_scopes is None or s in self.config.granted_scopes)
        return self.tokens.grant(self.person.legacy_user_id, self.config.client_id, granted,
                                 self.config.access_token_ttl_s)

    def data_requests(self) -> list:
        """Logged ``/1`` requests other than profile and devices."""
        return [r for r in self.requests if r.operation not in ("profile", "devices")]
