"""Wiring: an authenticated API client for a vault folder.

The CLI, the demo and the Python API build their client here, so every caller gets the same
token handling (refresh before expiry, once on 401, cross-process lock), the same quota and the
same retry policy.
"""

from __future__ import annotations

from typing import Callable

import httpx

from fitvault.auth.tokens import KeyringTokenStore, TokenStore
from fitvault.config import GoogleEndpoints, VaultPaths, load_config_file
from fitvault.errors import ConfigError, NotAuthenticated
from fitvault.sources.google.auth import GoogleAuth
from fitvault.sources.google.client import HealthApiClient, RetryPolicy
from fitvault.sources.google.ratelimit import RollingWindowLimiter

DEFAULT_QUOTA_PER_MINUTE = 300   # per user (docs/facts/google-health-api.md#quota)
DEFAULT_CONCURRENCY = 4


def token_store(paths: VaultPaths) -> TokenStore:
    """Where the vault's Google token lives: ``google-token.json`` (0600), or the OS keyring when
    ``config.toml`` says ``[auth] token_store = "keyring"`` (needs ``fitvault[keyring]``)."""
    kind = load_config_file(paths).get("auth", {}).get("token_store", "file")
    if kind == "keyring":
        return KeyringTokenStore(paths.google_token)
    if kind != "file":
        raise ConfigError(f'[auth] token_store in config.toml must be "file" or "keyring", got {kind!r}')
    return TokenStore(paths.google_token)


def granted_scopes(paths: VaultPaths) -> set[str]:
    """The scopes of the stored token; NotAuthenticated when there is none."""
    token = token_store(paths).load()
    if token is None:
        raise NotAuthenticated(
            f"no Google token in {paths.root}: run `fitvault auth google --client-secrets FILE` first "
            "(or `fitvault demo` to try fitvault on the built-in simulator)"
        )
    return set(token.scopes)


def api_client(
    paths: VaultPaths,
    endpoints: GoogleEndpoints,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    quota_per_minute: int = DEFAULT_QUOTA_PER_MINUTE,
    retry: RetryPolicy = RetryPolicy(),
    timeout_s: float = 60.0,
    transport: httpx.BaseTransport | None = None,
    on_request: Callable[[str, str, int | None, float], None] | None = None,
    store: TokenStore | None = None,
) -> HealthApiClient:
    """An API client authenticated with the vault's stored Google token (or the token in
    ``store``: a study keeps each participant's grant in its database)."""
    auth = GoogleAuth(store if store is not None else token_store(paths), endpoints)
    return HealthApiClient(
        endpoints.api_url,
        auth,
        limiter=RollingWindowLimiter(quota_per_minute, 60.0),
        retry=retry,
        timeout_s=timeout_s,
        transport=transport,
        max_connections=concurrency + 2,
        on_request=on_request,
    )
