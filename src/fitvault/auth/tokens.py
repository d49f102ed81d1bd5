"""The stored Google OAuth token and where it lives.

A :class:`Token` is immutable; a refresh produces a new one (:meth:`Token.merged_with_refresh`).
:class:`TokenStore` keeps it in one JSON file, mode 0600 from the moment it exists, replaced
atomically so a crash mid-write leaves the previous file intact. :class:`KeyringTokenStore` keeps
it in the OS keyring instead (optional extra ``fitvault[keyring]``). Both lock across processes
with a ``<file>.lock`` next to the token file so two processes never refresh at once.

Secrets (access token, refresh token, client secret) never appear in ``repr``, logs or exception
messages: :func:`mask_secret` is the one way they are shown.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import secrets
import stat
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Mapping

import filelock

from fitvault.errors import AuthError, ConfigError, StoreError

_log = logging.getLogger(__name__)

TOKEN_FORMAT = "fitvault-google-token/1"
_FILE_MODE = 0o600
# A writer takes milliseconds; a temp file this old was left by a process killed mid-write.
_STALE_TEMP_S = 60.0


def mask_secret(value: str | None) -> str | None:
    """A printable stand-in for a secret: ``'ya29…(masked)'`` (a 4-character prefix of long values only)."""
    if value is None:
        return None
    if len(value) >= 16:
        return f"{value[:4]}…(masked)"
    return "…(masked)"


def scrub_secrets(text: str, *secret_values: str | None) -> str:
    """``text`` with every occurrence of the given secrets replaced by their masked form."""
    for value in secret_values:
        if value and len(value) >= 4 and value in text:
            text = text.replace(value, mask_secret(value) or "")
    return text


def _number(value: Any, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise AuthError(f"the token response has a non-numeric {name!r}") from None


@dataclass(frozen=True, kw_only=True)
class Token:
    """A Google OAuth token as fitvault stores it.

    Attributes:
        access_token: the bearer token (``""`` when none has been issued yet, e.g. after an import
            of credentials that only carry a refresh token).
        refresh_token: the long-lived refresh token, if any.
        expires_at: when the access token expires, epoch seconds (None: unknown).
        scopes: the scopes Google granted (the user may untick some on the consent screen).
        token_type: always ``"Bearer"`` for Google.
        client_id, client_secret: the OAuth client the refresh token belongs to.
        token_uri: the token endpoint the token came from (informational; refreshes use the
            configured endpoint).
        refresh_token_expires_at: when the refresh token dies, epoch seconds. Google only sends
            ``refresh_token_expires_in`` for apps in *Testing* publishing status (7 days).
        obtained_at: when the access token was issued, epoch seconds.
    """

    access_token: str
    refresh_token: str | None
    expires_at: float | None
    scopes: tuple[str, ...]
    token_type: str = "Bearer"
    client_id: str | None = None
    client_secret: str | None = None
    token_uri: str | None = None
    refresh_token_expires_at: float | None = None
    obtained_at: float

    def __repr__(self) -> str:
        return (
            f"Token(access_token={mask_secret(self.access_token)!r}, "
            f"refresh_token={mask_secret(self.refresh_token)!r}, expires_at={self.expires_at!r}, "
            f"scopes={self.scopes!r}, token_type={self.token_type!r}, client_id={self.client_id!r}, "
            f"client_secret={mask_secret(self.client_secret)!r}, token_uri={self.token_uri!r}, "
            f"refresh_token_expires_at={self.refresh_token_expires_at!r}, obtained_at={self.obtained_at!r})"
        )

    __str__ = __repr__

    @property
    def testing_mode(self) -> bool:
        """True when the refresh token has a fixed expiry: the OAuth app is in *Testing* status."""
        return self.refresh_token_expires_at is not None

    def expires_within(self, seconds: float, now: float) -> bool:
        """True when the access token is missing or expires within ``seconds`` of ``now``.

        An unknown expiry counts as not expiring; a 401 then triggers the refresh.
        """
        if not self.access_token:
            return True
        if self.expires_at is None:
            return False
        return self.expires_at - now <= seconds

    # --- construction from Google's token endpoint -------------------------------------------

    @classmethod
    def from_token_response(
        cls,
        resp: Mapping[str, Any],
        *,
        client_id: str | None,
        client_secret: str | None,
        token_uri: str | None,
        now: float,
    ) -> Token:
        """A token from a token-endpoint JSON response received at ``now`` (epoch seconds).

        Understands ``expires_in``, ``refresh_token_expires_in`` and the space-separated
        ``scope``. Raises :class:`AuthError` when ``access_token`` is missing.
        """
        access_token = resp.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise AuthError("the token endpoint answered without an access_token")
        if resp.get("expires_in") is not None:
            expires_at: float | None = now + _number(resp["expires_in"], "expires_in")
        elif resp.get("expires_at") is not None:
            expires_at = _number(resp["expires_at"], "expires_at")
        else:
            expires_at = None
        rt_expires_at = None
        if resp.get("refresh_token_expires_in") is not None:
            rt_expires_at = now + _number(resp["refresh_token_expires_in"], "refresh_token_expires_in")
        scope = resp.get("scope")
        scopes = tuple(scope.split()) if isinstance(scope, str) else tuple(scope or ())
        return cls(
            access_token=access_token,
            refresh_token=resp.get("refresh_token") or None,
            expires_at=expires_at,
            scopes=scopes,
            token_type=str(resp.get("token_type") or "Bearer"),
            client_id=client_id,
            client_secret=client_secret,
            token_uri=token_uri,
            refresh_token_expires_at=rt_expires_at,
            obtained_at=now,
        )

    def merged_with_refresh(self, resp: Mapping[str, Any], now: float) -> Token:
        """The token after a refresh-grant response received at ``now``.

        Google normally omits ``refresh_token`` (keep ours; replace it if one is sent), may omit
        ``scope`` (keep ours) and, in Testing mode, counts ``refresh_token_expires_in`` from the
        original consent (keep our expiry when absent).
        """
        fresh = Token.from_token_response(
            resp,
            client_id=self.client_id,
            client_secret=self.client_secret,
            token_uri=self.token_uri,
            now=now,
        )
        return replace(
            fresh,
            refresh_token=fresh.refresh_token or self.refresh_token,
            scopes=fresh.scopes or self.scopes,
            refresh_token_expires_at=(
                fresh.refresh_token_expires_at
                if fresh.refresh_token_expires_at is not None
                else self.refresh_token_expires_at
            ),
        )

    # --- serialisation -----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (it contains the secrets: write it only to a 0600 file)."""
        data = asdict(self)
        data["scopes"] = list(self.scopes)
        return {"format": TOKEN_FORMAT, **data}

    def to_json(self) -> str:
        """:meth:`to_dict` as a JSON string."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Token:
        """Inverse of :meth:`to_dict`. Raises ``ValueError`` naming the bad field, never its value."""
        if not isinstance(data, Mapping):
            raise ValueError("not a JSON object")
        if data.get("format") != TOKEN_FORMAT:
            raise ValueError(f"unknown format (expected {TOKEN_FORMAT!r})")

        def opt_str(key: str) -> str | None:
            value = data.get(key)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"field {key!r} is not a string")
            return value

        def opt_num(key: str) -> float | None:
            value = data.get(key)
            if value is None:
                return None
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"field {key!r} is not a number")
            return float(value)

        access_token = opt_str("access_token")
        if access_token is None:
            raise ValueError("field 'access_token' is missing")
        scopes = data.get("scopes", [])
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            raise ValueError("field 'scopes' is not a list of strings")
        obtained_at = opt_num("obtained_at")
        if obtained_at is None:
            raise ValueError("field 'obtained_at' is missing")
        return cls(
            access_token=access_token,
            refresh_token=opt_str("refresh_token"),
            expires_at=opt_num("expires_at"),
            scopes=tuple(scopes),
            token_type=opt_str("token_type") or "Bearer",
            client_id=opt_str("client_id"),
            client_secret=opt_str("client_secret"),
            token_uri=opt_str("token_uri"),
            refresh_token_expires_at=opt_num("refresh_token_expires_at"),
            obtained_at=obtained_at,
        )

    @classmethod
    def from_json(cls, text: str) -> Token:
        """Inverse of :meth:`to_json`. Raises ``ValueError`` that never quotes the text."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            # exc.msg / position only; json never quotes the document in its message.
            raise ValueError(f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
        return cls.from_dict(data)


class TokenStore:
    """The token in one JSON file (default ``<vault>/google-token.json``), mode 0600.

    Args:
        path: the token file. Its folder is created (mode 0700) on the first save.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r})"

    def load(self) -> Token | None:
        """The stored token; None when there is none. Raises :class:`AuthError` if unreadable."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            raise AuthError(f"cannot read the token file {self.path}: {reason}") from None
        self._tighten_mode()
        try:
            return Token.from_json(text)
        except ValueError as exc:
            raise AuthError(
                f"the token file {self.path} is damaged ({exc}); run `fitvault auth google` to replace it"
            ) from None

    def save(self, token: Token) -> None:
        """Write ``token`` atomically: 0600 temp file, fsync, rename over the old file, fsync dir.

        Raises :class:`StoreError` when the file cannot be written; the previous file is kept.
        """
        self._write_atomically(token.to_json().encode("utf-8"))
        self._remove_temp_files(older_than_s=_STALE_TEMP_S)

    def delete(self) -> None:
        """Remove the stored token, and any copy a killed writer left (no error when none)."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot delete the token file {self.path}: {exc.strerror}") from None
        self._remove_temp_files(older_than_s=0.0)

    def lock(self, timeout: float = 60.0) -> filelock.FileLock:
        """A cross-process lock on ``<path>.lock``; use it as ``with store.lock(30): ...``.

        Acquiring raises ``filelock.Timeout`` after ``timeout`` seconds.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        return filelock.FileLock(f"{self.path}.lock", timeout=timeout, mode=_FILE_MODE)

    # --- internals ---------------------------------------------------------------------------

    def _tighten_mode(self) -> None:
        if os.name != "posix":
            return
        try:
            mode = stat.S_IMODE(self.path.stat().st_mode)
            # Only a file others may read is loosened security; 0400 (a read-only vault) is
            # stricter than 0600 and is left alone (making it writable would be the opposite).
            if mode & 0o077:
                os.chmod(self.path, _FILE_MODE)
                _log.warning("token file %s had mode %o; changed to 600", self.path, mode)
        except OSError:
            pass  # not ours to fix (e.g. read-only mount); reading still worked

    def _remove_temp_files(self, *, older_than_s: float) -> None:
        """Delete temp files of earlier writes: a process killed between writing its temp file
        and renaming it leaves a full copy of the token (0600) that `auth logout` must not miss."""
        now = time.time()
        for tmp in self.path.parent.glob(f".{glob.escape(self.path.name)}.*.tmp"):
            try:
                if now - tmp.stat().st_mtime >= older_than_s:
                    tmp.unlink()
            except OSError:
                pass  # gone already, or not ours to remove

    def _write_atomically(self, payload: bytes) -> None:
        folder = self.path.parent
        tmp = folder / f".{self.path.name}.{secrets.token_hex(6)}.tmp"
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), _FILE_MODE)
            try:
                if hasattr(os, "fchmod"):
                    os.fchmod(fd, _FILE_MODE)  # exact mode whatever the umask
                view = memoryview(payload)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.path)
            if os.name == "posix":
                os.chmod(self.path, _FILE_MODE)
                dir_fd = os.open(folder, os.O_RDONLY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)
        except OSError as exc:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
            raise StoreError(f"cannot write the token file {self.path}: {exc.strerror or exc}") from None


