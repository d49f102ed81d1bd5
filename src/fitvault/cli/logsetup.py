"""Logging for the CLI only (the library never configures logging).

Every record passes a redacting filter: whatever slipped into a message, anything shaped like
a Google access token, refresh token, client secret or bearer header is masked before it is
written. The tokens themselves are never logged on purpose; this is the second fence.
"""

from __future__ import annotations

import logging
import re

from rich.console import Console
from rich.logging import RichHandler

_SECRET_PATTERNS = [
    re.compile(r"ya29\.[\w\-.~+/]+"),                       # Google access tokens
    re.compile(r"1//[\w\-.~+/]+"),                          # Google refresh tokens
    re.compile(r"GOCSPX-[\w\-]+"),                          # Google client secrets
    re.compile(r"(?i)(bearer\s+)[\w\-.~+/=]+"),
    re.compile(r"(?i)((?:access_token|refresh_token|client_secret|code_verifier|code)=)[^&\s\"']+"),
    re.compile(r"(?i)(\"(?:access_token|refresh_token|client_secret|token)\"\s*:\s*\")[^\"]+"),
]


def redact(text: str) -> str:
    """Mask anything in ``text`` that looks like a token or a client secret."""
    for pattern in _SECRET_PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + "***", text)
        else:
            text = pattern.sub("***", text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def configure_logging(verbose: bool) -> None:
    """WARNING and above by default; every fitvault decision and request with --verbose."""
    handler = RichHandler(console=Console(stderr=True), show_path=False, rich_tracebacks=False, markup=False)
    handler.addFilter(RedactingFilter())
    root = logging.getLogger("fitvault")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    root.propagate = False
    # httpx logs each request at INFO with its URL (never headers); ours is more useful.
    for name in ("httpx", "httpcore"):
        lib = logging.getLogger(name)
        lib.setLevel(logging.WARNING)
        lib.addFilter(RedactingFilter())
