"""The :class:`Simulator`: its state (clock, person, tokens, quota, faults, request log) and
lifecycle (start, stop, context manager, from :class:`~._http.LoopbackService`)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from . import catalog as c
from ._http import LoopbackService
from .clock import SimClock
from .config import SimulatorConfig
from .faults import FaultPlan
from .log import RequestLog
from .oauth import CodeStore
from .paging import PageTokens
from .person import SyntheticPerson
from .quota import RollingQuota
from .server import SimServer
from .tokens import TokenStore


class Simulator(LoopbackService):
    """A fake ``health.googleapis.com`` (``/v4``) plus Google's OAuth endpoints on 127.0.0.1.

    Use ``start()``/``stop()`` or ``with Simulator(cfg) as sim:``. ``sim.url`` is the API root
    (paths ``/v4/...`` below it); ``auth_url``/``token_url``/``revoke_url`` the OAuth endpoints.
    ``person`` is the ground truth, ``clock`` the simulated clock, ``faults`` the fault plan,
    ``requests`` the ``/v4`` request log.
    """

    server_class = SimServer
    thread_name = "fitvault-simulator"
    auth_path, token_path, revoke_path = "/o/oauth2/v2/auth", "/token", "/revoke"

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config if config is not None else SimulatorConfig()
        self.clock = SimClock(self.config.now)
        self.person = SyntheticPerson(self.config.seed, self.config.history_start, self.clock,
                                      heart_rate_interval_s=self.config.heart_rate_interval_s)
        self.tokens = TokenStore(self.clock)
        self.codes = CodeStore()
        self.quota = RollingQuota()
        self.faults = FaultPlan()
        self.pages = PageTokens(secrets.token_bytes(16))
        self.requests = RequestLog()

    # -- helpers for tests and the demo ---------------------------------------------------------
    def client_secrets(self) -> dict:
        """The Desktop-client JSON Google Cloud Console would let you download."""
        return {"installed": {
            "client_id": self.config.client_id,
            "project_id": "fitvault-simulator",
            "auth_uri": self.auth_url,
            "token_uri": self.token_url,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_secret": self.config.client_secret,
            "redirect_uris": ["http://localhost"],
        }}

    def issue_token(self, scopes: Sequence[str] | None = None) -> dict:
        """Consent without the browser dance: a token-endpoint response dict. ``scopes`` default to
        every Health read scope; ``config.granted_scopes`` narrows them as on the consent screen."""
        asked = tuple(scopes) if scopes is not None else c.READ_SCOPES
        granted = tuple(s for s in asked if self.config.granted_scopes is None or s in self.config.granted_scopes)
        return self.tokens.grant(granted, self.config.client_id, ttl_s=self.config.access_token_ttl_s,
                                 testing=self.config.testing_mode)

    @property
    def revoked(self) -> set[str]:
        """Every revoked access and refresh token."""
        return self.tokens.revoked

    def reset_requests(self) -> None:
        """Clear :attr:`requests`."""
        self.requests.clear()
