"""A one-shot HTTP receiver for Google's redirect back to ``http://127.0.0.1:<port>/``.

Desktop OAuth clients may redirect to any loopback port without registering it (docs/facts/google-health-api.md#desktop-flow-with-loopback-and-pkce,
Google's "loopback IP address" option). The receiver listens on 127.0.0.1 only, never on other
interfaces, answers exactly one callback (a request to the redirect path with a query string),
answers anything else (``/favicon.ico``, a bare ``/``) without consuming the callback, and stops.

Usage::

    with LoopbackReceiver(port=0) as receiver:
        url = build_consent_url(redirect_uri=receiver.redirect_uri)
        open_browser(url)
        redirected = receiver.wait(timeout_s=300)
"""

from __future__ import annotations

import http.server
import threading
from types import TracebackType
from urllib.parse import urlsplit

from fitvault.errors import AuthorizationDenied, ConfigError

HOST = "127.0.0.1"

_DONE_PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fitvault: you can close this tab</title></head>
<body style="font-family: sans-serif; margin: 3em">
<h1>fitvault: you can close this tab</h1>
<p>fitvault received Google's answer. Return to the terminal to see the result.</p>
</body></html>
"""
_NOT_FOUND_PAGE = b"<!doctype html><title>404</title><p>Not found.</p>\n"
_ALREADY_PAGE = b"<!doctype html><title>fitvault</title><p>fitvault already received an answer.</p>\n"


class _Server(http.server.ThreadingHTTPServer):
    # Browsers open speculative connections that send nothing; a thread per connection keeps
    # one such socket from blocking the real redirect.
    daemon_threads = True
    allow_reuse_address = False
    receiver: LoopbackReceiver


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    timeout = 10  # seconds a silent connection may hold its thread
    server_version = "fitvault"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        receiver = self.server.receiver
        parts = urlsplit(self.path)
        if parts.path != receiver.path or not parts.query:
            self._answer(404, _NOT_FOUND_PAGE)
        elif receiver._claim(f"http://{HOST}:{receiver.port}{self.path}"):
            try:
                self._answer(200, _DONE_PAGE)
            finally:
                receiver._received.set()  # only now may wait() return and stop the server
        else:
            self._answer(410, _ALREADY_PAGE)

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        # The default writes every request line (with the authorization code) to stderr.
        pass


class LoopbackReceiver:
    """Listen on ``127.0.0.1:<port>`` for one OAuth redirect.

    Args:
        port: TCP port; 0 picks a free ephemeral port (see :attr:`port` after :meth:`start`).
        path: the redirect path (``/``).
    """

    def __init__(self, port: int = 0, *, path: str = "/") -> None:
        self.path = path
        self._requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._received = threading.Event()
        self._claimed = False
        self._claim_lock = threading.Lock()
        self._url: str | None = None
        self._port: int | None = None

    def __enter__(self) -> LoopbackReceiver:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def port(self) -> int:
        """The port actually bound (only after :meth:`start`)."""
        if self._port is None:
            raise RuntimeError("the receiver is not started")
        return self._port

    @property
    def redirect_uri(self) -> str:
        """``http://127.0.0.1:<port>/`` — what to send as ``redirect_uri``."""
        return f"http://{HOST}:{self.port}{self.path}"

    def start(self) -> None:
        """Bind 127.0.0.1 and serve in a daemon thread. Raises :class:`ConfigError` if the port is taken."""
        if self._server is not None or self._claimed:
            return
        try:
            server = _Server((HOST, self._requested_port), _Handler)
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on {HOST}:{self._requested_port} for Google's redirect ({exc.strerror}); "
                "choose another port or 0 for any free one"
            ) from None
        server.receiver = self
        self._server = server
        self._port = int(server.server_address[1])
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fitvault-oauth-loopback",
            daemon=True,
        )
        self._thread.start()

    def wait(self, timeout_s: float) -> str:
        """The full redirected URL (``http://127.0.0.1:<port>/?code=...&state=...``).

        Stops the server either way. Raises :class:`AuthorizationDenied` after ``timeout_s``.
        """
        try:
            if not self._received.wait(timeout_s):
                raise AuthorizationDenied(
                    f"no answer from the browser within {timeout_s:g} s; nothing was stored. "
                    "Run `fitvault auth google` again (use --no-browser to paste the address instead)"
                )
            return self._url or ""  # recorded before the event is set
        finally:
            self.close()

    def close(self) -> None:
        """Stop serving and release the port (idempotent)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _claim(self, url: str) -> bool:
        """Record ``url`` as the one callback; False if one was already recorded."""
        with self._claim_lock:
            if self._claimed:
                return False
            self._claimed = True
            self._url = url
            return True
