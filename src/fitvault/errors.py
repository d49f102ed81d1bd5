"""The one exception tree of fitvault.

Every error fitvault raises on purpose derives from :class:`FitvaultError`; the CLI turns
each into a one-paragraph message and an exit code. Library errors (httpx, authlib, sqlite3)
are translated at the boundary with ``raise ... from exc``. No message ever contains a token
or a client secret.

::

    FitvaultError
    ├── ConfigError              bad option, config file or environment value
    ├── AuthError
    │   ├── NotAuthenticated     no token stored yet
    │   ├── ReauthRequired       refresh token expired or revoked (invalid_grant)
    │   └── AuthorizationDenied  consent refused, wrong state, missing code
    ├── ApiError                 the API answered with an error (google.rpc.Status or not)
    │   ├── InvalidArgument      400 (bad filter, page token ...; any 400 but ACCOUNT_NOT_LINKED)
    │   │   ├── UnsupportedAction   UNSUPPORTED_DATA_TYPE_ACTION (metadata.allowed_actions)
    │   │   └── RangeTooLong        INVALID_ROLLUP_QUERY_DURATION (metadata.maxDurationDays)
    │   ├── AccountNotLinked     400 reason ACCOUNT_NOT_LINKED, 412
    │   ├── Unauthenticated      401 (after one refresh and retry)
    │   ├── PermissionDenied     403 (scope not granted, API disabled ...)
    │   ├── NotFound             404 (often an HTML page)
    │   ├── RateLimited          429 (after the retry budget)
    │   ├── ServerError          5xx (after the retry budget)
    │   └── FitbitApiRetired     410 Gone from the legacy Fitbit Web API (turned off 2026-11-02)
    ├── TransportError           connection reset, timeout, truncated body (after retries)
    ├── StoreError
    │   ├── VaultLocked          another fitvault process holds the vault
    │   └── VaultCorrupt         not a fitvault vault, or damaged
    └── SyncIncomplete           a sync ended with work left; it says what
"""

from __future__ import annotations


class FitvaultError(Exception):
    """Base of every error fitvault raises on purpose."""

    exit_code = 1


class ConfigError(FitvaultError):
    """A bad option, configuration file or environment value."""

    exit_code = 2


class AuthError(FitvaultError):
    """Authorisation failed or is needed."""

    exit_code = 3


class NotAuthenticated(AuthError):
    """No token is stored for this vault yet."""


class ReauthRequired(AuthError):
    """The refresh token no longer works (expired, revoked): run `fitvault auth google` again."""


class AuthorizationDenied(AuthError):
    """The consent flow did not produce a code (denied, wrong state, missing code, timeout)."""


