"""``google.rpc.Status`` error bodies (docs/facts/google-health-api.md#errors) and Google's HTML 404 page (docs/facts/google-health-api.md#errors, TRBL).

Reasons are Google's error catalogue (https://developers.google.com/health/reference/rest/v4/errors,
as generated into the kkdev92 .NET SDK ``spec/v4/errors.json``; docs/facts/google-health-api.md#settled-by-captured-payloads), with the metadata
live answers carry: ``allowed_actions`` on UNSUPPORTED_DATA_TYPE_ACTION and ``maxDurationDays`` on
INVALID_ROLLUP_QUERY_DURATION (haelan ``probe/findings/rollup-methods.md``), ``detailedReasons``
plus a ``BadRequest.fieldViolations`` detail on INVALID_DATA_POINT_FILTER (mcp-fitbit-air capture
``list_daily-sleep-temperature-derivations.json``). Exact message wording is live where quoted,
else this simulator's.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field

from .wire import JsonText

DOMAIN = "health.googleapis.com"
_STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                 404: "NOT_FOUND", 409: "ABORTED", 412: "FAILED_PRECONDITION",
                 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 501: "UNIMPLEMENTED",
                 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
JSON_TYPE = "application/json; charset=UTF-8"
HTML_TYPE = "text/html; charset=UTF-8"


@dataclass
class Response:
    """What a route answers: status, body bytes and headers."""

    status: int
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)


def json_response(payload: object, status: int = 200, *, pretty: bool = False) -> Response:
    """A JSON response, compact unless ``pretty`` (Google pretty-prints by default; the
    simulator only does so for ``prettyPrint=true``, because indenting 10000-point pages with
    the pure-Python encoder is ~5x slower and doubles the bytes)."""
    if isinstance(payload, JsonText):  # already encoded (a list page, see .wire)
        text = json.dumps(json.loads(payload), indent=2) if pretty else str(payload)
    else:
        text = json.dumps(payload, indent=2 if pretty else None, separators=None if pretty else (",", ":"))
    return Response(status, text.encode() + (b"\n" if pretty else b""))


class ApiError(Exception):
    """Raised by route code; becomes a ``google.rpc.Status`` JSON response."""

    def __init__(self, code: int, message: str, reason: str | None = None, *,
                 status: str | None = None, metadata: dict | None = None,
                 headers: dict[str, str] | None = None, details: list[dict] | None = None) -> None:
        super().__init__(message)
        self.details = details
        self.code = code
        self.message = message
        self.reason = reason
        self.status = status or _STATUS_NAMES.get(code, "UNKNOWN")
        self.metadata = metadata or {}
        self.headers = headers or {}

    def body(self) -> dict:
        """The error envelope."""
        err: dict = {"code": self.code, "message": self.message, "status": self.status}
        if self.details is not None:
            err["details"] = self.details
        elif self.reason:
            err["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                               "reason": self.reason, "domain": DOMAIN, "metadata": self.metadata}]
        return {"error": err}

    def response(self) -> Response:
        """As an HTTP response."""
        resp = json_response(self.body(), self.code)
        resp.headers.update(self.headers)
        return resp


def invalid_argument(message: str, reason: str | None = None) -> ApiError:
    """400 INVALID_ARGUMENT."""
    return ApiError(400, message, reason)


def filter_error(reason: str, description: str | None = None) -> ApiError:
    """400 INVALID_DATA_POINT_FILTER for a rejected ``filter``, the detailed reason in
    ``metadata.detailedReasons`` and a ``BadRequest`` field violation (the live shape)."""
    if reason == "INVALID_TIME_RANGE":  # a catalogue reason of its own, not a filter sub-reason
        return ApiError(400, "Invalid time range in the filter.", reason)
    violation = {"field": "filter", "description": description or reason}
    details: list[dict] = [
        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "INVALID_DATA_POINT_FILTER",
         "domain": DOMAIN, "metadata": {"detailedReasons": reason}},
        {"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [violation]},
    ]
    return ApiError(400, f"Invalid data point filter: {reason}.", "INVALID_DATA_POINT_FILTER", details=details)


def unsupported_action(type_id: str, action: str, allowed: list[str]) -> ApiError:
    """400 UNSUPPORTED_DATA_TYPE_ACTION with ``metadata.allowed_actions`` (comma-separated, as
    the haelan probe lists it; the exact separator is not captured). The message follows the
    wording P-MCP quotes ("List is not supported for data type X")."""
    return ApiError(400, f"{action} is not supported for data type {type_id}", "UNSUPPORTED_DATA_TYPE_ACTION",
                    metadata={"allowed_actions": ", ".join(allowed)})


def not_found() -> ApiError:
    """404 RESOURCE_NOT_FOUND (a JSON answer, unlike an unknown URL's HTML page)."""
    return ApiError(404, "Requested entity was not found.", "RESOURCE_NOT_FOUND")


def html_page(status: int, title: str, text: str) -> Response:
    """A Google-front-end style HTML error page."""
    body = (
        "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n"
        "  <meta name=viewport content=\"initial-scale=1, minimum-scale=1, width=device-width\">\n"
        f"  <title>Error {status} ({html.escape(title)})!!1</title>\n"
        f"  <p><b>{status}.</b> <ins>That\u2019s an error.</ins>\n"
        f"  <p>{text}  <ins>That\u2019s all we know.</ins>\n"
    )
    return Response(status, body.encode(), HTML_TYPE)


def not_found_html(path: str) -> Response:
    """Unknown path or wrong verb: HTML 404, never JSON (docs/facts/google-health-api.md#errors, docs/facts/google-health-api.md#request-check-order)."""
    return html_page(404, "Not Found",
                     f"The requested URL <code>{html.escape(path)}</code> was not found on this server.")
