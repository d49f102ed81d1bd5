"""Grants, access and refresh tokens, on the simulated clock (docs/facts/google-health-api.md#oauth)."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field

from .clock import SimClock

TESTING_REFRESH_TTL_S = 604_799  # "refresh_token_expires_in": 604799 (docs/facts/google-health-api.md#desktop-flow-with-loopback-and-pkce item 4)


class OAuthError(Exception):
    """An OAuth error response ``{"error", "error_description"}``."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.status, self.error, self.description = status, error, description

    def body(self) -> dict:
        """The JSON body."""
        return {"error": self.error, "error_description": self.description}


@dataclass
class Grant:
    """One consent: a refresh token (if offline access) and the scopes granted."""

    refresh_token: str | None
    client_id: str
    scopes: tuple[str, ...]
    consent_ms: int
    refresh_expires_ms: int | None  # Testing mode: 7 days after consent
    revoked: bool = False
    user: int = 0  # which of the simulator's persons consented
    access_tokens: set[str] = field(default_factory=set)


@dataclass
class AccessToken:
    """A bearer token: its grant, scopes and expiry (simulated clock)."""

    token: str
    grant: Grant
    scopes: frozenset[str]
    expires_ms: int
    revoked: bool = False


class TokenStore:
    """Issues, refreshes, checks and revokes tokens. Thread-safe."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self.revoked: set[str] = set()
        self._access: dict[str, AccessToken] = {}
        self._refresh: dict[str, Grant] = {}
        self._lock = threading.Lock()

    def _mint_access(self, grant: Grant, scopes: tuple[str, ...], ttl_s: int) -> AccessToken:
        tok = AccessToken("ya29.sim-" + secrets.token_urlsafe(96), grant, frozenset(scopes),
                          self.clock.now_ms() + ttl_s * 1000)
        self._access[tok.token] = tok
        grant.access_tokens.add(tok.token)
        return tok

    def grant(self, scopes: tuple[str, ...], client_id: str, *, ttl_s: int, testing: bool,
              offline: bool = True, user: int = 0) -> dict:
        """A new consent of person ``user``; returns the token-endpoint response."""
        now = self.clock.now_ms()
        with self._lock:
            refresh = "1//sim-" + secrets.token_urlsafe(64) if offline else None
            g = Grant(refresh, client_id, scopes, now,
                      now + TESTING_REFRESH_TTL_S * 1000 if testing and offline else None, user=user)
            if refresh:
                self._refresh[refresh] = g
            tok = self._mint_access(g, scopes, ttl_s)
        out: dict = {"access_token": tok.token, "expires_in": ttl_s}
        if refresh:
            out["refresh_token"] = refresh
        out.update(scope=" ".join(scopes), token_type="Bearer")
        if g.refresh_expires_ms is not None:
            out["refresh_token_expires_in"] = TESTING_REFRESH_TTL_S
        return out

    def refresh(self, refresh_token: str, client_id: str, scope: str | None, *, ttl_s: int) -> dict:
        """``grant_type=refresh_token``: a new access token, no new refresh token (docs/facts/google-health-api.md#desktop-flow-with-loopback-and-pkce item 5)."""
        now = self.clock.now_ms()
        with self._lock:
            g = self._refresh.get(refresh_token)
            if g is None or g.revoked or (g.refresh_expires_ms is not None and now >= g.refresh_expires_ms):
                raise OAuthError(400, "invalid_grant", "Token has been expired or revoked.")
            if g.client_id != client_id:
                raise OAuthError(400, "unauthorized_client", "Unauthorized")
            scopes = g.scopes
            if scope:  # a refresh may narrow, never widen (docs/facts/google-health-api.md#endpoints-and-scopes)
                asked = tuple(scope.split())
                if not set(asked) <= set(g.scopes):
                    raise OAuthError(400, "invalid_scope",
                                     "Some requested scopes were invalid. {invalid=[%s]}" % ", ".join(
                                         sorted(set(asked) - set(g.scopes))))
                scopes = asked
            tok = self._mint_access(g, scopes, ttl_s)
        out: dict = {"access_token": tok.token, "expires_in": ttl_s, "scope": " ".join(scopes),
                     "token_type": "Bearer"}
        if g.refresh_expires_ms is not None:
            out["refresh_token_expires_in"] = max((g.refresh_expires_ms - now) // 1000, 0)
        return out

    def authenticate(self, token: str) -> AccessToken | str:
        """The live access token, or why not: ``"unknown"``, ``"revoked"``, ``"expired"``."""
        with self._lock:
            tok = self._access.get(token)
        if tok is None:
            return "unknown"
        if tok.revoked:
            return "revoked"
        if self.clock.now_ms() >= tok.expires_ms:
            return "expired"
        return tok

    def refresh_tokens_of(self, user: int) -> list[str]:
        """The live refresh tokens of person ``user`` (a test revokes them to cause invalid_grant)."""
        with self._lock:
            return [t for t, g in self._refresh.items() if g.user == user and not g.revoked]

    def revoke(self, token: str) -> bool:
        """Revoke a refresh token (and its access tokens) or an access token (and, as Google
        documents, the refresh token of its grant). False if unknown or already revoked."""
        with self._lock:
            grant = self._refresh.get(token)
            if grant is None:
                acc = self._access.get(token)
                if acc is None or acc.revoked:
                    return False
                grant = acc.grant
            elif grant.revoked:
                return False
            grant.revoked = True
            if grant.refresh_token:
                self.revoked.add(grant.refresh_token)
            for t in grant.access_tokens:
                self._access[t].revoked = True
                self.revoked.add(t)
            return True
