"""Fitbit's OAuth 2.0 endpoints (docs/facts/fitbit-legacy-api.md#oauth): authorization code + PKCE, single-use rotating
refresh tokens, 409 on a concurrent refresh, revocation of every token of the user.

- ``GET /oauth2/authorize`` checks the request and "consents" at once: 302 to the redirect URI
  with ``code`` and ``state`` (and Fitbit's ``#_=_`` fragment).
- ``POST /oauth2/token``: ``authorization_code`` (single use, 10 minutes, S256 verifier, same
  redirect URI) and ``refresh_token``. Each refresh returns a *new* refresh token and kills the
  old one: using it again answers 400 ``invalid_grant``; using it while its refresh is still
  being processed answers 409. Client authentication: HTTP Basic for personal/server apps,
  ``client_id`` in the body for client apps.
- ``POST /oauth2/revoke``: ``token=`` (access or refresh) revokes all of the user's tokens.

Errors use Fitbit's envelope ``{"errors": [{"errorType", "message"}], "success": false}``, and
like the real service the messages quote the offending token.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode, urlsplit

from .. import _oauth
from ..errors import Response
from .config import ALL_SCOPES

if TYPE_CHECKING:
    from .core import FitbitSimulator
    from .server import Request

CODE_TTL_MS = 10 * 60 * 1000
VISIT = "Visit https://dev.fitbit.com/docs/oauth2 for more information on the Fitbit Web API authorization process."
JSON_TYPE = "application/json;charset=UTF-8"


class FitbitError(Exception):
    """An error answered in Fitbit's envelope."""

    def __init__(self, status: int, error_type: str, message: str, field_name: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{error_type}: {message}")
        self.status, self.error_type, self.message, self.field_name = status, error_type, message, field_name
        self.headers = headers or {}

    def response(self) -> Response:
        err: dict = {"errorType": self.error_type}
        if self.field_name is not None:
            err["fieldName"] = self.field_name
        err["message"] = self.message
        return json_response({"errors": [err], "success": False}, self.status, self.headers)


def json_response(payload: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Compact JSON, as the API sends it."""
    return Response(status, json.dumps(payload, separators=(",", ":")).encode(), JSON_TYPE, dict(headers or {}))


def retired_response() -> Response:
    """What every endpoint answers once the legacy API is turned off (2026-11-02)."""
    return FitbitError(410, "request", "The Fitbit Web API and its OAuth endpoints have been turned off (Gone). "
                                       "Use the Google Health API: https://developers.google.com/health",
                       field_name="n/a").response()


# -- tokens -------------------------------------------------------------------------------------

@dataclass
class Grant:
    """One consent of the user to the app."""

    user_id: str
    client_id: str
    scopes: tuple[str, ...]
    revoked: bool = False
    tokens: set[str] = field(default_factory=set)


@dataclass
class AccessToken:
    token: str
    grant: Grant
    expires_ms: int


@dataclass
class RefreshToken:
    token: str
    grant: Grant
    state: str = "live"  # live | refreshing | used


class FitbitTokens:
    """Issues, rotates, checks and revokes tokens on the simulated clock. Thread-safe."""

    def __init__(self, clock) -> None:
        self.clock = clock
        self._access: dict[str, AccessToken] = {}
        self._refresh: dict[str, RefreshToken] = {}
        self._lock = threading.Lock()
        self.refreshes = 0          # successful refresh grants
        self.conflicts = 0          # 409 answers
        self.reuses = 0             # invalid_grant answers for a used refresh token

    @staticmethod
    def _jwt(user_id: str, scopes: tuple[str, ...]) -> str:
        def part(obj: dict) -> str:
            return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode().rstrip("=")

        claims = {"sub": user_id, "iss": "Fitbit", "typ": "access_token", "scopes": " ".join("r" + s[:3] for s in scopes),
                  "jti": secrets.token_hex(8)}
        return f"{part({'alg': 'HS256'})}.{part(claims)}.{secrets.token_urlsafe(32)}"

    def _mint(self, grant: Grant, ttl_s: int) -> dict:
        access = AccessToken(self._jwt(grant.user_id, grant.scopes), grant, self.clock.now_ms() + ttl_s * 1000)
        refresh = RefreshToken(secrets.token_hex(32), grant)
        self._access[access.token] = access
        self._refresh[refresh.token] = refresh
        grant.tokens.update((access.token, refresh.token))
        return {"access_token": access.token, "expires_in": ttl_s, "refresh_token": refresh.token,
                "scope": " ".join(grant.scopes), "token_type": "Bearer", "user_id": grant.user_id}

    def grant(self, user_id: str, client_id: str, scopes: tuple[str, ...], ttl_s: int) -> dict:
        """A new consent; the token-endpoint response."""
        with self._lock:
            return self._mint(Grant(user_id, client_id, scopes), ttl_s)

    def refresh(self, value: str, client_id: str, ttl_s: int, delay_s: float) -> dict:
        """Rotate: a new access and refresh token; the old refresh token dies (docs/facts/fitbit-legacy-api.md#oauth)."""
        with self._lock:
            rt = self._refresh.get(value)
            if rt is None or rt.grant.revoked or rt.grant.client_id != client_id:
                raise FitbitError(400, "invalid_grant", f"Refresh token invalid: {value}. {VISIT}")
            if rt.state == "refreshing":
                self.conflicts += 1
                raise FitbitError(409, "request", "Request conflict due to multiple clients attempting to refresh "
                                                  f"the same access token. {VISIT}")
            if rt.state == "used":
                self.reuses += 1
                raise FitbitError(400, "invalid_grant", f"Refresh token invalid: {value}. {VISIT}")
            rt.state = "refreshing"
        if delay_s > 0:
            time.sleep(delay_s)  # the window in which a second refresh collides
        with self._lock:
            rt.state = "used"
            if rt.grant.revoked:
                raise FitbitError(400, "invalid_grant", f"Refresh token invalid: {value}. {VISIT}")
            self.refreshes += 1
            return self._mint(rt.grant, ttl_s)

    def authenticate(self, value: str) -> AccessToken | str:
        """The live access token, or why not: ``invalid``, ``expired``."""
        with self._lock:
            tok = self._access.get(value)
        if tok is None or tok.grant.revoked:
            return "invalid"
        if self.clock.now_ms() >= tok.expires_ms:
            return "expired"
        return tok

    def revoke(self, value: str, client_id: str) -> bool:
        """Revoke every token of the grant that ``value`` belongs to (docs/facts/fitbit-legacy-api.md#oauth, revoke)."""
        with self._lock:
            holder = self._access.get(value) or self._refresh.get(value)
            if holder is None or holder.grant.client_id != client_id:
                return False
            holder.grant.revoked = True
            return True

    def refresh_token_state(self, value: str) -> str | None:
        """``live``, ``refreshing``, ``used`` or None (unknown), for tests."""
        with self._lock:
            rt = self._refresh.get(value)
            return None if rt is None else ("revoked" if rt.grant.revoked else rt.state)


# -- codes ------------------------------------------------------------------------------------

@dataclass
class AuthCode:
    client_id: str
    redirect_uri: str
    challenge: str
    scopes: tuple[str, ...]
    issued_ms: int
    used: bool = False


class CodeStore(_oauth.CodeStore[AuthCode]):
    """Authorization codes awaiting exchange."""

    @staticmethod
    def new_value() -> str:
        return secrets.token_hex(20)


# -- endpoints --------------------------------------------------------------------------------

def authorize(sim: FitbitSimulator, req: Request) -> Response:
    """``GET /oauth2/authorize``."""
    q, cfg = req.query, sim.config
    if q.get("client_id") != cfg.client_id:
        return FitbitError(400, "invalid_client", "Invalid client_id").response()
    redirect = q.get("redirect_uri", "")
    if not _oauth.is_loopback(redirect, hosts=("127.0.0.1", "localhost")):
        return FitbitError(400, "invalid_request", f"Invalid redirect_uri parameter value: {redirect}").response()
    if q.get("response_type") != "code":
        return FitbitError(400, "invalid_request", "Unsupported response_type").response()
    scopes = tuple(q.get("scope", "").split())
    if not scopes or any(s not in ALL_SCOPES for s in scopes):
        return FitbitError(400, "invalid_scope", f"Invalid scope: {q.get('scope', '')}").response()
    challenge = q.get("code_challenge", "")
    if not 43 <= len(challenge) <= 128:
        return FitbitError(400, "invalid_request",
                           "The code_challenge parameter length must be between 43 and 128").response()
    if q.get("code_challenge_method") != "S256":
        return FitbitError(400, "invalid_request", "Unsupported code_challenge_method").response()
    if cfg.deny_consent:
        params = {"error": "access_denied", "error_description": "The user denied the request."}
    else:
        granted = tuple(s for s in scopes if cfg.granted_scopes is None or s in cfg.granted_scopes)
        params = {"code": sim.codes.issue(AuthCode(cfg.client_id, redirect, challenge, granted, sim.clock.now_ms()))}
    if "state" in q:
        params["state"] = q["state"]
    location = redirect + ("&" if urlsplit(redirect).query else "?") + urlencode(params, quote_via=quote) + "#_=_"
    return Response(302, b"", "text/html;charset=UTF-8", {"Location": location})


def _client_id(sim: FitbitSimulator, req: Request, form: dict[str, str]) -> str:
    cfg = sim.config
    try:
        basic = _oauth.basic_credentials(req.headers.get("authorization", ""))
    except ValueError:
        raise FitbitError(401, "invalid_client", "Invalid authorization header format. " + VISIT) from None
    if basic is not None:
        if basic != (cfg.client_id, cfg.client_secret):
            raise FitbitError(401, "invalid_client", "Invalid authorization header. Client id invalid. " + VISIT)
        return cfg.client_id
    if cfg.app_type != "client":
        raise FitbitError(401, "invalid_client", "Authorization header required. " + VISIT)
    if form.get("client_id") != cfg.client_id:
        raise FitbitError(401, "invalid_client", "Invalid client_id. " + VISIT)
    return cfg.client_id


def token(sim: FitbitSimulator, req: Request) -> Response:
    """``POST /oauth2/token``."""
    form = _oauth.form(req)
    cfg = sim.config
    try:
        grant_type = form.get("grant_type", "")
        client_id = _client_id(sim, req, form)
        if grant_type == "refresh_token":
            if not form.get("refresh_token"):
                raise FitbitError(400, "invalid_request", "Missing parameters: refresh_token " + VISIT)
            return json_response(sim.tokens.refresh(form["refresh_token"], client_id, cfg.access_token_ttl_s,
                                                    cfg.refresh_delay_s))
        if grant_type != "authorization_code":
            raise FitbitError(400, "unsupported_grant_type", f"Unsupported grant_type: {grant_type}. {VISIT}")
        code = sim.codes.redeem(form.get("code", ""))
        if isinstance(code, str) or sim.clock.now_ms() - code.issued_ms > CODE_TTL_MS:
            raise FitbitError(400, "invalid_grant", f"Authorization code invalid: {form.get('code', '')} {VISIT}")
        if form.get("redirect_uri") != code.redirect_uri:
            raise FitbitError(400, "invalid_grant", "Invalid redirect_uri parameter value. " + VISIT)
        verifier = form.get("code_verifier", "")
        if not verifier or _oauth.s256(verifier) != code.challenge:
            raise FitbitError(400, "invalid_grant", "Invalid code_verifier. " + VISIT)
        return json_response(sim.tokens.grant(sim.person.legacy_user_id, client_id, code.scopes,
                                              cfg.access_token_ttl_s))
    except FitbitError as err:
        return err.response()


def revoke(sim: FitbitSimulator, req: Request) -> Response:
    """``POST /oauth2/revoke`` with ``token=``."""
    form = _oauth.form(req, keep_blank_values=False)
    try:
        client_id = _client_id(sim, req, form)
    except FitbitError as err:
        return err.response()
    sim.tokens.revoke(form.get("token", ""), client_id)
    return json_response({})  # RFC 7009: unknown tokens are not an error
