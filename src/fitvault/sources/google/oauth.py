"""Google OAuth for fitvault: consent with loopback + PKCE, token import, refresh and revoke.

The protocol work (PKCE verifier → S256 challenge, ``state``, the grant requests, parsing token
responses) is Authlib's; this module chooses Google's parameters, checks the redirect and turns
every failure into one of fitvault's errors with a message a person can act on. See docs/facts/google-health-api.md#oauth (flow, scopes, Testing-mode expiry) and docs/facts/google-health-api.md#errors.

HTTP: each function talks to Google through Authlib's httpx ``OAuth2Client``. Pass ``http`` (any
``httpx.Client``, e.g. one with a ``MockTransport`` or a proxy) and the requests go through it
instead; fitvault never closes a client it was given.
"""

from __future__ import annotations

import hmac
import socket
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence
from urllib.parse import parse_qs, urlsplit

import httpx
from authlib.common.security import generate_token

from fitvault.auth.loopback import HOST, LoopbackReceiver
from fitvault.auth.oauth_common import Provider, RevokeResult, httpx_session, oauth_client
from fitvault.auth.tokens import Token, scrub_secrets
from fitvault.config import GOOGLE_TOKEN_URL, GoogleEndpoints
from fitvault.errors import AuthError, AuthorizationDenied, ConfigError, ReauthRequired
from fitvault.sources.google.client_secrets import ClientSecrets

if TYPE_CHECKING:
    from authlib.integrations.httpx_client import OAuth2Client

SCOPE_PREFIX = "https://www.googleapis.com/auth/googlehealth."

# Read-only scopes the sync needs (docs/facts/google-health-api.md#endpoints-and-scopes). See docs/facts/google-health-api.md#scope-of-heart-rate-and-vo2-max: whether heart rate and
# VO2 max sit under activity_and_fitness or health_metrics_and_measurements is disputed (docs vs
# peers), so both are requested.
DEFAULT_SCOPES: tuple[str, ...] = (
    SCOPE_PREFIX + "activity_and_fitness.readonly",
    SCOPE_PREFIX + "health_metrics_and_measurements.readonly",
    SCOPE_PREFIX + "sleep.readonly",
    SCOPE_PREFIX + "profile.readonly",
    SCOPE_PREFIX + "settings.readonly",
    # The GPS routes of exercises (exportExerciseTcx needs activity + location, docs/facts/google-health-api.md#methods);
    # unticked on the consent screen, everything else still syncs.
    SCOPE_PREFIX + "location.readonly",
)

#: Scope groups for ``fitvault auth google --scopes +GROUP,-GROUP``: the defaults can be left
#: out (``-location``), the rest is asked only when the person opts in. Medical features (ECG,
#: irregular rhythm), cycle and mood logs are sensitive and need their own consent; nutrition
#: is opt-in because the discovery document does not list ``nutrition.readonly`` (docs/facts/google-health-api.md#endpoints-and-scopes;
#: peers read with it), so asking it by default could fail a consent that has no need
#: for it.
SCOPE_GROUPS: dict[str, tuple[str, ...]] = {
    "activity": (SCOPE_PREFIX + "activity_and_fitness.readonly",),
    "metrics": (SCOPE_PREFIX + "health_metrics_and_measurements.readonly",),
    "sleep": (SCOPE_PREFIX + "sleep.readonly",),
    "profile": (SCOPE_PREFIX + "profile.readonly",),
    "settings": (SCOPE_PREFIX + "settings.readonly",),
    "location": (SCOPE_PREFIX + "location.readonly",),
    "nutrition": (SCOPE_PREFIX + "nutrition.readonly",),            # hydration-log, nutrition-log
    "ecg": (SCOPE_PREFIX + "ecg.readonly",),                        # electrocardiogram
    "irn": (SCOPE_PREFIX + "irn.readonly",),                        # irregular-rhythm-notification
    "reproductive": (SCOPE_PREFIX + "reproductive_health.readonly",),  # menstrual-period, ovulation-test
    "symptoms": (SCOPE_PREFIX + "logged_symptoms.readonly",),       # symptoms, moods
    "mindfulness": (SCOPE_PREFIX + "mindfulness.readonly",),        # moods (which scope gates them is unsettled)
}


