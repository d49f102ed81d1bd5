"""What the two simulated OAuth servers (Google's and the legacy Fitbit one) do alike: keep
single-use authorization codes, check a loopback redirect URI, read HTTP Basic client
credentials and form bodies, and compute the PKCE S256 challenge of a verifier. Each provider's
module keeps its own checks, error envelopes and messages."""

from __future__ import annotations

import base64
import hashlib
import threading
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

if TYPE_CHECKING:
    from ._http import Request

#: Hosts a loopback redirect URI may name (Google's list; Fitbit's leaves out ``::1``).
LOOPBACK_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")


class _Code(Protocol):
    used: bool


C = TypeVar("C", bound=_Code)


class CodeStore(Generic[C]):
    """Authorization codes awaiting exchange; subclasses say what a code's value looks like."""

    def __init__(self) -> None:
        self._codes: dict[str, C] = {}
        self._lock = threading.Lock()

    @staticmethod
    def new_value() -> str:
        raise NotImplementedError

    def issue(self, code: C) -> str:
        """Store ``code``; returns its value."""
        value = self.new_value()
        with self._lock:
            self._codes[value] = code
        return value

    def redeem(self, value: str) -> C | str:
        """Mark used and return the code, or why not (``"unknown"``, ``"used"``)."""
        with self._lock:
            code = self._codes.get(value)
            if code is None:
                return "unknown"
            if code.used:
                return "used"
            code.used = True
            return code


def is_loopback(uri: str, hosts: tuple[str, ...] = LOOPBACK_HOSTS) -> bool:
    """``http://<one of hosts>[:port]/...`` without a fragment."""
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        return False
    return parts.scheme == "http" and parts.hostname in hosts and not parts.fragment


def basic_credentials(authorization: str) -> tuple[str, str] | None:
    """``(user, password)`` of an HTTP Basic ``Authorization`` header, percent-decoded; None
    when the header is not Basic. Raises ``ValueError`` when it cannot be decoded."""
    if authorization[:6].lower() != "basic ":
        return None
    user, _, password = base64.b64decode(authorization[6:].strip()).decode().partition(":")
    return unquote(user), unquote(password)


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of ``verifier``: BASE64URL(SHA256(verifier)), unpadded."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def form(req: Request, *, keep_blank_values: bool = True) -> dict[str, str]:
    """The request's ``application/x-www-form-urlencoded`` body as a dict."""
    return dict(parse_qsl(req.body.decode("utf-8", errors="replace"), keep_blank_values=keep_blank_values))
