"""The HTTP layer: a threaded ``http.server`` on 127.0.0.1 that routes to the API and OAuth
modules and applies latency and injected faults to ``/v4`` responses."""

from __future__ import annotations

import io
import socket
import struct
import time
from typing import TYPE_CHECKING

from . import api, oauth
from ._http import LoopbackServer, Request, SimHandler
from .config import SimulatorConfig
from .errors import ApiError, Response, html_page, not_found_html
from .faults import Fault
from .log import RequestRecord

if TYPE_CHECKING:
    from .core import Simulator


_FAULT_STATUS = {"429": (429, None), "500": (500, "Internal error encountered."),
                 "503": (503, "The service is currently unavailable."),
                 "504": (504, "The request timed out. Please try again.")}


def _fault_response(fault: Fault, cfg: SimulatorConfig) -> Response:
    if fault.kind == "502":  # the front end's own HTML page, not JSON
        return html_page(502, "Server Error", "The server encountered a temporary error and could not "
                                              "complete your request.<p>Please try again in 30 seconds.")
    if fault.kind == "429":
        retry = fault.retry_after if fault.retry_after is not None else (1 if cfg.retry_after_on_429 else None)
        return api.rate_limited(cfg.quota_per_window, {"Retry-After": str(retry)} if retry is not None else {}
                                ).response()
    if fault.kind == "precondition":  # 400 FAILED_PRECONDITION without a reason (see faults.Fault)
        return ApiError(400, "Precondition check failed.", status="FAILED_PRECONDITION").response()
    status, message = _FAULT_STATUS[fault.kind]
    return ApiError(status, message or "").response()


class _Handler(SimHandler):
    server_version = "ESF"
    server: SimServer

    def do_PATCH(self) -> None:  # noqa: N802
        self._dispatch("PATCH")

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch("PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch("DELETE")

    def route(self, sim: Simulator, req: Request) -> None:
        method = req.method
        if req.path == "/v4" or req.path.startswith("/v4/"):
            self._api(sim, req)
        elif req.path == "/o/oauth2/v2/auth" and method == "GET":
            self._send(oauth.authorize(sim, req))
        elif req.path == "/token" and method == "POST":
            self._send(oauth.token(sim, req))
        elif req.path == "/revoke" and method == "POST":
            self._send(oauth.revoke(sim, req))
        else:
            self._send(not_found_html(req.path))

    def _api(self, sim: Simulator, req: Request) -> None:
        cfg = sim.config
        fault = sim.faults.take(req.path)
        kind = fault.kind if fault else None
        route = api.match(req.method, req.path)
        operation = route.operation.rstrip("!") if route else "not_found"
        data_type = route.data_type if route else None

        def record(status: int) -> None:
            sim.requests.append(RequestRecord(req.method, req.path, dict(req.query), status, data_type,
                                              operation, kind))

        if fault is not None and fault.kind == "reset":
            record(0)
            self._reset()
            return
        if fault is not None and (fault.kind in _FAULT_STATUS or fault.kind in ("502", "precondition")):
            resp = _fault_response(fault, cfg)
        else:
            resp, _ = api.handle(sim, req)
        if fault is not None and fault.kind == "timeout":
            time.sleep(fault.delay_s if fault.delay_s is not None else 10.0)
        delay = cfg.latency_s + cfg.latency_per_kib_s * len(resp.body) / 1024
        if delay > 0:
            time.sleep(delay)
        record(resp.status)
        self._send(resp, truncate=kind == "truncate")

    def _reset(self) -> None:
        """Close the TCP connection with an RST and no response at all."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()
        self.wfile.close()
        self.connection.close()
        # the base class still flushes and closes these after the handler returns
        self.rfile, self.wfile = io.BytesIO(), io.BytesIO()


class SimServer(LoopbackServer):
    """Threaded HTTP server bound to one :class:`Simulator` (daemon threads, reusable port)."""

    handler = _Handler
    sim: Simulator