def scopes_for(spec: str | None) -> tuple[str, ...]:
    """The scopes to ask for: the defaults changed by ``spec``, a comma-separated list of
    ``+GROUP`` (add) and ``-GROUP`` (leave out) of :data:`SCOPE_GROUPS`, e.g. ``+ecg,+irn``.

    >>> [s.rsplit(".", 2)[-2] for s in scopes_for("+ecg,-location")][-2:]
    ['settings', 'ecg']
    """
    scopes = list(DEFAULT_SCOPES)
    for item in (spec or "").split(","):
        item = item.strip()
        if not item:
            continue
        sign, name = item[0], item[1:].strip().lower()
        if sign not in "+-" or name not in SCOPE_GROUPS:
            raise ConfigError(
                f"--scopes: {item!r} is not +GROUP or -GROUP; groups: {', '.join(SCOPE_GROUPS)} "
                "(e.g. --scopes +ecg,+irn,+reproductive)"
            )
        for scope in SCOPE_GROUPS[name]:
            if sign == "+" and scope not in scopes:
                scopes.append(scope)
            elif sign == "-" and scope in scopes:
                scopes.remove(scope)
    return tuple(scopes)


REVOKE_PAGE = "https://myaccount.google.com/permissions"
_VERIFIER_LENGTH = 48  # RFC 7636: 43..128 characters
_GOOGLE = Provider("Google")


# --- Authlib plumbing (shared with the Fitbit source: auth._oauth_common) -------------------------


def _oauth_client(
    owner: ClientSecrets | Token,
    *,
    http: httpx.Client | None,
    redirect_uri: str | None = None,
    scopes: Sequence[str] | None = None,
) -> OAuth2Client:
    return oauth_client(
        owner.client_id, owner.client_secret,
        # Google documents client_id/client_secret in the form body (docs/facts/google-health-api.md#desktop-flow-with-loopback-and-pkce step 3).
        auth_method="client_secret_post" if owner.client_secret else "none",
        http=http, redirect_uri=redirect_uri, scopes=scopes,
    )


# --- consent -----------------------------------------------------------------------------------


def authorize(
    secrets: ClientSecrets,
    endpoints: GoogleEndpoints,
    *,
    scopes: Sequence[str] = DEFAULT_SCOPES,
    port: int = 0,
    open_browser: Callable[[str], object] | None = None,
    prompt_for_redirect: Callable[[str], str] | None = None,
    timeout_s: float = 300.0,
    http: httpx.Client | None = None,
    now: Callable[[], float] = time.time,
) -> Token:
    """Run Google's consent flow (authorization code + PKCE S256) and return the new token.

    Browser mode (``open_browser`` given): listen on ``http://127.0.0.1:<port>/``, call
    ``open_browser(url)`` with the consent URL and wait up to ``timeout_s`` for the redirect.
    No-browser mode (``prompt_for_redirect`` given, it wins if both are): nothing listens; the
    browser (possibly on another machine) fails to load ``http://127.0.0.1:<port>/?code=...``
    and ``prompt_for_redirect(url)`` returns what the person copied from its address bar (the
    full URL or just the query string).

    Args:
        secrets: the person's OAuth client (Desktop app).
        endpoints: ``auth_url`` and ``token_url`` are used (a simulator may be on http://127.0.0.1).
        scopes: scopes to ask for; the token records what was actually granted.
        port: loopback port for the redirect; 0 = any free port.
        open_browser: shows the consent URL to the person (e.g. ``webbrowser.open``).
        prompt_for_redirect: asks the person for the redirected address.
        timeout_s: how long browser mode waits for the redirect.
        http: optional ``httpx.Client`` for the token request.
        now: clock (epoch seconds) for the token's expiry.

    Raises:
        AuthorizationDenied: consent refused, state mismatch (possible CSRF), no code, timeout.
        AuthError: the code exchange failed, or Google granted no refresh token.
        TransportError / ServerError: the token endpoint could not be reached / failed.
        ConfigError: neither callback given, or the port cannot be bound.
    """
    verifier = new_code_verifier()
    if prompt_for_redirect is not None:
        redirect_uri = f"http://{HOST}:{port or _free_loopback_port()}/"
        with httpx_session(http) as session, _oauth_client(
            secrets, http=session, redirect_uri=redirect_uri, scopes=scopes,
        ) as client:
            url, state = _consent_url(client, endpoints, verifier)
            code = _code_from_redirect(prompt_for_redirect(url), state)
            return _exchange(client, secrets, endpoints, code, verifier, redirect_uri, scopes, now)
    if open_browser is None:
        raise ConfigError("authorize() needs open_browser or prompt_for_redirect")
    with LoopbackReceiver(port) as receiver:
        redirect_uri = receiver.redirect_uri
        with httpx_session(http) as session, _oauth_client(
            secrets, http=session, redirect_uri=redirect_uri, scopes=scopes,
        ) as client:
            url, state = _consent_url(client, endpoints, verifier)
            open_browser(url)
            code = _code_from_redirect(receiver.wait(timeout_s), state)
            return _exchange(client, secrets, endpoints, code, verifier, redirect_uri, scopes, now)


