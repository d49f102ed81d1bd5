"""Google's OAuth endpoints for an installed (Desktop) client with loopback + PKCE (docs/facts/google-health-api.md#desktop-flow-with-loopback-and-pkce),
and for a "web" client (a study's enrolment server) with registered redirect URIs.

``GET /o/oauth2/v2/auth`` validates the request and "consents" at once (302 to the loopback
redirect, or the web client's registered redirect, with ``code``, ``scope`` and ``state``). With
several persons it signs in the one named by ``login_hint``, or shows an account chooser (one link
per person) when there is no hint; ``POST /token`` exchanges codes (single use,
10 minutes, S256 verifier, same redirect_uri, client secret in the body or HTTP Basic) and
refresh tokens; ``POST /revoke`` revokes a token.
"""

from __future__ import annotations

import html
import json
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode, urlsplit

from . import _oauth
from . import catalog as c
from ._oauth import is_loopback
from .errors import Response, html_page
from .tokens import OAuthError

if TYPE_CHECKING:
    from .core import Simulator
    from .server import Request

CODE_TTL_MS = 10 * 60 * 1000
_NO_STORE = {"Cache-Control": "no-cache, no-store, max-age=0, must-revalidate", "Pragma": "no-cache"}


@dataclass
class AuthCode:
    """An issued authorization code."""

    client_id: str
    redirect_uri: str
    challenge: str
    scopes: tuple[str, ...]
    offline: bool
    issued_ms: int
    used: bool = False
    user: int = 0


class CodeStore(_oauth.CodeStore[AuthCode]):
    """Authorization codes awaiting exchange."""

    @staticmethod
    def new_value() -> str:
        return "4/0Asim-" + secrets.token_urlsafe(48)


def _json(status: int, payload: dict) -> Response:
    return Response(status, json.dumps(payload, indent=2).encode(), "application/json; charset=utf-8",
                    dict(_NO_STORE))


def _error_page(error: str, detail: str) -> Response:
    return html_page(400, "Bad Request", f"Access blocked: Authorization Error. <b>Error 400: "
                                         f"{html.escape(error)}</b> {html.escape(detail)}")


def _redirect_refused(sim: Simulator, client_id: str, redirect: str) -> Response | None:
    """The error page when ``redirect`` is not allowed for the client: loopback for the Desktop
    client, exactly a registered URI for the web client."""
    if client_id == sim.config.web_client_id:
        if redirect in sim.web_redirect_uris:
            return None
        return _error_page("redirect_uri_mismatch", "You can't sign in to this app because it doesn't comply "
                                                    "with Google's OAuth 2.0 policy. If you're the app developer, "
                                                    "register the redirect URI in the Google Cloud Console. "
                                                    "redirect_uri=" + redirect)
    if is_loopback(redirect):
        return None
    return _error_page("redirect_uri_mismatch", "You can't sign in to this app because it doesn't comply "
                                                "with Google's OAuth 2.0 policy. redirect_uri=" + redirect)


def account_chooser(sim: Simulator, req: Request) -> Response:
    """Google's "Choose an account" page: one link per person, each the same request with its
    ``login_hint``."""
    items = []
    for i in range(len(sim.persons)):
        query = urlencode({**req.query, "login_hint": sim.email(i)}, quote_via=quote)
        items.append(f'<li><a class="account" data-email="{sim.email(i)}" href="{sim.auth_path}?{html.escape(query)}">'
                     f"{sim.email(i)}</a></li>")
    body = ("<!DOCTYPE html>\n<html lang=en><meta charset=utf-8><title>Sign in - Google Accounts</title>"
            "<h1>Choose an account</h1><p>to continue to the app</p><ul>" + "".join(items) + "</ul></html>\n")
    return Response(200, body.encode(), "text/html; charset=utf-8", dict(_NO_STORE))


def _user(sim: Simulator, q: dict[str, str]) -> int | Response | None:
    """The person signing in: by ``login_hint``; None (the chooser) when there are several and no hint."""
    hint = q.get("login_hint")
    if hint:
        user = sim.person_of_email(hint)
        if user is None:
            return html_page(400, "Bad Request", "Couldn't find your Google Account: " + html.escape(hint))
        return user
    return 0 if len(sim.persons) == 1 else None


