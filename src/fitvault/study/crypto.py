"""The study key: grants and the OAuth client secret are encrypted at rest with it (Fernet:
AES-128-CBC + HMAC-SHA256, from ``cryptography``).

The key is ``$FITVAULT_STUDY_KEY`` (a Fernet key, urlsafe base64 of 32 bytes), else the file
``<study dir>/study.key`` (0600) that ``fitvault study init`` creates. The database alone is not
enough to read a grant: a copy of it without the key is ciphertext. Keep the key file out of
database backups and back it up separately (docs/study.md).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from fitvault.errors import ConfigError

ENV_KEY = "FITVAULT_STUDY_KEY"
KEY_FILE = "study.key"


class GrantCipher:
    """Encrypts and decrypts the study's secrets; its ``repr`` never shows the key."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
            self._key = bytes(key)
        except (ValueError, TypeError):
            raise ConfigError(
                f"the study key is not a valid Fernet key (32 url-safe base64-encoded bytes); check {ENV_KEY} "
                f"or {KEY_FILE}"
            ) from None

    def __repr__(self) -> str:
        return "GrantCipher(key=…(masked))"

    @staticmethod
    def new_key() -> bytes:
        return Fernet.generate_key()

    @classmethod
    def load(cls, study_dir: Path | None) -> GrantCipher:
        """The key from ``$FITVAULT_STUDY_KEY``, else ``<study_dir>/study.key``; ConfigError if neither."""
        env = os.environ.get(ENV_KEY)
        if env:
            return cls(env.strip().encode())
        if study_dir is None:
            raise ConfigError(f"no study key: set {ENV_KEY} or pass --study-dir (the folder holding {KEY_FILE})")
        path = Path(study_dir) / KEY_FILE
        try:
            return cls(path.read_bytes().strip())
        except FileNotFoundError:
            raise ConfigError(
                f"no study key at {path}: run `fitvault study init` (it creates one), or set {ENV_KEY}"
            ) from None

    @classmethod
    def create(cls, study_dir: Path) -> GrantCipher:
        """Load the key of ``study_dir`` (or the environment's), creating ``study.key`` (0600) if there is none."""
        path = Path(study_dir) / KEY_FILE
        if os.environ.get(ENV_KEY) or path.exists():
            return cls.load(study_dir)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = cls.new_key()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key + b"\n")
        os.chmod(path, 0o600)
        return cls(key)

    def fingerprint(self, purpose: str, value: str) -> str:
        """A keyed hash of ``value`` (HMAC-SHA256 under a key derived from the study key for
        ``purpose``): equal values match, yet the database alone neither shows nor confirms the
        value (a guess cannot be checked without the key)."""
        derived = hmac.new(self._key, b"fitvault-study:" + purpose.encode(), hashlib.sha256).digest()
        return hmac.new(derived, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def encrypt(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt(self, data: bytes) -> bytes:
        """The plaintext; ConfigError when the data was encrypted with another key or altered."""
        try:
            return self._fernet.decrypt(bytes(data))
        except InvalidToken:
            raise ConfigError(
                "a stored grant cannot be decrypted with this study key (another key, or the data was altered); "
                f"check {ENV_KEY} / {KEY_FILE}"
            ) from None
