"""OAuth for the legacy Fitbit Web API: consent (code + PKCE), rotating refresh, revoke, signing.

See docs/facts/fitbit-legacy-api.md#oauth. The protocol work (PKCE verifier and S256
challenge, ``state``, the grant requests) is Authlib's; this module picks Fitbit's parameters and
adapts Fitbit's quirks:

* Errors come as ``{"errors": [{"errorType", "message"}], "success": false}`` instead of RFC 6749's
  ``error``; a compliance hook maps them (as requests-oauthlib's ``fitbit`` fix does) and strips
  the token Fitbit quotes in the message.
* Refresh tokens are **single use**: every refresh returns a new one and kills the old. The new
  pair is written to the token file (atomically, mode 0600, under its file lock) *before* the new
  access token is used, so a crash can never strand the only valid refresh token in memory.
* Two clients refreshing with the same token at once: the loser gets **409**. :class:`FitbitAuth`
  then releases the lock, waits, re-reads the token file and uses the pair the winner stored;
  if none appears it tries once more and otherwise asks for ``fitvault auth fitbit``.
* Since 2026-11-02 every Fitbit endpoint answers **410 Gone**: any 410 raises
  :class:`~fitvault.errors.FitbitApiRetired`, whose message says what to do instead.

Apps: a *Personal* or *Server* app authenticates with HTTP Basic (client id and secret); a
*Client* app has no secret and sends its ``client_id`` in the body. The redirect URI must be
registered exactly in the app's settings (``http://127.0.0.1:8080/`` by default, the seed
tutorials' callback). Tokens never appear in logs, URLs, ``repr`` or error messages.
"""

from __future__ import annotations

import hmac
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import httpx
from authlib.common.security import generate_token

from fitvault.auth.bearer import RefreshingBearerAuth, stored_token
from fitvault.auth.loopback import HOST, LoopbackReceiver
from fitvault.auth.oauth_common import TIMEOUT_S, Provider, RevokeResult, httpx_session, oauth_client
from fitvault.auth.tokens import Token, TokenStore, mask_secret, scrub_secrets
from fitvault.config import FitbitEndpoints
from fitvault.errors import AuthError, AuthorizationDenied, ConfigError, FitbitApiRetired, ReauthRequired, StoreError

if TYPE_CHECKING:
    from authlib.integrations.httpx_client import OAuth2Client

#: Read scopes the legacy sync uses (docs/facts/fitbit-legacy-api.md#oauth: scope per endpoint).
DEFAULT_SCOPES: tuple[str, ...] = (
    "activity", "heartrate", "sleep", "oxygen_saturation", "respiratory_rate", "temperature", "weight",
    "profile", "settings",
)
DEFAULT_PORT = 8080
REAUTH = "Run `fitvault auth fitbit` again"
_VERIFIER_LENGTH = 64  # RFC 7636 and Fitbit: 43..128 characters
# What Fitbit quotes in error messages: JWT access tokens and 64-hex refresh tokens.
_TOKEN_SHAPES = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+|\b[0-9a-f]{40,}\b")


class RefreshConflict(AuthError):
    """409 from the token endpoint: another client is refreshing with the same refresh token."""


@dataclass(frozen=True)
class FitbitApp:
    """The person's app at dev.fitbit.com: its client id, and its secret unless it is a *Client* app."""

    client_id: str
    client_secret: str | None = None

    def __repr__(self) -> str:
        return f"FitbitApp(client_id={self.client_id!r}, client_secret={mask_secret(self.client_secret)!r})"

    __str__ = __repr__


def scrub(text: str, *secrets: str | None) -> str:
    """``text`` without the given secrets nor anything shaped like a Fitbit token."""
    return _TOKEN_SHAPES.sub("***", scrub_secrets(text, *secrets))


_FITBIT = Provider("Fitbit", scrub)


# --- Authlib plumbing --------------------------------------------------------------------------


def _fitbit_token_response(resp: httpx.Response) -> httpx.Response:
    """Compliance hook: 410 and 409 become our errors; Fitbit's error envelope becomes RFC 6749's."""
    if resp.status_code == 410:
        raise FitbitApiRetired()
    if resp.status_code == 409:
        raise RefreshConflict("another client refreshed the Fitbit token at the same time (HTTP 409)")
    if resp.status_code < 400:
        return resp
    try:
        body = json.loads(resp.content)
    except ValueError:
        return resp
    if isinstance(body, dict) and "error" not in body and isinstance(body.get("errors"), list) and body["errors"]:
        first = body["errors"][0] if isinstance(body["errors"][0], dict) else {}
        fixed = {"error": str(first.get("errorType") or "request"),
                 "error_description": scrub(str(first.get("message") or ""))}
        return httpx.Response(resp.status_code, json=fixed, request=resp.request)
    return resp


