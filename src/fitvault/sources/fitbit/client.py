"""HTTP client for the legacy Fitbit Web API: the hourly budget, retries, typed errors, 410.

For every request (reference §1.0, §3):

* waits, if the hourly budget is spent, for the reset (:mod:`.ratelimit`, countdown reported);
* retries 500/502/503/504, connection resets, timeouts and truncated bodies with backoff;
  a 429 waits for ``Retry-After`` / the reset and tries again (not counted as a retry);
* turns Fitbit's error envelope ``{"errors": [{"errorType", "fieldName", "message"}]}`` into
  :mod:`fitvault.errors` types, with any token Fitbit quotes in a message removed;
* a **410 Gone** (the API was turned off on 2026-11-02) raises
  :class:`~fitvault.errors.FitbitApiRetired` at once.

No ``Accept-Language`` is sent, so values are METRIC (km, kg, °C; reference §1.0). The token
travels only in the ``Authorization`` header (pluggable ``httpx.Auth``); tests swap the
transport, never patch.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from fitvault import errors
from fitvault.sources.google.client import RetryPolicy
from fitvault.sources.fitbit.auth import scrub
from fitvault.sources.fitbit.ratelimit import HourlyLimiter

log = logging.getLogger("fitvault.fitbit")

_STATUS_ERRORS: dict[int, type[errors.ApiError]] = {
    400: errors.InvalidArgument,
    401: errors.Unauthenticated,
    403: errors.PermissionDenied,
    404: errors.NotFound,
    422: errors.InvalidArgument,  # "The number of data points queried exceeds limit." (reference §3)
    429: errors.RateLimited,
}
_RETRY_STATUSES = {500, 502, 503, 504}
MAX_429_WAITS = 6
MAX_WAIT_S = 2 * 3600.0  # a Retry-After longer than this ends the request


@dataclass
class FitbitResponse:
    """A successful response: its raw bytes (archived as-is) and the decoded JSON (object or array)."""

    content: bytes
    data: Any


def parse_error(response: httpx.Response, secrets: tuple[str, ...] = ()) -> errors.ApiError:
    """The typed error for a non-2xx response."""
    status = response.status_code
    if status == 410:
        return errors.FitbitApiRetired()
    error_type = field = None
    message = f"HTTP {status} {response.reason_phrase or ''}".strip()
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        first = body["errors"][0] if isinstance(body["errors"][0], dict) else {}
        error_type, field = first.get("errorType"), first.get("fieldName")
        message = str(first.get("message") or message)
    message = scrub(message, *secrets)
    if status == 403 and error_type == "insufficient_scope":
        message += "; allow it with `fitvault auth fitbit`"
    cls = _STATUS_ERRORS.get(status, errors.ServerError if status >= 500 else errors.ApiError)
    retry_after = None
    try:
        retry_after = float(response.headers["retry-after"]) if "retry-after" in response.headers else None
    except ValueError:
        pass
    return cls(message, http_status=status, status=error_type, reason=field if field not in (None, "n/a") else None,
               retry_after=retry_after)


class FitbitClient:
    """Talks to ``{api_url}/1/user/-/...`` (and ``/1.2/``). One request at a time.

    Args:
        api_url: the API root (``https://api.fitbit.com`` or a simulator).
        auth: an ``httpx.Auth`` (:class:`~fitvault.sources.fitbit.auth.FitbitAuth`).
        limiter: the hourly budget (default: a fresh :class:`HourlyLimiter`).
        retry: attempts and backoff for 5xx and transport errors.
        timeout_s: per request.
        transport: an httpx transport (tests).
        sleep: waits between retries (default ``time.sleep``).
    """

    def __init__(
        self,
        api_url: str,
        auth: httpx.Auth | None,
        *,
        limiter: HourlyLimiter | None = None,
        retry: RetryPolicy = RetryPolicy(),
        timeout_s: float = 60.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], object] = time.sleep,
        seed: int | None = None,
    ) -> None:
        self.base = api_url.rstrip("/")
        self.auth = auth
        self.limiter = limiter or HourlyLimiter()
        self.retry = retry
        self._sleep = sleep
        self._rng = random.Random(seed)
        self.http = httpx.Client(
            auth=auth,
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 15.0)),
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "fitvault"},
            follow_redirects=False,
        )
        self.requests_sent = 0

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> FitbitClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _secrets(self) -> tuple[str, ...]:
        return tuple(getattr(self.auth, "secrets", ()))

    def get(self, path: str, params: dict[str, Any] | None = None) -> FitbitResponse:
        """GET ``path`` (``/1/user/-/...``) until it succeeds or the retry budget is spent."""
        url = self.base + path
        last_error: Exception | None = None
        attempt = waits_429 = 0
        while True:
            attempt += 1
            self.limiter.before_request()
            self.requests_sent += 1
            started = time.monotonic()
            try:
                response = self.http.get(url, params=params)
            except (httpx.TransportError, httpx.DecodingError) as exc:
                last_error = errors.TransportError(f"GET {path}: {type(exc).__name__}: {exc or 'no detail'}")
                last_error.__cause__ = exc
                status: int | None = None
            else:
                status = response.status_code
                self.limiter.after_response(response.headers)
            log.debug("GET %s -> %s in %.0f ms (try %d)", path, status, (time.monotonic() - started) * 1000, attempt)
            if status == 200:
                try:
                    return FitbitResponse(response.content, json.loads(response.content))
                except ValueError as exc:
                    last_error = errors.TransportError(f"GET {path}: unreadable JSON body ({exc})")
            elif status == 429:
                error = parse_error(response, self._secrets())
                wait = self.limiter.after_429(response.headers, error.retry_after)
                waits_429 += 1
                if wait > MAX_WAIT_S or waits_429 > MAX_429_WAITS:
                    raise error
                attempt -= 1  # the quota is not a failure of this request
                log.info("429 from Fitbit: waiting %.0f s for the rate limit to reset", wait)
                self.limiter.wait(wait, "429")
                continue
            elif status is not None:
                error = parse_error(response, self._secrets())
                if status not in _RETRY_STATUSES:
                    raise error
                last_error = error
            if attempt >= self.retry.attempts:
                raise last_error or errors.TransportError(f"GET {path}: no attempt was made")
            delay = self.retry.delay(attempt, self._rng)
            log.info("%s; retrying in %.1f s (try %d of %d)", str(last_error).splitlines()[0][:200], delay,
                     attempt + 1, self.retry.attempts)
            self._sleep(delay)

    def profile(self) -> dict:
        """``/1/user/-/profile.json``'s ``user`` object (time zone, member since ...)."""
        data = self.get("/1/user/-/profile.json").data
        return data.get("user") or {} if isinstance(data, dict) else {}
