"""A fake of the legacy Fitbit Web API (``api.fitbit.com``) and Fitbit's OAuth endpoints.

It serves the Google simulator's synthetic person in the legacy shapes of docs/facts/fitbit-legacy-api.md#response-shapes (floating local times, string daily values, METRIC
units), enforces the per-endpoint range limits (400 beyond), the 150-per-hour quota with its
``Fitbit-Rate-Limit-*`` headers and 429, OAuth with PKCE and single-use rotating refresh tokens
(409 on a concurrent refresh, ``invalid_grant`` on reuse), and can be switched to *retired*:
every call then answers 410 Gone, as the real service does since 2026-11-02.

Like the Google simulator it imports nothing from the rest of fitvault.
"""

from __future__ import annotations

from .config import ALL_SCOPES, FitbitSimConfig
from .core import FitbitSimulator
from .data import exercise_log_id, sleep_log_id

__all__ = ["ALL_SCOPES", "FitbitSimConfig", "FitbitSimulator", "exercise_log_id", "sleep_log_id"]
