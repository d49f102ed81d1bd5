"""The token-endpoint work Google's OAuth (:mod:`.google`) and the legacy Fitbit one
(:mod:`.fitbit`) share: an Authlib client that sends through the caller's ``httpx.Client``, the
code exchange, the refresh request, and every failure turned into one of fitvault's errors.
Each provider's module picks its parameters and words its own messages; :class:`Provider` names
the provider in the shared ones and scrubs what it must from them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.oauth2.auth import ClientAuth

from fitvault.auth.tokens import Token, scrub_secrets
from fitvault.errors import AuthError, FitvaultError, ReauthRequired, ServerError, TransportError

if TYPE_CHECKING:
    from authlib.integrations.httpx_client import OAuth2Client

TIMEOUT_S = 30.0
TOKEN_ENDPOINT_FAILURES = (httpx.HTTPError, AuthlibBaseError, ValueError)


class HttpxClientAuth(httpx.Auth, ClientAuth):
    """Authlib's client authentication (``client_secret_basic`` / ``_post`` / ``none``) as an
    ``httpx.Auth`` for the caller's ``httpx.Client``.

    Authlib ≥ 1.8 builds its own auth classes on the ``httpx2`` package whenever that package is
    installed (``authlib/integrations/httpx_client/_compat.py``; the MCP SDK 2 pulls it in), and
    ``httpx.Client`` refuses those ("Invalid auth argument"). The signing itself is Authlib's
    (``ClientAuth.prepare``); only the request type is ours.
    """

    requires_request_body = True

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        url, headers, body = self.prepare(request.method, str(request.url), request.headers, request.content)
        headers["Content-Length"] = str(len(body))
        yield httpx.Request(request.method, url, headers=headers, content=body, extensions=request.extensions)


@contextmanager
def httpx_session(http: httpx.Client | None) -> Iterator[httpx.Client]:
    """The caller's ``httpx.Client``, or a fresh one closed after use.

    Given to :func:`oauth_client`, it makes Authlib send through httpx even when the ``httpx2``
    package is installed: without it Authlib's own client is an ``httpx2.Client``, whose errors
    (``httpx2.ConnectError`` ...) are not ``httpx.HTTPError`` and escaped the handlers of refresh
    and revoke.
    """
    if http is not None:
        yield http
        return
    with httpx.Client(timeout=TIMEOUT_S) as own:
        yield own


@dataclass(frozen=True)
class RevokeResult:
    """What a provider's ``revoke`` achieved. ``message`` is safe to show (it holds no token)."""

    revoked: bool
    message: str


def oauth_client(
    client_id: str | None,
    client_secret: str | None,
    *,
    auth_method: str,
    http: httpx.Client | None,
    redirect_uri: str | None = None,
    scopes: Sequence[str] | None = None,
    **options: Any,
) -> OAuth2Client:
    """Authlib's httpx ``OAuth2Client`` with PKCE S256; ``http``, when given, sends its requests."""
    # Authlib 1.9 prefers the httpx2 package and warns (AuthlibDeprecationWarning, shown always)
    # when it falls back to httpx, which is what fitvault depends on. Import lazily and silence
    # that one warning so the CLI does not print it on every run. (authlib.deprecate installs an
    # "always" filter when first imported, so it must be imported before ours is added.)
    from authlib.deprecate import AuthlibDeprecationWarning

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*httpx2", category=AuthlibDeprecationWarning)
        from authlib.integrations.httpx_client import OAuth2Client

    client = OAuth2Client(
        client_id=client_id,
        client_secret=client_secret,
        token_endpoint_auth_method=auth_method,
        scope=list(scopes) if scopes else None,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=TIMEOUT_S,
        **options,
    )
    if http is not None:
        # Authlib sends every grant request through its ``session`` (the client itself by
        # default); point it at the caller's client so its transport, proxy and timeouts apply,
        # with client authentication of the caller's httpx.
        client.session = http
        client.client_auth_class = HttpxClientAuth
    return client


@dataclass(frozen=True)
class Provider:
    """An OAuth provider as the shared messages name it (``Google``, ``Fitbit``), and the
    function that removes secrets from text shown to a person."""

    name: str
    scrub: Callable[..., str] = scrub_secrets

    def failure(self, exc: Exception, *, action: str, secrets: Sequence[str | None]) -> FitvaultError:
        """Translate an Authlib / httpx failure at the token endpoint into a fitvault error."""
        if isinstance(exc, httpx.TransportError):
            return TransportError(f"cannot reach {self.name}'s token endpoint while {action}: {type(exc).__name__}")
        if isinstance(exc, httpx.HTTPStatusError):
            status = exc.response.status_code
            message = f"{self.name}'s token endpoint answered HTTP {status} while {action}"
            if status >= 500:
                return ServerError(message + "; try again later", http_status=status)
            return AuthError(message)
        if isinstance(exc, AuthlibBaseError):
            description = f" ({exc.description})" if exc.description else ""
            return AuthError(self.scrub(f"{self.name} refused {action}: {exc.error}{description}", *secrets))
        return AuthError(f"{self.name}'s token endpoint gave an unusable answer while {action}")

    def exchange(
        self,
        client: OAuth2Client,
        *,
        token_url: str,
        code: str,
        verifier: str,
        redirect_uri: str,
        scopes: Sequence[str],
        now: Callable[[], float],
        client_id: str,
        client_secret: str | None,
        secrets: Sequence[str | None],
        no_refresh_token: str,
    ) -> Token:
        """Exchange the authorization code for a token; ``no_refresh_token`` is the message when
        the answer carries no refresh token."""
        requested_at = now()
        try:
            resp = client.fetch_token(
                token_url, grant_type="authorization_code", code=code, code_verifier=verifier,
                redirect_uri=redirect_uri,
            )
        except TOKEN_ENDPOINT_FAILURES as exc:
            raise self.failure(exc, action="exchanging the authorization code", secrets=secrets) from exc
        if not resp.get("refresh_token"):
            raise AuthError(no_refresh_token)
        token = Token.from_token_response(
            dict(resp), client_id=client_id, client_secret=client_secret, token_uri=token_url, now=requested_at,
        )
        return token if token.scopes else replace(token, scopes=tuple(scopes))

    def request_refresh(
        self,
        client: OAuth2Client,
        token_url: str,
        refresh_token: str,
        *,
        secrets: Sequence[str | None],
        invalid_grant: str,
        rejected_client: str,
    ) -> dict[str, Any]:
        """The refresh grant's answer. ``invalid_grant`` is the :class:`ReauthRequired` message
        for a dead refresh token; ``rejected_client`` (with ``{error}``) the :class:`AuthError`
        one for ``invalid_client`` / ``unauthorized_client``."""
        try:
            return dict(client.refresh_token(token_url, refresh_token=refresh_token))
        except AuthlibBaseError as exc:
            if getattr(exc, "error", None) == "invalid_grant":
                raise ReauthRequired(invalid_grant) from exc
            if getattr(exc, "error", None) in ("invalid_client", "unauthorized_client"):
                raise AuthError(rejected_client.format(error=exc.error)) from exc
            raise self.failure(exc, action="refreshing the access token", secrets=secrets) from exc
        except TOKEN_ENDPOINT_FAILURES as exc:
            raise self.failure(exc, action="refreshing the access token", secrets=secrets) from exc
