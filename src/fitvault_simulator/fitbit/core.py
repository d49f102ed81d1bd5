"""The :class:`FitbitSimulator`: state (clock, person, tokens, quota, request log) and lifecycle."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .._http import LoopbackService
from ..clock import SimClock
from ..log import RequestLog
from ..person import SyntheticPerson
from .config import ALL_SCOPES, FitbitSimConfig
from .oauth import CodeStore, FitbitTokens
from .quota import HourlyQuota
from .server import FitbitServer


class FitbitSimulator(LoopbackService):
    """A fake ``api.fitbit.com`` (``/1``, ``/1.2``) with Fitbit's OAuth endpoints, on 127.0.0.1.

    Pass ``person`` (e.g. a Google :class:`~fitvault_simulator.Simulator`'s ``sim.person``) to
    serve exactly the data the Google simulator serves; otherwise one is made from the config.
    ``sim.url`` is the API root (paths ``/1/user/-/...`` below it).
    ``sim.person.truth(...)`` is the ground truth; ``requests`` logs every ``/1`` request;
    ``observers`` are called with the access token of each authenticated API request.
    """

    server_class = FitbitServer
    thread_name = "fitvault-fitbit-simulator"
    auth_path, token_path, revoke_path = "/oauth2/authorize", "/oauth2/token", "/oauth2/revoke"

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

    def issue_token(self, scopes: Sequence[str] | None = None) -> dict:
        """Consent without the browser: a token-endpoint response (every scope by default)."""
        asked = tuple(scopes) if scopes is not None else ALL_SCOPES
        granted = tuple(s for s in asked if self.config.granted_scopes is None or s in self.config.granted_scopes)
        return self.tokens.grant(self.person.legacy_user_id, self.config.client_id, granted,
                                 self.config.access_token_ttl_s)

    def data_requests(self) -> list:
        """Logged ``/1`` requests other than profile and devices."""
        return [r for r in self.requests if r.operation not in ("profile", "devices")]