def _oauth_client(
    client_id: str,
    client_secret: str | None,
    *,
    http: httpx.Client | None,
    redirect_uri: str | None = None,
    scopes: Sequence[str] | None = None,
) -> OAuth2Client:
    method = "client_secret_basic" if client_secret else "none"
    client = oauth_client(client_id, client_secret, auth_method=method, revocation_endpoint_auth_method=method,
                          http=http, redirect_uri=redirect_uri, scopes=scopes)
    client.register_compliance_hook("access_token_response", _fitbit_token_response)
    client.register_compliance_hook("refresh_token_response", _fitbit_token_response)
    return client


# --- consent -----------------------------------------------------------------------------------


def check_not_retired(url: str, *, http: httpx.Client | None = None) -> None:
    """Raise :class:`FitbitApiRetired` if ``url`` answers 410 Gone; anything else passes.

    Run before the consent flow: once Fitbit's OAuth endpoints are off, the browser would show
    an error page and never come back, so fitvault checks first and says so at once.
    """
    own = http is None
    client = http or httpx.Client(timeout=TIMEOUT_S, follow_redirects=False)
    try:
        status = client.get(url).status_code
    except httpx.HTTPError:
        return  # unreachable now: the consent flow reports it properly
    finally:
        if own:
            client.close()
    if status == 410:
        raise FitbitApiRetired()


def authorize(
    app: FitbitApp,
    endpoints: FitbitEndpoints,
    *,
    scopes: Sequence[str] = DEFAULT_SCOPES,
    port: int = DEFAULT_PORT,
    open_browser: Callable[[str], object] | None = None,
    prompt_for_redirect: Callable[[str], str] | None = None,
    timeout_s: float = 300.0,
    http: httpx.Client | None = None,
    now: Callable[[], float] = time.time,
) -> Token:
    """Run Fitbit's consent flow (authorization code + PKCE S256) and return the new token.

    Browser mode (``open_browser`` given) listens on ``http://127.0.0.1:<port>/`` for the
    redirect; no-browser mode (``prompt_for_redirect`` given, it wins) asks the person for the
    address the browser was sent to. The app's registered callback must be exactly
    ``http://127.0.0.1:<port>/``.

    Raises:
        FitbitApiRetired: Fitbit's OAuth endpoints answer 410 Gone (after 2026-11-02).
        AuthorizationDenied: consent refused, state mismatch, no code, timeout.
        AuthError: the code exchange failed, or no refresh token was issued.
        TransportError / ServerError: the token endpoint could not be reached / failed.
        ConfigError: neither callback given, or the port cannot be bound.
    """
    if open_browser is None and prompt_for_redirect is None:
        raise ConfigError("authorize() needs open_browser or prompt_for_redirect")
    check_not_retired(endpoints.auth_url, http=http)
    verifier = generate_token(_VERIFIER_LENGTH)
    redirect_uri = f"http://{HOST}:{port}/"
    if prompt_for_redirect is not None:
        with httpx_session(http) as session, _oauth_client(
            app.client_id, app.client_secret, http=session, redirect_uri=redirect_uri, scopes=scopes,
        ) as client:
            url, state = _consent_url(client, endpoints, verifier)
            code = _code_from_redirect(prompt_for_redirect(url), state)
            return _exchange(client, app, endpoints, code, verifier, redirect_uri, scopes, now)
    with LoopbackReceiver(port) as receiver:
        redirect_uri = receiver.redirect_uri
        with httpx_session(http) as session, _oauth_client(
            app.client_id, app.client_secret, http=session, redirect_uri=redirect_uri, scopes=scopes,
        ) as client:
            url, state = _consent_url(client, endpoints, verifier)
            open_browser(url)  # type: ignore[misc]
            try:
                redirected = receiver.wait(timeout_s)
            except AuthorizationDenied as exc:
                raise AuthorizationDenied(str(exc).replace("auth google", "auth fitbit")) from None
            code = _code_from_redirect(redirected, state)
            return _exchange(client, app, endpoints, code, verifier, redirect_uri, scopes, now)


def _consent_url(client: OAuth2Client, endpoints: FitbitEndpoints, verifier: str) -> tuple[str, str]:
    # Authlib adds code_challenge=BASE64URL(SHA256(verifier)), code_challenge_method=S256, state.
    url, state = client.create_authorization_url(endpoints.auth_url, code_verifier=verifier)
    return str(url), str(state)