class KeyringTokenStore(TokenStore):
    """The token in the OS keyring (needs the optional extra: ``pip install fitvault[keyring]``).

    Args:
        path: the would-be token file; only ``<path>.lock`` is created (the cross-process lock),
            and ``str(path)`` names the keyring entry so two vaults never share a token.
        service: the keyring service name.
    """

    def __init__(self, path: str | os.PathLike[str], *, service: str = "fitvault") -> None:
        super().__init__(path)
        try:
            import keyring
        except ImportError:
            raise ConfigError(
                "storing the token in the OS keyring needs the 'keyring' package: "
                "pip install fitvault[keyring]"
            ) from None
        self._keyring = keyring
        self.service = service
        self.username = f"google-token:{self.path}"

    def load(self) -> Token | None:
        """The stored token; None when there is none. Raises :class:`AuthError` if unreadable."""
        try:
            text = self._keyring.get_password(self.service, self.username)
        except Exception as exc:  # keyring backends raise their own KeyringError subclasses
            raise AuthError(f"cannot read the token from the OS keyring: {type(exc).__name__}") from None
        if text is None:
            return None
        try:
            return Token.from_json(text)
        except ValueError as exc:
            raise AuthError(
                f"the token in the OS keyring is damaged ({exc}); run `fitvault auth google` to replace it"
            ) from None

    def save(self, token: Token) -> None:
        """Store ``token`` in the keyring (the backend makes the write atomic)."""
        try:
            self._keyring.set_password(self.service, self.username, token.to_json())
        except Exception as exc:  # keyring backends raise their own KeyringError subclasses
            raise StoreError(f"cannot write the token to the OS keyring: {type(exc).__name__}") from None

    def delete(self) -> None:
        """Remove the stored token (no error when there is none)."""
        try:
            if self._keyring.get_password(self.service, self.username) is not None:
                self._keyring.delete_password(self.service, self.username)
        except Exception as exc:  # keyring backends raise their own KeyringError subclasses
            raise StoreError(f"cannot delete the token from the OS keyring: {type(exc).__name__}") from None
