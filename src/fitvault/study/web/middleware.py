"""Two thin ASGI layers around every enrolment response.

:class:`SecurityHeaders`: no caching anywhere (the pages are personal and the URLs carry
secrets), no referrer (the invite link must not leak to Google or elsewhere in a ``Referer``), no
framing, no sniffing, no script and no indexing; forms may post only to this site, and a form's
redirect may go only to the study's OAuth server (Chromium applies ``form-action`` to it).

:class:`AccessLog`: one line per request naming the route, never the path or query (invite
tokens, codes and states travel there). Serve with uvicorn's own access log off.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_log = logging.getLogger("fitvault.study.web.access")


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def security_headers(auth_url: str) -> list[tuple[bytes, bytes]]:
    policy = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; "
        f"frame-ancestors 'none'; form-action 'self' {origin(auth_url)}"
    )
    headers = {
        "cache-control": "no-store",
        "pragma": "no-cache",
        "referrer-policy": "no-referrer",
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "x-robots-tag": "noindex, nofollow",
        "content-security-policy": policy,
    }
    return [(k.encode(), v.encode()) for k, v in headers.items()]


class SecurityHeaders:
    """Adds :func:`security_headers` to every HTTP response (replacing any the app set)."""

    def __init__(self, app: ASGIApp, auth_url: Callable[[], str]) -> None:
        self.app = app
        self._auth_url = auth_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # computed now: the handler has just read the study's settings
                extra = security_headers(self._auth_url())
                names = {name for name, _ in extra}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = kept + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AccessLog:
    """Logs ``METHOD route status ms`` per request; ``route_name`` maps a path to its route's
    name (``/i/…``) so no token reaches the log."""

    def __init__(self, app: ASGIApp, route_name: Callable[[str], str]) -> None:
        self.app = app
        self._route_name = route_name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [0]

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            access_log.info("%s %s %d %.0f ms", scope.get("method", "?"), self._route_name(scope.get("path", "")),
                            status[0], (time.perf_counter() - started) * 1000)
