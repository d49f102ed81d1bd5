"""The HTTP layer: a threaded ``http.server`` on 127.0.0.1 routing to the OAuth and API modules."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .._http import LoopbackServer, Request, SimHandler
from ..errors import Response
from ..log import RequestRecord
from . import api, oauth
from .oauth import VISIT, FitbitError

if TYPE_CHECKING:
    from .core import FitbitSimulator

_REALM = {"WWW-Authenticate": 'Bearer realm="api.fitbit.com"'}


class _Handler(SimHandler):
    server_version = "nginx"
    server: FitbitServer

    def route(self, sim: FitbitSimulator, req: Request) -> None:
        method = req.method
        if sim.config.retired:
            resp = oauth.retired_response()
            if req.path.startswith(("/1/", "/1.2/")):
                sim.requests.append(RequestRecord(method, req.path, dict(req.query), 410, None, "retired"))
        elif req.path == "/oauth2/authorize" and method == "GET":
            resp = oauth.authorize(sim, req)
        elif req.path == "/oauth2/token" and method == "POST":
            resp = oauth.token(sim, req)
        elif req.path == "/oauth2/revoke" and method == "POST":
            resp = oauth.revoke(sim, req)
        elif req.path.startswith(("/1/", "/1.2/")) and method == "GET":
            resp = self._api(sim, req)
        else:
            resp = api.not_found()
        self._send(resp)

    def _api(self, sim: FitbitSimulator, req: Request) -> Response:
        cfg = sim.config
        found = api.match(req.path)
        name = found[0].name if found else "not_found"

        def done(resp: Response) -> Response:
            sim.requests.append(RequestRecord(req.method, req.path, dict(req.query), resp.status, name, name))
            if cfg.latency_s > 0:
                time.sleep(cfg.latency_s)
            return resp

        if found is None:
            return done(api.not_found())
        route, args = found
        auth = req.headers.get("authorization", "")
        if auth[:7].lower() != "bearer ":
            return done(FitbitError(401, "invalid_token", "Access token missing. " + VISIT, headers=_REALM).response())
        value = auth[7:].strip()
        tok = sim.tokens.authenticate(value)
        if tok == "expired":
            return done(FitbitError(401, "expired_token", f"Access token expired: {value}. {VISIT}",
                                    headers=_REALM).response())
        if isinstance(tok, str):
            return done(FitbitError(401, "invalid_token", f"Access token invalid: {value}. {VISIT}",
                                    headers=_REALM).response())
        if route.scope not in tok.grant.scopes:
            return done(FitbitError(403, "insufficient_scope", f"This application does not have permission to "
                                                               f"access {route.scope} data. {VISIT}").response())
        answer = sim.quota.take(tok.grant.user_id, cfg.quota_limit, cfg.quota_window_s, cfg.quota_clock())
        headers = answer.headers()
        if not answer.allowed:
            if cfg.retry_after_on_429:
                headers["Retry-After"] = str(answer.reset_s)
            return done(FitbitError(429, "system", "Too Many Requests", "n/a", headers=headers).response())
        for observe in list(sim.observers):
            observe(value)
        try:
            resp = api.handle(sim, req, route, args)
        except FitbitError as err:
            resp = err.response()
        resp.headers.update(headers)
        return done(resp)


class FitbitServer(LoopbackServer):
    handler = _Handler
    sim: FitbitSimulator
