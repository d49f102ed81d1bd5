"""The OAuth client (id and secret) the person created in their own Google Cloud project.

Google Cloud Console → Google Auth Platform → Clients → *Desktop app* → "Download JSON" gives
``{"installed": {"client_id": ..., "client_secret": ..., "auth_uri": ..., "token_uri": ...}}``;
a *Web application* client gives the same under ``"web"``. Both are accepted. A Desktop client's
secret is not truly confidential (Google says so), but fitvault still never prints it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from fitvault.auth.tokens import mask_secret
from fitvault.config import GOOGLE_AUTH_URL, GOOGLE_TOKEN_URL
from fitvault.errors import ConfigError


@dataclass(frozen=True)
class ClientSecrets:
    """An OAuth client: id, secret and the endpoints its JSON file names."""

    client_id: str
    client_secret: str
    auth_uri: str = GOOGLE_AUTH_URL
    token_uri: str = GOOGLE_TOKEN_URL

    def __repr__(self) -> str:
        return (
            f"ClientSecrets(client_id={self.client_id!r}, client_secret={mask_secret(self.client_secret)!r}, "
            f"auth_uri={self.auth_uri!r}, token_uri={self.token_uri!r})"
        )

    __str__ = __repr__

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "the client secrets") -> ClientSecrets:
        """Parse Google's client JSON (``{"installed": {...}}`` or ``{"web": {...}}``).

        Raises :class:`ConfigError` naming what is missing (never echoing a value).
        """
        if not isinstance(data, Mapping):
            raise ConfigError(f"{source} is not a JSON object")
        section = data.get("installed") or data.get("web")
        if not isinstance(section, Mapping):
            raise ConfigError(
                f'{source} is not a Google OAuth client file: expected an "installed" (Desktop app) '
                'or "web" section. Download it from Google Cloud Console → Google Auth Platform → '
                "Clients → your Desktop client → Download JSON"
            )
        missing = [key for key in ("client_id", "client_secret") if not _nonempty_str(section.get(key))]
        if missing:
            raise ConfigError(f"{source} lacks {' and '.join(missing)}")
        uris = {}
        for key, default in (("auth_uri", GOOGLE_AUTH_URL), ("token_uri", GOOGLE_TOKEN_URL)):
            value = section.get(key, default)
            if not isinstance(value, str) or not value.startswith(("http://", "https://")):
                raise ConfigError(f"{source} has an invalid {key} (expected an http(s) URL)")
            uris[key] = value
        return cls(client_id=section["client_id"], client_secret=section["client_secret"], **uris)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> ClientSecrets:
        """Load the JSON file downloaded from Google Cloud Console."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"client secrets file not found: {path}") from None
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            raise ConfigError(f"cannot read the client secrets file {path}: {reason}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"the client secrets file {path} is not valid JSON ({exc.msg} at line {exc.lineno})"
            ) from None
        return cls.from_dict(data, source=f"the client secrets file {path}")


def _nonempty_str(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def load_client_secrets(path: str | os.PathLike[str]) -> ClientSecrets:
    """Shorthand for :meth:`ClientSecrets.from_file`."""
    return ClientSecrets.from_file(path)
