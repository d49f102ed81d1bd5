"""HTTP client for the Google Health API v4: its URLs, its error model, its quota.

Every request goes through the one send pipeline (:mod:`fitvault.http`), given (docs/facts/google-health-api.md#quota-errors-and-retries):

* the shared client-side quota (:mod:`fitvault.sources.google.ratelimit`), which every worker
  holds to after a 429;
* the error model: 429, 500/502/503 and 504 are retried (a 504 on a list page is handed back at
  once when the caller would rather shrink the page, see :class:`GatewayTimeout`), as the
  pipeline retries connection resets, timeouts and truncated bodies, with exponential backoff
  or the ``Retry-After`` (bounded); the ``google.rpc.Status`` envelope (and Google's HTML 404
  pages) becomes the typed errors of :mod:`fitvault.errors`.

Authentication is a pluggable ``httpx.Auth`` (refresh before expiry, once on 401); tests swap the
transport, never patch. Tokens travel only in the ``Authorization`` header, never in URLs, logs
or error messages. :class:`Cancelled` and :class:`RetryPolicy` are :mod:`fitvault.http`'s,
named here too.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Callable

import httpx
import msgspec

from fitvault import errors
from fitvault.auth.tokens import scrub_secrets
from fitvault.http import ApiClient, Call, Cancelled, Hooks, Retry, RetryPolicy
from fitvault.sources.google.ratelimit import RollingWindowLimiter

__all__ = ["ApiResponse", "Cancelled", "GatewayTimeout", "HealthApiClient", "RetryPolicy", "parse_error"]

log = logging.getLogger("fitvault.sources.google")

_RETRY_STATUSES = {429, 500, 502, 503, 504}
_STATUS_ERRORS: dict[int, type[errors.ApiError]] = {
    400: errors.InvalidArgument,
    401: errors.Unauthenticated,
    403: errors.PermissionDenied,
    404: errors.NotFound,
    412: errors.AccountNotLinked,
    429: errors.RateLimited,
}


class GatewayTimeout(errors.ServerError):
    """504: the server gave up on a page; the caller may retry with a smaller ``pageSize``."""


class _Envelope(msgspec.Struct, gc=False):
    """A page's outer object: decoding into it checks, in C and without building the points,
    that the body is one whole JSON object, and picks out the page token."""

    nextPageToken: Any = None


_envelope = msgspec.json.Decoder(_Envelope).decode


class ApiResponse:
    """A successful response: its raw bytes (archived as-is) and the JSON, decoded on first use
    of :attr:`data` (a heart-rate page is parsed straight from :attr:`content` instead)."""

    def __init__(self, content: bytes, data: dict | None = None, *, next_page_token: Any = None) -> None:
        self.content = content
        self._data = data
        self._token = next_page_token

    @property
    def decoded(self) -> bool:
        return self._data is not None

    @property
    def data(self) -> dict:
        if self._data is None:
            self._data = json.loads(self.content)
        return self._data

    @property
    def next_page_token(self) -> Any:
        """The ``nextPageToken`` value as sent (None when absent)."""
        return self._data.get("nextPageToken") if self._data is not None else self._token


def _readable(content: bytes) -> ApiResponse:
    """The response for a 200 body; ValueError/RecursionError when it is not a JSON object."""
    try:
        return ApiResponse(content, next_page_token=_envelope(content).nextPageToken)
    except (msgspec.DecodeError, RecursionError):
        # The stdlib decides: it also takes NaN, Infinity and lone surrogates, which the
        # parsers then quarantine point by point instead of failing the whole page.
        data = json.loads(content)
        if not isinstance(data, dict):
            raise ValueError("the response is not a JSON object") from None
        return ApiResponse(content, data)


#: ``ErrorInfo.reason`` -> the error class, whatever the HTTP status says (Google's error catalogue,
#: https://developers.google.com/health/reference/rest/v4/errors, as generated into the kkdev92 .NET
#: SDK's ``spec/v4/errors.json``). ``FAILED_PRECONDITION`` is a status several reasons share (a TCX
#: export of an exercise without GPS is one): only ACCOUNT_NOT_LINKED means the account cannot be read.
_REASON_ERRORS: dict[str, type[errors.ApiError]] = {
    "ACCOUNT_NOT_LINKED": errors.AccountNotLinked,
    "UNSUPPORTED_DATA_TYPE_ACTION": errors.UnsupportedAction,
    "INVALID_ROLLUP_QUERY_DURATION": errors.RangeTooLong,
}


def parse_error(response: httpx.Response, secrets: tuple[str, ...] = ()) -> errors.ApiError:
    """The typed error for a non-2xx response (``google.rpc.Status`` or anything else), its
    message without ``secrets``.

    The class comes from the first ``ErrorInfo.reason`` when it is one of :data:`_REASON_ERRORS`,
    else from the HTTP status (412, "Precondition check failed": no Google Health profile yet, is
    an :class:`~fitvault.errors.AccountNotLinked` like ACCOUNT_NOT_LINKED, docs/facts/google-health-api.md#errors)."""
    status_code = response.status_code
    status = reason = None
    metadata: dict[str, str] = {}
    message = f"HTTP {status_code} {response.reason_phrase or ''}".strip()
    try:
        body = json.loads(response.content)
        err = body.get("error") if isinstance(body, dict) else None
    except (ValueError, RecursionError):  # RecursionError: garbage nested deeper than json allows
        err = None  # Google answers unknown URLs with an HTML page (docs/facts/google-health-api.md#errors, 404 row)
    if isinstance(err, dict):
        # Only strings are taken from the envelope: callers compare and print them.
        message = str(err.get("message") or message)
        status = err.get("status") if isinstance(err.get("status"), str) else None
        details = err.get("details")
        for detail in details if isinstance(details, list) else ():
            if isinstance(detail, dict) and isinstance(detail.get("reason"), str) and detail["reason"]:
                reason = detail["reason"]
                meta = detail.get("metadata")
                if isinstance(meta, dict):
                    metadata = {str(k): v for k, v in meta.items() if isinstance(v, str)}
                break
    elif status_code == 404:
        message = f"the URL {response.request.url.path} does not exist on this server"
    retry_after = _retry_after(response)
    cls = _STATUS_ERRORS.get(status_code, errors.ServerError if status_code >= 500 else errors.ApiError)
    if reason in _REASON_ERRORS and (status_code == 400 or reason == "ACCOUNT_NOT_LINKED"):
        cls = _REASON_ERRORS[reason]
    if status_code == 504:
        cls = GatewayTimeout
    return cls(scrub_secrets(message, *secrets), http_status=status_code, status=status, reason=reason,
               retry_after=retry_after, metadata=metadata)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP-date form; undocumented for this API, fall back to backoff


class _GoogleErrors:
    """The Google error model for one request (:class:`fitvault.http.ErrorModel`): 200 is the
    page (or the file, for ``media``); 429, 500, 502, 503 and 504 are retried (each 429 one of
    the tries, the whole quota holding for its ``Retry-After``), unless ``raise_on_504``; any
    other status is its typed error."""

    refusals = None

    def __init__(self, *, media: bool = False, raise_on_504: bool = False) -> None:
        self.media = media
        self.raise_on_504 = raise_on_504

    def judge(self, response: httpx.Response, call: Call, secrets: tuple[str, ...]) -> ApiResponse | Retry:
        status = response.status_code
        if status == 200 and self.media:
            return ApiResponse(response.content, {})
        if status == 200:
            try:
                return _readable(response.content)
            except (ValueError, RecursionError) as exc:
                # A body cut short that still arrived whole at the HTTP layer, or garbage
                # (RecursionError: nested deeper than json can parse): retry.
                return Retry(errors.TransportError(f"{call.method} {call.path}: unreadable JSON body ({exc})"))
        error = parse_error(response, secrets)
        if status not in _RETRY_STATUSES or (status == 504 and self.raise_on_504):
            raise error
        return Retry(error, wait=error.retry_after, refused=status == 429)


class HealthApiClient(ApiClient):
    """Talks to ``{api_url}/v4/users/me/...``. Thread-safe; share one per sync."""

    def __init__(
        self,
        api_url: str,
        auth: httpx.Auth | None,
        *,
        limiter: RollingWindowLimiter | None = None,
        retry: RetryPolicy = RetryPolicy(),
        timeout_s: float = 60.0,
        transport: httpx.BaseTransport | None = None,
        max_connections: int = 8,
        sleep: Callable[[float], object] | None = None,
        on_request: Callable[[str, str, int | None, float], None] | None = None,
        user: str = "me",
        seed: int | None = None,
    ) -> None:
        self.base = f"{api_url.rstrip('/')}/v4/users/{user}"
        self.limiter = limiter or RollingWindowLimiter()
        self.retry = retry
        hooks = Hooks()
        if on_request is not None:
            hooks.after.append(lambda call, status, elapsed: on_request(call.method, call.path, status, elapsed))
        # Waits (backoff, Retry-After, the quota) end at once when the run is cancelled.
        super().__init__(auth, self.limiter, retry, timeout_s=timeout_s, transport=transport,
                         max_connections=max_connections, sleep=sleep, log=log, seed=seed, hooks=hooks)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict | None = None,
        raise_on_504: bool = False,
        media: bool = False,
    ) -> ApiResponse:
        """Send one API request (path relative to ``/v4/users/me``) until it succeeds or the
        retry budget is spent. ``raise_on_504`` hands a 504 back at once (smaller page next).
        ``media``: the 200 body is a file (``alt=media``), returned as bytes, not read as JSON."""
        call = Call(method, self.base + path, path, params=params, json=body, detail=f" {_describe(params, body)}")
        return self.pipeline.send(call, _GoogleErrors(media=media, raise_on_504=raise_on_504))

    # -- the API's read methods ------------------------------------------------------------
    def list_page(
        self, data_type: str, *, filter_text: str, page_size: int, page_token: str | None = None,
        method: str = "list",
    ) -> ApiResponse:
        """One page of ``dataPoints.list`` (docs/facts/google-health-api.md#list-and-paging), or of ``dataPoints:reconcile`` (docs/facts/google-health-api.md#reconcile:
        the same filter, paging and ``dataPoints`` answer) when ``method`` is ``"reconcile"``."""
        params: dict[str, Any] = {"filter": filter_text, "pageSize": page_size}
        if page_token:
            params["pageToken"] = page_token
        suffix = ":reconcile" if method == "reconcile" else ""
        return self.request("GET", f"/dataTypes/{data_type}/dataPoints{suffix}", params=params, raise_on_504=True)

    def media(self, method: str, path: str, *, params: dict[str, Any] | None = None) -> bytes:
        """A media download (``alt=media``: the file itself, e.g. a TCX export), as bytes."""
        return self.request(method, path, params=dict(params or {}, alt="media"), media=True).content

    def daily_rollup(self, data_type: str, body: dict) -> ApiResponse:
        """One page of ``dataPoints:dailyRollUp`` (docs/facts/google-health-api.md#daily-rollups)."""
        return self.request("POST", f"/dataTypes/{data_type}/dataPoints:dailyRollUp", body=body)

    def settings(self) -> dict:
        """Time zone, UTC offset and display units (docs/facts/google-health-api.md#identity-profile-settings-and-devices)."""
        return self.request("GET", "/settings").data

    def paired_devices(self) -> list[dict]:
        """Every paired device: ``pairedDevices.list`` pages (``pageSize`` at most 100,
        ``nextPageToken``; DISC), so the pages are followed to the end."""
        devices: list[dict] = []
        params: dict[str, Any] = {"pageSize": 100}
        for _ in range(1000):  # a bound against a server that never ends the walk
            data = self.request("GET", "/pairedDevices", params=params).data
            devices.extend(d for d in data.get("pairedDevices") or [] if isinstance(d, dict))
            token = data.get("nextPageToken")
            if not token or not isinstance(token, str):
                break
            params = {"pageSize": 100, "pageToken": token}
        return devices

    def profile(self) -> dict:
        return self.request("GET", "/profile").data

    def identity(self) -> dict:
        return self.request("GET", "/identity").data


def _describe(params: dict | None, body: dict | None) -> str:
    if params:
        return " ".join(f"{k}={v}" for k, v in params.items() if k != "pageToken") + (
            " (next page)" if params.get("pageToken") else ""
        )
    return json.dumps(body, separators=(",", ":"))[:200] if body else ""