def _code_from_redirect(redirected: str, state: str) -> str:
    text = (redirected or "").strip()
    query = urlsplit(text).query if text.lower().startswith(("http://", "https://")) else text.split("?", 1)[-1]
    params = {k: v[0] for k, v in parse_qs(query.split("#", 1)[0], keep_blank_values=True).items()}
    if not params:
        raise AuthorizationDenied(
            "that is not the address Fitbit redirected to (expected http://127.0.0.1:<port>/?code=...&state=...); "
            "nothing was stored"
        )
    if params.get("error"):
        raise AuthorizationDenied(
            f"Fitbit did not authorise fitvault (error={params['error']}); nothing was stored. {REAUTH} and allow access"
        )
    returned = params.get("state", "")
    if not returned or not hmac.compare_digest(returned.encode(), state.encode()):
        raise AuthorizationDenied(
            "the redirect's state does not match this login (possible cross-site request forgery, or an address "
            f"from an earlier attempt); nothing was stored. {REAUTH}"
        )
    if not params.get("code"):
        raise AuthorizationDenied("the redirect carried no authorization code; nothing was stored")
    return params["code"]


def _exchange(
    client: OAuth2Client,
    app: FitbitApp,
    endpoints: FitbitEndpoints,
    code: str,
    verifier: str,
    redirect_uri: str,
    scopes: Sequence[str],
    now: Callable[[], float],
) -> Token:
    return _FITBIT.exchange(
        client, token_url=endpoints.token_url, code=code, verifier=verifier, redirect_uri=redirect_uri,
        scopes=scopes, now=now, client_id=app.client_id, client_secret=app.client_secret,
        secrets=[app.client_secret, code],
        no_refresh_token=f"Fitbit issued no refresh token, so fitvault could not sync after 8 hours. {REAUTH}",
    )


# --- refresh and revoke ------------------------------------------------------------------------


def refresh(
    token: Token,
    endpoints: FitbitEndpoints,
    *,
    http: httpx.Client | None = None,
    now: Callable[[], float] = time.time,
) -> Token:
    """Rotate the token at ``endpoints.token_url``: a new access *and* refresh token.

    The old refresh token is dead once this returns: save the result before anything else.

    Raises:
        ReauthRequired: ``invalid_grant`` (refresh token used already, revoked, or unknown).
        RefreshConflict: 409, another client is refreshing with the same refresh token.
        FitbitApiRetired: 410 Gone.
        TransportError / ServerError / AuthError: as for :func:`authorize`.
    """
    if not token.refresh_token or not token.client_id:
        raise ReauthRequired(f"no Fitbit refresh token (or app) is stored, so the token cannot be renewed. {REAUTH}")
    requested_at = now()
    with httpx_session(http) as session, _oauth_client(token.client_id, token.client_secret, http=session) as client:
        resp = _FITBIT.request_refresh(
            client, endpoints.token_url, token.refresh_token,
            secrets=[token.access_token, token.refresh_token, token.client_secret],
            invalid_grant=(
                "Fitbit no longer accepts the stored refresh token: it was used already (Fitbit refresh "
                f"tokens work once), revoked, or the app changed. {REAUTH}. Your vault's data and sync "
                "state are untouched."
            ),
            rejected_client=(
                "Fitbit rejected the app while refreshing the token ({error}): its client id or secret "
                f"changed. {REAUTH} with the app's current credentials"
            ),
        )
    try:
        fresh = Token.from_token_response(
            resp, client_id=token.client_id, client_secret=token.client_secret,
            token_uri=token.token_uri, now=requested_at,
        )
    except AuthError as exc:
        raise AuthError(f"{exc} (while refreshing the Fitbit token)") from None
    if not fresh.refresh_token:
        raise AuthError(f"Fitbit's refresh answer carried no new refresh token. {REAUTH}")
    return fresh if fresh.scopes else replace(fresh, scopes=token.scopes)


def revoke(token: Token, endpoints: FitbitEndpoints, *, http: httpx.Client | None = None) -> RevokeResult:
    """Ask Fitbit to revoke the grant (all of the user's tokens for this app). Never raises for a
    failed revocation except :class:`FitbitApiRetired`; the caller deletes the local token either way."""
    value = token.refresh_token or token.access_token
    if not value or not token.client_id:
        return RevokeResult(False, "no token to revoke")
    try:
        with httpx_session(http) as session, _oauth_client(token.client_id, token.client_secret, http=session) as client:
            resp = client.revoke_token(endpoints.revoke_url, token=value)
    except httpx.HTTPError as exc:
        return RevokeResult(False, f"could not reach Fitbit's revocation endpoint ({type(exc).__name__})")
    if resp.status_code == 410:
        raise FitbitApiRetired()
    if resp.status_code == 200:
        return RevokeResult(True, "Fitbit revoked fitvault's access")
    return RevokeResult(False, f"Fitbit did not revoke the token (HTTP {resp.status_code}); it may already be revoked")


