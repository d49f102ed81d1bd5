"""The HTTP plumbing both simulators share (Google's and the legacy Fitbit one): the parsed
:class:`Request`, a threaded loopback server bound to its simulator, a request handler base that
parses, dispatches and answers, and :class:`LoopbackService`, the start/stop lifecycle that
serves it from a daemon thread on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self
from urllib.parse import parse_qsl, unquote, urlsplit

from .errors import Response


@dataclass(frozen=True)
class Request:
    """One parsed HTTP request (path unquoted, query as first values, headers lower-cased)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""


class LoopbackServer(ThreadingHTTPServer):
    """Threaded HTTP server bound to one simulator (daemon threads, reusable port); subclasses
    name their handler."""

    daemon_threads = True
    allow_reuse_address = True
    handler: ClassVar[type[BaseHTTPRequestHandler]]

    def __init__(self, address: tuple[str, int], sim: Any) -> None:
        self.sim = sim
        super().__init__(address, self.handler)


class SimHandler(BaseHTTPRequestHandler):
    """Parses each request into a :class:`Request` for :meth:`route`, which answers it."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: avoid 40 ms stalls
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence stderr
        pass

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def route(self, sim: Any, req: Request) -> None:
        """Answer ``req`` (with :meth:`_send`)."""
        raise NotImplementedError

    def _dispatch(self, method: str) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        req = Request(method, unquote(split.path), dict(parse_qsl(split.query, keep_blank_values=True)),
                      {k.lower(): v for k, v in self.headers.items()}, body)
        try:
            self.route(self.server.sim, req)  # type: ignore[attr-defined]
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _send(self, resp: Response, *, truncate: bool = False) -> None:
        """Answer ``resp``; ``truncate`` (an injected fault) sends half the body and shuts the socket."""
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.end_headers()
        if truncate:
            self.wfile.write(resp.body[: len(resp.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        else:
            self.wfile.write(resp.body)


@dataclass
class _Running:
    server: LoopbackServer
    thread: threading.Thread
    port: int


class LoopbackService:
    """Serving a simulator on 127.0.0.1: ``start()``/``stop()`` or ``with``, ``port``, ``url``.

    Subclasses set ``server_class``, ``thread_name`` and the OAuth endpoint paths.
    """

    server_class: ClassVar[type[LoopbackServer]]
    thread_name: ClassVar[str]
    auth_path: ClassVar[str]
    token_path: ClassVar[str]
    revoke_path: ClassVar[str]
    _running: _Running | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, port: int = 0) -> Self:
        """Bind 127.0.0.1:``port`` (0 = ephemeral) and serve in a daemon thread."""
        if self._running is not None:
            raise RuntimeError("simulator already started")
        server = self.server_class(("127.0.0.1", port), self)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                  name=self.thread_name, daemon=True)
        thread.start()
        self._running = _Running(server, thread, server.server_address[1])
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        running, self._running = self._running, None
        if running is not None:
            running.server.shutdown()
            running.server.server_close()
            running.thread.join(timeout=5)

    def __enter__(self) -> Self:
        if self._running is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The bound port."""
        if self._running is None:
            raise RuntimeError("simulator not started")
        return self._running.port

    @property
    def url(self) -> str:
        """API root, ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def auth_url(self) -> str:
        """The authorization endpoint."""
        return self.url + self.auth_path

    @property
    def token_url(self) -> str:
        """The token endpoint."""
        return self.url + self.token_path

    @property
    def revoke_url(self) -> str:
        """The revocation endpoint."""
        return self.url + self.revoke_path