def _consent_url(
    client: OAuth2Client, endpoints: GoogleEndpoints, verifier: str, state: str | None = None
) -> tuple[str, str]:
    # Authlib adds code_challenge=BASE64URL(SHA256(verifier)), code_challenge_method=S256 and a
    # random state (unless one is given). access_type=offline yields a refresh token;
    # prompt=consent makes Google issue a new one even on a repeat consent (docs/facts/google-health-api.md#desktop-flow-with-loopback-and-pkce).
    url, state = client.create_authorization_url(
        endpoints.auth_url, state=state, code_verifier=verifier, access_type="offline", prompt="consent"
    )
    return str(url), str(state)


# --- the same flow for a web server (study enrolment): the redirect comes to the server ------------


def new_code_verifier() -> str:
    """A fresh PKCE code verifier (RFC 7636; S256 is derived from it by the consent URL)."""
    return generate_token(_VERIFIER_LENGTH)


def web_consent_url(
    secrets: ClientSecrets,
    endpoints: GoogleEndpoints,
    *,
    redirect_uri: str,
    scopes: Sequence[str],
    verifier: str,
    state: str,
) -> str:
    """The consent URL for a *web* client whose server receives the redirect itself: the same
    authorization code + PKCE S256 + offline access + fresh consent as :func:`authorize`, with the
    caller's ``state`` (the server keeps it, and the verifier, until the redirect comes back)."""
    with _oauth_client(secrets, http=None, redirect_uri=redirect_uri, scopes=scopes) as client:
        return _consent_url(client, endpoints, verifier, state)[0]


def exchange_code(
    secrets: ClientSecrets,
    endpoints: GoogleEndpoints,
    code: str,
    *,
    verifier: str,
    redirect_uri: str,
    scopes: Sequence[str],
    http: httpx.Client | None = None,
    now: Callable[[], float] = time.time,
) -> Token:
    """The token for an authorization code that came back to ``redirect_uri`` (a web client's
    callback; the state was checked by the caller). ``Token.scopes`` are the scopes Google
    granted (a person may untick some on the consent screen).

    Raises:
        AuthError: the exchange was refused (used or expired code, wrong verifier, client), or
            Google granted no refresh token.
        TransportError / ServerError: the token endpoint could not be reached / failed.
    """
    with httpx_session(http) as session, _oauth_client(
        secrets, http=session, redirect_uri=redirect_uri, scopes=scopes,
    ) as client:
        return _exchange(client, secrets, endpoints, code, verifier, redirect_uri, scopes, now)


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _code_from_redirect(redirected: str, state: str) -> str:
    """The authorization code from the redirected URL (or its bare query string)."""
    text = (redirected or "").strip()
    if text.lower().startswith(("http://", "https://")):
        query = urlsplit(text).query
    else:
        query = text.split("#", 1)[0]
        query = query.split("?", 1)[1] if "?" in query else query
    params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if not params:
        raise AuthorizationDenied(
            "that is not the address Google redirected to "
            "(expected http://127.0.0.1:<port>/?state=...&code=...); nothing was stored"
        )
    error = params.get("error")
    if error == "access_denied":
        raise AuthorizationDenied(
            "consent was refused on Google's consent screen (error=access_denied); nothing was stored. "
            "If you did not refuse: while the OAuth app is in Testing, your Google account must be listed "
            "as a test user (Google Auth Platform → Audience → Test users)"
        )
    if error:
        raise AuthorizationDenied(f"Google did not authorise fitvault (error={error}); nothing was stored")
    returned = params.get("state")
    if not returned:
        raise AuthorizationDenied(
            "the redirect carried no state, so it cannot be matched to this login (possible cross-site "
            "request forgery); nothing was stored. Run `fitvault auth google` again"
        )
    if not hmac.compare_digest(returned.encode(), state.encode()):
        raise AuthorizationDenied(
            "the redirect's state does not match this login (possible cross-site request forgery, or an "
            "address from an earlier attempt); nothing was stored. Run `fitvault auth google` again"
        )
    code = params.get("code")
    if not code:
        raise AuthorizationDenied("the redirect carried no authorization code; nothing was stored")
    return code