# --- storage -------------------------------------------------------------------------------------


class FitbitTokenStore(TokenStore):
    """The Fitbit token in ``<vault>/fitbit-token.json`` (mode 0600, atomic, file-locked)."""

    def load(self) -> Token | None:
        try:
            return super().load()
        except AuthError as exc:
            raise AuthError(str(exc).replace("auth google", "auth fitbit")) from None


# --- signing requests ----------------------------------------------------------------------------


class FitbitAuth(RefreshingBearerAuth[FitbitEndpoints]):
    """Bearer auth for the legacy API with single-use refresh tokens.

    Refreshes shortly before expiry and once on a 401. Refreshes are serialised by a thread lock
    and the token file's lock; inside the lock the file is re-read first, so a token another
    process just rotated is used rather than rotated again (which would fail: its refresh token
    is spent). The new pair is saved before it is used. On 409 the lock is released, and the file
    is polled (``conflict_waits``) for the pair the other client stores.

    Args:
        store: the token file.
        endpoints: ``token_url`` is used.
        refresh_margin_s: refresh when the access token expires within this many seconds.
        http_factory: a new ``httpx.Client`` per refresh (tests, proxies); default Authlib's.
        now: clock, epoch seconds.
        sleep: waits between polls after a 409.
        conflict_waits: the waits, in seconds, between re-reads of the file after a 409.
        on_refresh: called with each new token after it was saved.
        lock_timeout_s: how long to wait for another process's refresh.
    """

    provider = "Fitbit"

    def __init__(
        self,
        store: TokenStore,
        endpoints: FitbitEndpoints,
        *,
        refresh_margin_s: float = 300.0,
        http_factory: Callable[[], httpx.Client] | None = None,
        now: Callable[[], float] = time.time,
        sleep: Callable[[float], object] = time.sleep,
        conflict_waits: Sequence[float] = (0.5, 1.0, 2.0, 4.0, 8.0),
        on_refresh: Callable[[Token], None] | None = None,
        lock_timeout_s: float = 60.0,
    ) -> None:
        super().__init__(store, endpoints, refresh_margin_s=refresh_margin_s, http_factory=http_factory, now=now,
                         on_refresh=on_refresh, lock_timeout_s=lock_timeout_s)
        self._sleep = sleep
        self._conflict_waits = tuple(conflict_waits)
        self.conflicts = 0  # 409s met (for reports and tests)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values to scrub from any text shown (the token in use)."""
        t = self._token
        return tuple(v for v in ((t.access_token, t.refresh_token, t.client_secret) if t else ()) if v)

    # --- internals ---------------------------------------------------------------------------

    def _renew_locked(self, failed: str | None) -> tuple[Token, bool]:
        conflicted: str | None = None  # the refresh token a 409 was answered for
        waits = list(self._conflict_waits)
        while True:
            with self._file_lock():
                stored = self._load()
                if self._fresh(stored, failed=failed):
                    self._token = stored  # another process rotated it meanwhile
                    return stored, False
                if stored.refresh_token == conflicted and waits:
                    pass  # the other client has not stored its pair yet: wait again
                else:
                    new = self._rotate(stored)
                    if new is not None:
                        return new, True
                    conflicted = stored.refresh_token
            if not waits:
                raise AuthError(
                    "another program refreshed the Fitbit token at the same time (HTTP 409) and the new token "
                    f"never reached fitvault's token file. {REAUTH}"
                )
            self._sleep(waits.pop(0))  # outside the file lock, so the other client can store its pair

    def _rotate(self, stored: Token) -> Token | None:
        """Refresh and persist (call under the file lock); None on a 409."""
        try:
            new = self._call_refresh(refresh, stored)
        except RefreshConflict:
            self.conflicts += 1
            return None
        try:
            self._store.save(new)  # persisted before it is used: the old refresh token is dead
        except StoreError as exc:
            raise StoreError(
                f"{exc}. Fitbit has already replaced the refresh token, so the grant is lost: fix the problem, "
                f"then {REAUTH[0].lower() + REAUTH[1:]}"
            ) from None
        self._token = new
        return new


def token_scopes(store: TokenStore) -> set[str]:
    """The scopes of the stored Fitbit token; :class:`NotAuthenticated` when there is none."""
    return set(stored_token(store, "Fitbit").scopes)