class ApiError(FitvaultError):
    """The API answered with an error.

    Attributes:
        http_status: the HTTP status code.
        status: the ``google.rpc.Status`` status string (e.g. ``INVALID_ARGUMENT``), if any.
        reason: the ``ErrorInfo.reason`` (e.g. ``ACCOUNT_NOT_LINKED``), if any.
        retry_after: seconds from a ``Retry-After`` header, if any.
        metadata: the ``ErrorInfo.metadata`` (string values), e.g. ``allowed_actions``.
    """

    exit_code = 4

    def __init__(
        self,
        message: str,
        *,
        http_status: int,
        status: str | None = None,
        reason: str | None = None,
        retry_after: float | None = None,
        metadata: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.status = status
        self.reason = reason
        self.retry_after = retry_after
        self.metadata = metadata or {}

    def __str__(self) -> str:
        parts = [f"HTTP {self.http_status}"]
        if self.status:
            parts.append(self.status)
        if self.reason:
            parts.append(self.reason)
        return f"{self.message} ({', '.join(parts)})"


class InvalidArgument(ApiError):
    """400: the request was refused (filter, type, body, page token; also a FAILED_PRECONDITION
    other than ACCOUNT_NOT_LINKED, such as a route export of an exercise without GPS)."""


class UnsupportedAction(InvalidArgument):
    """400 UNSUPPORTED_DATA_TYPE_ACTION: this data type does not support the method called.

    ``allowed_actions`` lists the methods it does support (``metadata.allowed_actions``, e.g.
    ``("list", "reconcile")``; empty when the server did not say)."""

    @property
    def allowed_actions(self) -> tuple[str, ...]:
        raw = self.metadata.get("allowed_actions") or self.metadata.get("allowedActions") or ""
        return tuple(a.strip() for a in raw.split(",") if a.strip())


class RangeTooLong(InvalidArgument):
    """400 INVALID_ROLLUP_QUERY_DURATION: a rollup's range is longer than the type allows;
    ``max_days`` is the cap the server named (``metadata.maxDurationDays``), or None."""

    @property
    def max_days(self) -> int | None:
        try:
            days = int(self.metadata.get("maxDurationDays", ""))
        except ValueError:
            return None
        return days if days > 0 else None


class AccountNotLinked(ApiError):
    """The Google account has no linked Google Health (Fitbit) profile."""


class Unauthenticated(ApiError):
    """401 even after refreshing the access token once."""


class PermissionDenied(ApiError):
    """403: a scope was not granted, the API is not enabled, or the app is not allowed."""


class NotFound(ApiError):
    """404: the URL does not exist (Google answers these with an HTML page)."""


class RateLimited(ApiError):
    """429 RESOURCE_EXHAUSTED that outlasted the retry budget."""


class ServerError(ApiError):
    """5xx that outlasted the retry budget."""


class TransportError(FitvaultError):
    """Connection reset, timeout or truncated body that outlasted the retry budget."""

    exit_code = 4


class StoreError(FitvaultError):
    """The local vault could not be read or written."""

    exit_code = 5


class VaultLocked(StoreError):
    """Another fitvault process is syncing into this vault."""


class VaultCorrupt(StoreError):
    """The file is not a fitvault vault, or it is damaged."""


class SyncIncomplete(FitvaultError):
    """A sync finished with some work left undone; the message lists what."""

    exit_code = 6


class FitbitApiRetired(ApiError):
    """410 Gone: the legacy Fitbit Web API (or its OAuth endpoints) has been turned off.

    Its message says what to do instead; the CLI exits with code 7.
    """

    exit_code = 7
    ADVICE = (
        "the legacy Fitbit Web API was turned off on 2026-11-02 (HTTP 410 Gone): fitvault can no longer "
        "read it. Use the Google Health API instead (`fitvault auth google`, then `fitvault sync`), or "
        "import a Google Takeout / Fitbit account archive (`fitvault import PATH`). Data already in the "
        "vault is untouched."
    )

    def __init__(self, message: str | None = None, *, http_status: int = 410) -> None:
        super().__init__(message or self.ADVICE, http_status=http_status)

    def __str__(self) -> str:
        return self.message


class TimeZoneRequired(ConfigError):
    """An import holds local times and no time zone is known: pass ``--tz`` (exit code 2)."""


class ParticipantRequired(ConfigError):
    """A Fitabase import holds several participants and none (or an absent one) was named with
    ``--participant`` (exit code 2); the message lists the ids."""


class ImportIncomplete(FitvaultError):
    """An import finished but skipped some files it should read (unreadable or unsafe); the
    message lists them. Exit code 6, as for an incomplete sync: done, with something left out."""

    exit_code = 6

    def __init__(self, message: str, report: object = None) -> None:
        super().__init__(message)
        self.report = report


def database_unreadable(exc: Exception) -> str:
    """The message for an SQLite failure no layer translated (a page damaged after opening ...):
    the CLI's last fence and the MCP server say the same."""
    return (f"the vault database cannot be read or written ({exc}). If it is damaged, restore it from a backup, "
            "or move vault.sqlite aside and run `fitvault rebuild` to re-derive it from the raw archive")
