"""The HTTP layer: a threaded ``http.server`` on 127.0.0.1 routing to the OAuth and API modules."""

from __future__ import annotations

import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urlsplit

from ..errors import Response
from ..log import RequestRecord
from . import api, oauth
from .oauth import VISIT, FitbitError

if TYPE_CHECKING:
    from .core import FitbitSimulator

_REALM = {"WWW-Authenticate": 'Bearer realm="api.fitbit.com"'}


@dataclass(frozen=True)
class Request:
    """One parsed HTTP request (path unquoted, query as first values, headers lower-cased)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""


class FitbitServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sim: FitbitSimulator) -> None:
        self.sim = sim
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "nginx"
    sys_version = ""
    server: FitbitServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence stderr
        pass

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        sim = self.server.sim
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        req = Request(method, unquote(split.path), dict(parse_qsl(split.query, keep_blank_values=True)),
                      {k.lower(): v for k, v in self.headers.items()}, body)
        try:
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
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

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

    def _send(self, resp: Response) -> None:
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(resp.body)
