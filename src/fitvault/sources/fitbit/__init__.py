"""The legacy Fitbit Web API as a fitvault source (``fitvault sync --source fitbit``).

The API was turned off on 2026-11-02: every call now answers 410 Gone, which fitvault reports
as :class:`~fitvault.errors.FitbitApiRetired` with what to do instead (the Google Health API,
or a Takeout import). Until then, and against the simulator, it syncs into the same vault
tables as the Google source, with ``sources.origin = "fitbit-web-api"``. See
``docs/fitbit-legacy.md``.

Layout: one short module per data set (:mod:`.heart_rate`, :mod:`.activity`, :mod:`.sleep`,
:mod:`.vitals`, :mod:`.body`, :mod:`.exercises`) on a shared base (:mod:`.base`); the HTTP
client (:mod:`.client`) with its hourly budget (:mod:`.ratelimit`); local-time handling
(:mod:`fitvault.timeutil`); the profile's context, the plan and :class:`~.engine.FitbitSource`, the
walks the sync core's one run loop (:mod:`fitvault.sync`) drives (:mod:`.engine`).

Python use::

    from fitvault.config import VaultPaths, resolve_fitbit_endpoints
    from fitvault.sources import fitbit
    from fitvault.store.vault import Vault
    from fitvault.sync import SyncOptions, sync_lock

    paths = VaultPaths(folder)
    with sync_lock(paths), Vault(folder) as vault, fitbit.client_for(paths, resolve_fitbit_endpoints()) as client:
        report = fitbit.sync(vault, client, SyncOptions(since=date(2026, 1, 1)),
                             granted_scopes=fitbit.granted_scopes(paths))
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from fitvault.config import FitbitEndpoints, VaultPaths
from fitvault.sources.fitbit.auth import FitbitAuth, FitbitTokenStore, token_scopes
from fitvault.sources.fitbit.base import ORIGIN, FitbitStream
from fitvault.sources.fitbit.client import FitbitClient, FitbitResponse
from fitvault.sources.fitbit.engine import (
    STREAMS,
    STREAMS_BY_NAME,
    TYPE_IDS,
    Context,
    FitbitSource,
    make_plan,
    read_context,
    replay,
    run_plan,
    streams_for_types,
    sync,
)
from fitvault.sources.fitbit.ratelimit import DEFAULT_MARGIN_S, HourlyLimiter, Quota, WaitEvent
from fitvault.sources.google.client import RetryPolicy

__all__ = [
    "DEFAULT_MARGIN_S", "ORIGIN", "STREAMS", "STREAMS_BY_NAME", "TYPE_IDS", "Context", "FitbitClient", "FitbitSource",
    "FitbitResponse", "FitbitStream", "HourlyLimiter", "Quota", "WaitEvent", "client_for", "granted_scopes",
    "make_plan", "read_context", "replay", "run_plan", "streams_for_types", "sync", "token_store",
]


def token_store(paths: VaultPaths) -> FitbitTokenStore:
    """The vault's Fitbit token file (``fitbit-token.json``, mode 0600)."""
    return FitbitTokenStore(paths.fitbit_token)


def granted_scopes(paths: VaultPaths) -> set[str]:
    """The scopes of the stored Fitbit token; NotAuthenticated when there is none."""
    return token_scopes(token_store(paths))


def client_for(
    paths: VaultPaths,
    endpoints: FitbitEndpoints,
    *,
    margin_s: float = DEFAULT_MARGIN_S,
    on_wait: Callable[[WaitEvent], None] | None = None,
    limiter: HourlyLimiter | None = None,
    retry: RetryPolicy = RetryPolicy(),
    timeout_s: float = 60.0,
    transport: httpx.BaseTransport | None = None,
    auth: httpx.Auth | None = None,
) -> FitbitClient:
    """A :class:`FitbitClient` signed with the vault's stored Fitbit token.

    Args:
        margin_s: seconds waited past each hourly reset.
        on_wait: countdown callback while the hourly budget is spent (the CLI draws it).
        limiter: a ready limiter (tests inject one with a fake clock); overrides the two above.
        auth: a ready ``httpx.Auth`` (default: :class:`FitbitAuth` on the vault's token file).
    """
    return FitbitClient(
        endpoints.api_url,
        auth if auth is not None else FitbitAuth(token_store(paths), endpoints),
        limiter=limiter or HourlyLimiter(margin_s=margin_s, on_wait=on_wait),
        retry=retry,
        timeout_s=timeout_s,
        transport=transport,
    )