def _exchange(
    client: OAuth2Client,
    secrets: ClientSecrets,
    endpoints: GoogleEndpoints,
    code: str,
    verifier: str,
    redirect_uri: str,
    scopes: Sequence[str],
    now: Callable[[], float],
) -> Token:
    return _GOOGLE.exchange(
        client, token_url=endpoints.token_url, code=code, verifier=verifier, redirect_uri=redirect_uri,
        scopes=scopes, now=now, client_id=secrets.client_id, client_secret=secrets.client_secret,
        secrets=[secrets.client_secret],
        no_refresh_token=(
            "Google granted no refresh token, so offline access was not granted and fitvault could not "
            "sync after an hour. Run `fitvault auth google` again; if this repeats, remove fitvault's "
            f"access at {REVOKE_PAGE} first, then consent again"
        ),
    )


# --- import ------------------------------------------------------------------------------------


def token_from_import(
    data: Mapping[str, Any],
    *,
    client_id: str | None = None,
    client_secret: str | None = None,
    token_uri: str | None = None,
    now: Callable[[], float] = time.time,
) -> Token:
    """A token from credentials obtained elsewhere.

    Accepts google-auth's *authorized user* JSON (``token``, ``refresh_token``, ``token_uri``,
    ``client_id``, ``client_secret``, ``scopes`` list, ``expiry`` ISO 8601 with naive = UTC) or a
    raw token-endpoint response (``access_token``, ``refresh_token``, ``expires_in``, ``scope``)
    received just now, with the client id and secret given as arguments.

    Args:
        data: the parsed JSON.
        client_id, client_secret: the OAuth client, when ``data`` does not name it.
        token_uri: the token endpoint it came from (default: Google's).
        now: clock (epoch seconds); ``expires_in`` counts from it.

    Raises:
        ConfigError: unrecognised shape, no refresh token, unknown client, or a client that
            contradicts the one given.
    """
    if not isinstance(data, Mapping):
        raise ConfigError("the imported token is not a JSON object")
    if not isinstance(data.get("refresh_token"), str) or not data["refresh_token"]:
        raise ConfigError(
            "the imported token has no refresh_token, so fitvault could not renew it; "
            "run `fitvault auth google` instead"
        )
    cid = _pick("client_id", data.get("client_id"), client_id)
    csecret = _pick("client_secret", data.get("client_secret"), client_secret)
    if not cid or not csecret:
        raise ConfigError(
            "the imported token does not name its OAuth client; give the client id and secret "
            "(the client secrets JSON of the app that obtained it)"
        )
    uri = str(data.get("token_uri") or token_uri or GOOGLE_TOKEN_URL)
    received = now()
    if "access_token" in data:
        try:
            return Token.from_token_response(
                data, client_id=cid, client_secret=csecret, token_uri=uri, now=received
            )
        except AuthError as exc:
            raise ConfigError(f"cannot import the token: {exc}") from None
    if "token" in data or "expiry" in data or data.get("type") == "authorized_user":
        access = data.get("token") or ""
        if not isinstance(access, str):
            raise ConfigError("the imported token's 'token' field is not a string")
        scopes = data.get("scopes") or ()
        if isinstance(scopes, str):
            scopes = scopes.split()
        if not isinstance(scopes, (list, tuple)) or not all(isinstance(s, str) for s in scopes):
            raise ConfigError("the imported token's 'scopes' field is not a list of strings")
        return Token(
            access_token=access,
            refresh_token=data["refresh_token"],
            expires_at=_parse_expiry(data.get("expiry")) if access else None,
            scopes=tuple(scopes),
            client_id=cid,
            client_secret=csecret,
            token_uri=uri,
            obtained_at=received,
        )
    raise ConfigError(
        "unrecognised token format: expected google-auth authorized-user JSON "
        "(token, refresh_token, client_id, ...) or a token endpoint response "
        "(access_token, refresh_token, ...)"
    )


def _pick(name: str, from_data: Any, given: str | None) -> str | None:
    if from_data is not None and not isinstance(from_data, str):
        raise ConfigError(f"the imported token's {name!r} field is not a string")
    if from_data and given and from_data != given:
        shown = f" ({from_data} vs {given})" if name == "client_id" else ""
        raise ConfigError(f"the imported token belongs to a different OAuth client than the one given{shown}")
    return from_data or given


