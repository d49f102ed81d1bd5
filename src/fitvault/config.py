"""Where things are: the vault folder, its files, and the Google and legacy Fitbit endpoints.

Resolution order for the vault folder: the ``--vault`` option, then ``FITVAULT_HOME``, then the
user's data directory (``platformdirs``). Endpoints: environment variables
(``FITVAULT_GOOGLE_API_URL``, ``..._AUTH_URL``, ``..._TOKEN_URL``, ``..._REVOKE_URL``), then the
``[google]`` table of ``<vault>/config.toml``, then Google's real URLs. The legacy Fitbit Web API
(``fitvault auth fitbit``, ``fitvault sync --source fitbit``) resolves the same way from
``FITVAULT_FITBIT_API_URL``, ``..._AUTH_URL``, ``..._TOKEN_URL``, ``..._REVOKE_URL`` and the
``[fitbit]`` table. Environment values are read here, once, by the CLI and the public API, never
deep inside constructors.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import platformdirs

from fitvault.errors import ConfigError

GOOGLE_API_URL = "https://health.googleapis.com"
GOOGLE_AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
GOOGLE_REVOKE_URL = "https://oauth2.googleapis.com/revoke"

# The legacy Fitbit Web API and its OAuth endpoints (turned off on 2026-11-02; docs/facts/fitbit-legacy-api.md#status-and-shutdown, docs/facts/fitbit-legacy-api.md#oauth).
FITBIT_API_URL = "https://api.fitbit.com"
FITBIT_AUTH_URL = "https://www.fitbit.com/oauth2/authorize"
FITBIT_TOKEN_URL = "https://api.fitbit.com/oauth2/token"
FITBIT_REVOKE_URL = "https://api.fitbit.com/oauth2/revoke"

_ENDPOINT_KEYS = {
    "api_url": ("FITVAULT_GOOGLE_API_URL", GOOGLE_API_URL),
    "auth_url": ("FITVAULT_GOOGLE_AUTH_URL", GOOGLE_AUTH_URL),
    "token_url": ("FITVAULT_GOOGLE_TOKEN_URL", GOOGLE_TOKEN_URL),
    "revoke_url": ("FITVAULT_GOOGLE_REVOKE_URL", GOOGLE_REVOKE_URL),
}


@dataclass(frozen=True)
class GoogleEndpoints:
    """The four URLs fitvault talks to. ``api_url`` is the root; paths ``/v4/...`` go below it."""

    api_url: str = GOOGLE_API_URL
    auth_url: str = GOOGLE_AUTH_URL
    token_url: str = GOOGLE_TOKEN_URL
    revoke_url: str = GOOGLE_REVOKE_URL


_FITBIT_ENDPOINT_KEYS = {
    "api_url": ("FITVAULT_FITBIT_API_URL", FITBIT_API_URL),
    "auth_url": ("FITVAULT_FITBIT_AUTH_URL", FITBIT_AUTH_URL),
    "token_url": ("FITVAULT_FITBIT_TOKEN_URL", FITBIT_TOKEN_URL),
    "revoke_url": ("FITVAULT_FITBIT_REVOKE_URL", FITBIT_REVOKE_URL),
}


@dataclass(frozen=True)
class FitbitEndpoints:
    """The legacy Fitbit Web API's URLs. ``api_url`` is the root; paths ``/1/user/-/...`` go below it."""

    api_url: str = FITBIT_API_URL
    auth_url: str = FITBIT_AUTH_URL
    token_url: str = FITBIT_TOKEN_URL
    revoke_url: str = FITBIT_REVOKE_URL


@dataclass(frozen=True)
class VaultPaths:
    """The files of one vault folder."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "vault.sqlite"

    @property
    def raw_archive(self) -> Path:
        return self.root / "raw.sqlite"

    @property
    def google_token(self) -> Path:
        return self.root / "google-token.json"

    @property
    def fitbit_token(self) -> Path:
        return self.root / "fitbit-token.json"

    @property
    def config_file(self) -> Path:
        return self.root / "config.toml"

    @property
    def sync_lock(self) -> Path:
        return self.root / "sync.lock"


def default_vault_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The vault folder used when ``--vault`` is not given."""
    env = os.environ if environ is None else environ
    if env.get("FITVAULT_HOME"):
        return Path(env["FITVAULT_HOME"]).expanduser()
    return Path(platformdirs.user_data_dir("fitvault", appauthor=False))


def demo_vault_dir() -> Path:
    """Where `fitvault demo` writes unless --vault is given: apart from the real vault."""
    return Path(platformdirs.user_data_dir("fitvault-demo", appauthor=False))


def load_config_file(paths: VaultPaths) -> dict:
    """The vault's ``config.toml`` as a dict ({} when absent)."""
    try:
        with paths.config_file.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {paths.config_file}: {exc}") from exc


def resolve_endpoints(config: Mapping | None = None, environ: Mapping[str, str] | None = None) -> GoogleEndpoints:
    """Endpoints from the environment, then the config file's ``[google]`` table, then defaults."""
    env = os.environ if environ is None else environ
    table = dict((config or {}).get("google", {}))
    values = {}
    for key, (env_name, default) in _ENDPOINT_KEYS.items():
        value = env.get(env_name) or table.get(key) or default
        if not str(value).startswith(("http://", "https://")):
            raise ConfigError(f"{env_name} / [google].{key} must be an http(s) URL, got {value!r}")
        values[key] = str(value).rstrip("/") if key == "api_url" else str(value)
    return GoogleEndpoints(**values)


def resolve_fitbit_endpoints(config: Mapping | None = None, environ: Mapping[str, str] | None = None) -> FitbitEndpoints:
    """Legacy Fitbit endpoints from the environment, then the ``[fitbit]`` table, then defaults."""
    env = os.environ if environ is None else environ
    table = dict((config or {}).get("fitbit", {}))
    values = {}
    for key, (env_name, default) in _FITBIT_ENDPOINT_KEYS.items():
        value = env.get(env_name) or table.get(key) or default
        if not str(value).startswith(("http://", "https://")):
            raise ConfigError(f"{env_name} / [fitbit].{key} must be an http(s) URL, got {value!r}")
        values[key] = str(value).rstrip("/") if key == "api_url" else str(value)
    return FitbitEndpoints(**values)