def authorize(sim: Simulator, req: Request) -> Response:
    """``GET /o/oauth2/v2/auth``."""
    q, cfg = req.query, sim.config
    client_id = q.get("client_id", "")
    if client_id not in (cfg.client_id, cfg.web_client_id):
        return html_page(400, "Bad Request", "Access blocked: Authorization Error. <b>Error 401: invalid_client</b>"
                                             " The OAuth client was not found.")
    redirect = q.get("redirect_uri", "")
    refused = _redirect_refused(sim, client_id, redirect)
    if refused is not None:
        return refused
    if q.get("response_type") != "code":
        return _error_page("unsupported_response_type", f"response_type={q.get('response_type', '')}")
    scopes = tuple(q.get("scope", "").split())
    if not scopes:
        return _error_page("invalid_request", "Missing required parameter: scope")
    unknown = [s for s in scopes if s not in c.HEALTH_SCOPES and s not in c.OTHER_SCOPES]
    if unknown:
        return _error_page("invalid_scope", "Some requested scopes were invalid. {invalid=[%s]}" % ", ".join(unknown))
    challenge = q.get("code_challenge", "")
    # PKCE: required of installed apps; a web client may use it (then it is enforced at exchange).
    if (client_id == cfg.client_id or "code_challenge" in q) and (
            q.get("code_challenge_method") != "S256" or not 43 <= len(challenge) <= 128):
        return _error_page("invalid_request", "code_challenge_method must be S256 with a code_challenge "
                                              "(PKCE is required for installed apps).")
    user = _user(sim, q)
    if user is None:
        return account_chooser(sim, req)
    if isinstance(user, Response):
        return user
    state = q.get("state")
    if cfg.deny_consent:
        params = {"error": "access_denied"}
    else:
        granted = tuple(s for s in scopes if cfg.granted_scopes is None or s in cfg.granted_scopes)
        code = sim.codes.issue(AuthCode(client_id, redirect, challenge, granted,
                                        q.get("access_type") == "offline", sim.clock.now_ms(), user=user))
        params = {"code": code, "scope": " ".join(granted), "authuser": "0", "prompt": "consent"}
    if state is not None:
        params = {"state": state, **params}
    sep = "&" if urlsplit(redirect).query else "?"
    location = redirect + sep + urlencode(params, quote_via=quote)
    return Response(302, b"", "text/html; charset=UTF-8", {"Location": location})


def _client(sim: Simulator, req: Request, form: dict[str, str]) -> str:
    """Authenticate the client (body or HTTP Basic, as authlib may do either)."""
    cid, secret = form.get("client_id"), form.get("client_secret")
    try:
        basic = _oauth.basic_credentials(req.headers.get("authorization", ""))
    except ValueError:
        raise OAuthError(401, "invalid_client", "Unauthorized") from None
    if basic is not None:
        cid, secret = basic
    known = {sim.config.client_id: sim.config.client_secret, sim.config.web_client_id: sim.config.web_client_secret}
    if cid not in known:
        raise OAuthError(401, "invalid_client", "The OAuth client was not found.")
    if secret != known[cid]:
        raise OAuthError(401, "invalid_client", "Unauthorized")
    return cid


def token(sim: Simulator, req: Request) -> Response:
    """``POST /token``."""
    form = _oauth.form(req)
    cfg = sim.config
    try:
        grant_type = form.get("grant_type", "")
        if grant_type not in ("authorization_code", "refresh_token"):
            raise OAuthError(400, "unsupported_grant_type", f"Invalid grant_type: {grant_type}")
        client_id = _client(sim, req, form)
        if grant_type == "refresh_token":
            return _json(200, sim.tokens.refresh(form.get("refresh_token", ""), client_id, form.get("scope"),
                                                 ttl_s=cfg.access_token_ttl_s))
        code = sim.codes.redeem(form.get("code", ""))
        if code == "unknown":
            raise OAuthError(400, "invalid_grant", "Malformed auth code.")
        if isinstance(code, str) or sim.clock.now_ms() - code.issued_ms > CODE_TTL_MS:
            raise OAuthError(400, "invalid_grant", "Bad Request")
        if form.get("redirect_uri") != code.redirect_uri or client_id != code.client_id:
            raise OAuthError(400, "invalid_grant", "Bad Request")
        verifier = form.get("code_verifier")
        if code.challenge or verifier:
            if not verifier:
                raise OAuthError(400, "invalid_grant", "Missing code verifier.")
            if _oauth.s256(verifier) != code.challenge:
                raise OAuthError(400, "invalid_grant", "Invalid code verifier.")
        return _json(200, sim.tokens.grant(code.scopes, client_id, ttl_s=cfg.access_token_ttl_s,
                                           testing=cfg.testing_mode, offline=code.offline, user=code.user))
    except OAuthError as err:
        return _json(err.status, err.body())


def revoke(sim: Simulator, req: Request) -> Response:
    """``POST /revoke`` with form (or query) ``token=``."""
    form = _oauth.form(req, keep_blank_values=False)
    value = form.get("token") or req.query.get("token", "")
    if not sim.tokens.revoke(value):
        return _json(400, {"error": "invalid_token", "error_description": "Token expired or revoked"})
    return _json(200, {})
