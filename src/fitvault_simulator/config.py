"""The simulator's knobs, one dataclass.

The server reads the config at request time, so a test may flip a field (``account_linked``,
``deny_consent``, ``empty_page_every`` ...) on a running simulator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

DEFAULT_LIST_REFUSED = ("floors", "total-calories", "calories-in-heart-rate-zone")


@dataclass
class SimulatorConfig:
    """Everything that shapes a :class:`~fitvault_simulator.Simulator`.

    Parameters:
        seed: all synthetic data derives from it.
        now: tz-aware UTC start of the simulated clock. Given: the clock is frozen and moves
            only by ``clock.advance``/``clock.set``. ``None``: it follows real UTC time.
        latency_s: base latency added before each ``/v4`` response.
        latency_per_kib_s: extra latency per KiB of ``/v4`` response body.
        quota_per_window: per-user ``/v4`` requests allowed in any rolling ``quota_window_s``
            seconds of wall time (docs/facts/google-health-api.md#quota: 300 per minute).
        quota_window_s: the rolling window, in real (wall) seconds.
        retry_after_on_429: send ``Retry-After`` (integer seconds) with every 429.
        access_token_ttl_s: ``expires_in`` of access tokens (docs/facts/google-health-api.md#endpoints-and-scopes: 3599).
        testing_mode: the Cloud project is in "Testing": token responses carry
            ``refresh_token_expires_in: 604799`` and refresh tokens die 7 days (simulated clock)
            after consent (docs/facts/google-health-api.md#testing-mode-and-account-requirements).
        account_linked: ``False`` makes every ``/v4`` call answer 400 ACCOUNT_NOT_LINKED (docs/facts/google-health-api.md#errors).
        granted_scopes: ``None`` grants what was asked; a set narrows every grant to it, as a
            user unticking boxes on the granular consent screen (docs/facts/google-health-api.md#endpoints-and-scopes).
        deny_consent: the user presses "Cancel": the auth endpoint redirects with
            ``error=access_denied``.
        empty_page_every: N > 0 makes every Nth list page an empty page that still carries a
            ``nextPageToken`` (docs/facts/google-health-api.md#list-and-paging); never two empty pages in a row.
        daily_rollup_end_inclusive: the docs/facts/google-health-api.md#daily-rollups conflict: ``False`` (DISC) serves dailyRollUp
            ranges closed-open, ``True`` (P-DGH) includes the end date.
        list_refused_types: data type ids whose ``list`` answers 400 UNSUPPORTED_DATA_TYPE_ACTION.
        daily_rollup_refused_types: data type ids whose ``dailyRollUp`` answers 400
            UNSUPPORTED_DATA_TYPE_ACTION (``activity-level`` live, P-MCP).
        paired_devices_page_max: the largest ``pairedDevices`` page (DISC: 100); smaller makes
            the devices page.
        has_health_profile: ``False``: every ``/v4`` call answers 412 "Precondition check failed."
            (the Google account has no Google Health profile yet, docs/facts/google-health-api.md#errors).
        profile_membership_start: ``False`` leaves ``membershipStartDate`` out of the profile (as
            in django-google-health's live capture, docs/facts/google-health-api.md#settled-by-captured-payloads).
        heart_rate_interval_s: spacing of heart-rate samples while a device is worn: 2 s live
            (~37-43k samples a day on current devices, haelan volume.md and the mcp-fitbit-air
            page); 0 draws irregular 1-15 s spacing instead (~11k a day), which tests that sync
            many days use to stay fast.
        history_start: the profile's ``membershipStartDate``; no data before its local midnight.
        client_id / client_secret: the Desktop ("installed") OAuth client the simulator knows.
        people: how many synthetic persons it serves (a study's participants). Person 0 is
            the person of ``seed``; person ``i`` > 0 derives from ``(seed, i)``. Each has its own
            health user id, tokens, per-user quota and ground truth (``sim.persons[i]``), and signs
            in as ``person{i}@sim.example`` (``login_hint``, or the account chooser page shown
            when ``people`` > 1 and no hint is given). ``people=1`` is the simulator as it was.
        web_client_id / web_client_secret: the "web" OAuth client (a study's enrolment server);
            its redirect URIs are those given to ``Simulator.client_secrets(kind="web", ...)``,
            and the authorize endpoint accepts no other.
    """

    seed: int = 7
    now: datetime | None = None
    latency_s: float = 0.0
    latency_per_kib_s: float = 0.0
    quota_per_window: int = 300
    quota_window_s: float = 60.0
    retry_after_on_429: bool = True
    access_token_ttl_s: int = 3599
    testing_mode: bool = False
    account_linked: bool = True
    granted_scopes: set[str] | frozenset[str] | None = None
    deny_consent: bool = False
    empty_page_every: int = 0
    daily_rollup_end_inclusive: bool = False
    list_refused_types: tuple[str, ...] = field(default=DEFAULT_LIST_REFUSED)
    daily_rollup_refused_types: tuple[str, ...] = ("activity-level",)
    paired_devices_page_max: int = 100
    has_health_profile: bool = True
    profile_membership_start: bool = True
    heart_rate_interval_s: int = 2
    history_start: date = date(2025, 1, 15)
    client_id: str = "fitvault-sim-client.apps.googleusercontent.com"
    client_secret: str = "GOCSPX-sim-secret"
    people: int = 1
    web_client_id: str = "fitvault-sim-web.apps.googleusercontent.com"
    web_client_secret: str = "GOCSPX-sim-web-secret"
