"""The legacy Fitbit simulator's knobs, one dataclass (read at request time, so a test may flip a
field such as ``retired`` on a running simulator)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

#: Every scope of the legacy API (docs/facts/fitbit-legacy-api.md#oauth, swagger securityDefinitions).
ALL_SCOPES = (
    "activity", "cardio_fitness", "electrocardiogram", "heartrate", "irregular_rhythm_notifications", "location",
    "nutrition", "oxygen_saturation", "profile", "respiratory_rate", "settings", "sleep", "social", "temperature",
    "weight",
)


@dataclass
class FitbitSimConfig:
    """Everything that shapes a :class:`~fitvault_simulator.fitbit.FitbitSimulator`.

    Parameters:
        seed, now, history_start: the synthetic person (as the Google simulator's; ignored when
            a person is passed to the simulator).
        client_id / client_secret: the only registered app. ``app_type`` "personal" or "server"
            authenticates at the token endpoint with HTTP Basic; "client" sends ``client_id`` in
            the body and has no secret (docs/facts/fitbit-legacy-api.md#oauth).
        retired: every endpoint (API and OAuth) answers 410 Gone, as after 2026-11-02.
        latency_s: added before each API response.
        quota_limit / quota_window_s: requests per user per fixed window (150 per hour, resetting
            at the top of the hour; docs/facts/fitbit-legacy-api.md#rate-limit-and-errors). Windows are aligned on ``quota_clock``.
        quota_clock: epoch-seconds clock of the quota windows (default: real time).
        retry_after_on_429: send ``Retry-After`` (seconds to the reset) with a 429.
        access_token_ttl_s: ``expires_in`` of access tokens (28800, docs/facts/fitbit-legacy-api.md#oauth).
        refresh_delay_s: how long a refresh takes; another refresh with the same refresh token
            arriving meanwhile gets 409 (docs/facts/fitbit-legacy-api.md#oauth: concurrent refresh).
        granted_scopes: None grants what was asked; a set narrows every grant (unticked boxes).
        deny_consent: the user presses "Deny": the redirect carries ``error=access_denied``.
    """

    seed: int = 7
    now: datetime | None = None
    history_start: date = date(2025, 1, 15)
    client_id: str = "23SIMF"
    client_secret: str = "5f1c0ffee0ddba11c0ffee5ec7e70001"
    app_type: str = "personal"
    retired: bool = False
    latency_s: float = 0.0
    quota_limit: int = 150
    quota_window_s: float = 3600.0
    quota_clock: Callable[[], float] = field(default=time.time)
    retry_after_on_429: bool = True
    access_token_ttl_s: int = 28800
    refresh_delay_s: float = 0.0
    granted_scopes: set[str] | frozenset[str] | None = None
    deny_consent: bool = False