def _parse_expiry(value: Any) -> float | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ConfigError("the imported token's 'expiry' field is not an ISO 8601 string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError("the imported token's 'expiry' field is not an ISO 8601 timestamp") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)  # google-auth writes naive UTC
    return moment.timestamp()


# --- refresh and revoke ------------------------------------------------------------------------


def refresh(
    token: Token,
    endpoints: GoogleEndpoints,
    *,
    http: httpx.Client | None = None,
    now: Callable[[], float] = time.time,
) -> Token:
    """A new access token from the refresh grant at ``endpoints.token_url``.

    The configured endpoint wins over ``token.token_uri`` (that is how a simulator or a proxy is
    set up). The refresh token is kept unless Google sends a new one.

    Raises:
        ReauthRequired: Google answered ``invalid_grant`` (refresh token expired or revoked), or
            the token cannot be refreshed at all.
        TransportError / ServerError: the endpoint could not be reached / failed (retry later).
        AuthError: any other refusal (e.g. ``invalid_client``), with Google's error code.
    """
    if not token.refresh_token:
        raise ReauthRequired(
            "no refresh token is stored, so the access token cannot be renewed. "
            "Run `fitvault auth google` again"
        )
    if not token.client_id:
        raise ReauthRequired(
            "the stored token does not name its OAuth client. Run `fitvault auth google` again"
        )
    requested_at = now()
    with httpx_session(http) as session, _oauth_client(token, http=session) as client:
        resp = _GOOGLE.request_refresh(
            client, endpoints.token_url, token.refresh_token,
            secrets=[token.access_token, token.refresh_token, token.client_secret],
            invalid_grant=_invalid_grant_message(token, requested_at),
            rejected_client=(
                "Google rejected fitvault's OAuth client while refreshing the access token "
                "({error}): the client was deleted or its secret changed. "
                "Run `fitvault auth google` with the current client secrets JSON"
            ),
        )
    try:
        return token.merged_with_refresh(resp, requested_at)
    except AuthError as exc:
        raise AuthError(f"{exc} (while refreshing the access token)") from None


def _invalid_grant_message(token: Token, now: float) -> str:
    message = (
        "Google no longer accepts the stored refresh token (expired or revoked). "
        "Run `fitvault auth google` again. Your vault's data and sync state are untouched."
    )
    if token.testing_mode:
        when = ""
        if token.refresh_token_expires_at is not None and token.refresh_token_expires_at <= now + 60:
            stamp = datetime.fromtimestamp(token.refresh_token_expires_at, timezone.utc)
            when = f" (this one expired {stamp:%Y-%m-%d %H:%M} UTC)"
        message += (
            f"\nWhy{when}: your OAuth app is in Testing publishing status, and Google expires a test "
            "user's authorisation 7 days after consent. To stop this, open Google Cloud Console → "
            'Google Auth Platform → Audience and press "Publish app" (status "In production"; no '
            "verification is needed for personal use, up to 100 users), then run `fitvault auth google` "
            "again: tokens granted before publishing still expire."
        )
    return message


def _unsigned(request):
    """The request as it is (no client authentication)."""
    return request


def revoke(token: Token, endpoints: GoogleEndpoints, *, http: httpx.Client | None = None) -> RevokeResult:
    """Ask Google to revoke the grant (the refresh token if there is one, else the access token).

    Never raises for a failed revocation: the result says what happened, and the caller deletes
    the local token either way.
    """
    value = token.refresh_token or token.access_token
    if not value:
        return RevokeResult(False, "no token to revoke")
    try:
        with httpx_session(http) as session, _oauth_client(token, http=session) as client:
            # Google's revocation endpoint takes only the form field ``token`` (no client
            # authentication), so a no-op auth replaces Authlib's client auth. The request goes
            # through httpx (httpx_session), so only httpx's errors can arise here.
            resp = client.revoke_token(endpoints.revoke_url, token=value, auth=_unsigned)
    except httpx.HTTPError as exc:
        return RevokeResult(
            False,
            f"could not reach Google's revocation endpoint ({type(exc).__name__}); "
            f"you can remove fitvault's access at {REVOKE_PAGE}",
        )
    if resp.status_code == 200:
        return RevokeResult(True, "Google revoked fitvault's access")
    error = ""
    try:
        body = resp.json()
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            error = scrub_secrets(f", {body['error']}", token.refresh_token, token.access_token)
    except ValueError:
        pass
    return RevokeResult(
        False,
        f"Google did not revoke the token (HTTP {resp.status_code}{error}); it may already be expired or "
        f"revoked. You can check at {REVOKE_PAGE}",
    )
