"""HTTP client for the legacy Fitbit Web API: the hourly budget, retries, typed errors, 410.

Every request goes through the one send pipeline (:mod:`fitvault.http`), given (docs/facts/fitbit-legacy-api.md#conventions,
docs/facts/fitbit-legacy-api.md#rate-limit-and-errors):

* the hourly budget (:mod:`.ratelimit`): if it is spent, the request waits for the reset
  (countdown reported);
* the error model: 500/502/503/504 are retried with backoff, as the pipeline retries connection
  resets, timeouts and truncated bodies; a 429 waits for ``Retry-After`` / the reset and tries
  again (not counted as a retry); Fitbit's error envelope
  ``{"errors": [{"errorType", "fieldName", "message"}]}`` becomes :mod:`fitvault.errors` types, with any token Fitbit quotes in a message removed;
* a **410 Gone** (the API was turned off on 2026-11-02) raises
  :class:`~fitvault.errors.FitbitApiRetired` at once.

No ``Accept-Language`` is sent, so values are METRIC (km, kg, °C; docs/facts/fitbit-legacy-api.md#conventions). The token
travels only in the ``Authorization`` header (pluggable ``httpx.Auth``); tests swap the
transport, never patch.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from fitvault import errors
from fitvault.http import ApiClient, Call, RefusalBudget, Retry, RetryPolicy
from fitvault.sources.fitbit.auth import scrub
from fitvault.sources.fitbit.ratelimit import HourlyLimiter

log = logging.getLogger("fitvault.fitbit")

_STATUS_ERRORS: dict[int, type[errors.ApiError]] = {
    400: errors.InvalidArgument,
    401: errors.Unauthenticated,
    403: errors.PermissionDenied,
    404: errors.NotFound,
    422: errors.InvalidArgument,  # "The number of data points queried exceeds limit." (docs/facts/fitbit-legacy-api.md#rate-limit-and-errors)
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


class _FitbitErrors:
    """The Fitbit error model (:class:`fitvault.http.ErrorModel`): 200 is the JSON; 500, 502, 503
    and 504 are retried with backoff (a ``Retry-After`` on them is not used); a 429 waits for the
    hourly reset apart from the tries (:data:`MAX_429_WAITS` times, :data:`MAX_WAIT_S` at most);
    any other status (410 Gone included) is its typed error at once."""

    refusals = RefusalBudget(MAX_429_WAITS, MAX_WAIT_S, "429 from Fitbit: waiting %.0f s for the rate limit to reset")

    def judge(self, response: httpx.Response, call: Call, secrets: tuple[str, ...]) -> FitbitResponse | Retry:
        status = response.status_code
        if status == 200:
            try:
                return FitbitResponse(response.content, json.loads(response.content))
            except ValueError as exc:
                return Retry(errors.TransportError(f"{call.method} {call.path}: unreadable JSON body ({exc})"))
        error = parse_error(response, secrets)
        if status == 429:
            return Retry(error, wait=error.retry_after, refused=True)
        if status not in _RETRY_STATUSES:
            raise error
        return Retry(error)


_FITBIT_ERRORS = _FitbitErrors()


class FitbitClient(ApiClient):
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
        super().__init__(auth, self.limiter, retry, timeout_s=timeout_s, transport=transport, sleep=sleep, log=log,
                         seed=seed, scrub=scrub)

    def get(self, path: str, params: dict[str, Any] | None = None) -> FitbitResponse:
        """GET ``path`` (``/1/user/-/...``) until it succeeds or the retry budget is spent."""
        return self.pipeline.send(Call("GET", self.base + path, path, params=params), _FITBIT_ERRORS)

    def profile(self) -> dict:
        """``/1/user/-/profile.json``'s ``user`` object (time zone, member since ...)."""
        data = self.get("/1/user/-/profile.json").data
        return data.get("user") or {} if isinstance(data, dict) else {}
