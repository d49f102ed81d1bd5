"""The :class:`Simulator`: its state (clock, person, tokens, quota, faults, request log) and
lifecycle (start, stop, context manager, from :class:`~._http.LoopbackService`)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence

from . import catalog as c
from ._http import LoopbackService
from .clock import SimClock
from .config import SimulatorConfig
from .faults import FaultPlan
from .log import RequestLog
from .oauth import CodeStore
from .paging import PageTokens
from .person import SyntheticPerson
from .person.rand import digest_int
from .quota import RollingQuota
from .server import SimServer
from .tokens import TokenStore


class Simulator(LoopbackService):
    """A fake ``health.googleapis.com`` (``/v4``) plus Google's OAuth endpoints on 127.0.0.1.

    Use ``start()``/``stop()`` or ``with Simulator(cfg) as sim:``. ``sim.url`` is the API root
    (paths ``/v4/...`` below it); ``auth_url``/``token_url``/``revoke_url`` the OAuth endpoints.
    ``person`` is the ground truth (of person 0; ``persons[i]`` of each of ``config.people``),
    ``clock`` the simulated clock, ``faults`` the fault plan, ``requests`` the ``/v4`` request log.
    """

    server_class = SimServer
    thread_name = "fitvault-simulator"
    auth_path, token_path, revoke_path = "/o/oauth2/v2/auth", "/token", "/revoke"

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config if config is not None else SimulatorConfig()
        self.clock = SimClock(self.config.now)
        if self.config.people < 1:
            raise ValueError("SimulatorConfig.people must be at least 1")
        self.persons = [
            SyntheticPerson(person_seed(self.config.seed, i), self.config.history_start, self.clock,
                            heart_rate_interval_s=self.config.heart_rate_interval_s)
            for i in range(self.config.people)
        ]
        self.person = self.persons[0]
        self.web_redirect_uris: set[str] = set()
        self.tokens = TokenStore(self.clock)
        self.codes = CodeStore()
        self.quota = RollingQuota()
        self.faults = FaultPlan()
        self.pages = PageTokens(secrets.token_bytes(16))
        self.requests = RequestLog()

    # -- helpers for tests and the demo ---------------------------------------------------------
    def client_secrets(self, kind: str = "installed", redirect_uris: Iterable[str] = ()) -> dict:
        """The client JSON Google Cloud Console would let you download: the Desktop client
        (``kind="installed"``), or the "web" client, whose authorized redirect URIs become
        ``redirect_uris`` (added to those registered before; the authorize endpoint enforces them)."""
        if kind == "web":
            self.web_redirect_uris.update(redirect_uris)
            return {"web": {
                "client_id": self.config.web_client_id,
                "project_id": "fitvault-simulator",
                "auth_uri": self.auth_url,
                "token_uri": self.token_url,
                "client_secret": self.config.web_client_secret,
                "redirect_uris": sorted(self.web_redirect_uris),
            }}
        if kind != "installed":
            raise ValueError(f"client kind must be 'installed' or 'web', not {kind!r}")
        return {"installed": {
            "client_id": self.config.client_id,
            "project_id": "fitvault-simulator",
            "auth_uri": self.auth_url,
            "token_uri": self.token_url,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_secret": self.config.client_secret,
            "redirect_uris": ["http://localhost"],
        }}

    def issue_token(self, scopes: Sequence[str] | None = None, *, person: int = 0, web: bool = False) -> dict:
        """Consent without the browser dance: a token-endpoint response dict for ``persons[person]``
        (to the web client when ``web``). ``scopes`` default to every Health read scope;
        ``config.granted_scopes`` narrows them as on the consent screen."""
        asked = tuple(scopes) if scopes is not None else c.READ_SCOPES
        granted = tuple(s for s in asked if self.config.granted_scopes is None or s in self.config.granted_scopes)
        self.persons[person]  # noqa: B018 - IndexError for a person the simulator does not serve
        client = self.config.web_client_id if web else self.config.client_id
        return self.tokens.grant(granted, client, ttl_s=self.config.access_token_ttl_s,
                                 testing=self.config.testing_mode, user=person)

    @staticmethod
    def email(person: int) -> str:
        """The Google account (``login_hint``) of person ``person``."""
        return f"person{person}@sim.example"

    def person_of_email(self, email: str) -> int | None:
        """The index of the person signing in as ``email``; None when unknown."""
        for i in range(len(self.persons)):
            if email.strip().lower() == self.email(i):
                return i
        return None

    @property
    def revoked(self) -> set[str]:
        """Every revoked access and refresh token."""
        return self.tokens.revoked

    def reset_requests(self) -> None:
        """Clear :attr:`requests`."""
        self.requests.clear()


def person_seed(seed: int, index: int) -> int:
    """The seed of person ``index``: ``seed`` itself for person 0 (so ``people=1`` is unchanged),
    else a stable integer derived from ``(seed, index)``."""
    return seed if index == 0 else digest_int(seed, "person", index, bits=62)
