"""What every API client is besides its URLs and error model: an ``httpx.Client`` and a pipeline.

:class:`ApiClient` builds the ``httpx.Client`` both sources use (a timeout on every request, a
shorter one to connect, JSON accepted, no redirects followed: an API that redirects is answered
as an error, never followed with the token) and the :class:`~fitvault.http.Pipeline` over it,
and gives every client the same handles: ``requests_sent``, :meth:`~ApiClient.cancel`,
:meth:`~ApiClient.backoff`, ``close`` and ``with``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Self

import httpx

from fitvault.auth.tokens import scrub_secrets
from fitvault.http.pipeline import Hooks, Limiter, Pipeline
from fitvault.http.retry import RetryPolicy, Sleep, Waiter


class ApiClient:
    """The ``httpx.Client`` (:attr:`http`) and the send pipeline (:attr:`pipeline`) of one API.

    Args:
        auth: signs every request (``httpx.Auth``; None: unsigned).
        limiter / retry: the source's quota and its tries.
        timeout_s: per request (connecting: at most 15 s).
        transport: an httpx transport (tests swap it, never patch).
        max_connections: the pool's size (None: httpx's default).
        sleep: how the pipeline sleeps (None: on its cancel event, so a cancel ends a wait).
        log / seed / scrub / hooks: as :class:`~fitvault.http.Pipeline` takes them.
    """

    def __init__(
        self,
        auth: httpx.Auth | None,
        limiter: Limiter,
        retry: RetryPolicy,
        *,
        timeout_s: float,
        transport: httpx.BaseTransport | None,
        max_connections: int | None = None,
        sleep: Sleep | None = None,
        log: logging.Logger | None = None,
        seed: int | None = None,
        scrub: Callable[..., str] = scrub_secrets,
        hooks: Hooks | None = None,
    ) -> None:
        pool: dict[str, Any] = {}
        if max_connections is not None:
            pool["limits"] = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self.http = httpx.Client(
            auth=auth,
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 15.0)),
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "fitvault"},
            follow_redirects=False,
            **pool,
        )
        self.pipeline = Pipeline(self.http, limiter, retry, waiter=Waiter(sleep), log=log, seed=seed, scrub=scrub,
                                 hooks=hooks)

    @property
    def requests_sent(self) -> int:
        """Requests sent so far, every try counted."""
        return self.pipeline.requests_sent

    def cancel(self) -> None:
        """Make every pending and future wait of this client raise :class:`~fitvault.http.Cancelled`."""
        self.pipeline.cancel()

    def reset_cancel(self) -> None:
        self.pipeline.reset_cancel()

    def backoff(self, attempt: int) -> None:
        """Wait before retry number ``attempt`` (for callers that retry themselves)."""
        self.pipeline.backoff(attempt)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
