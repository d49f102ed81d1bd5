"""What every data type module provides: a :class:`Stream`, the Google Health API's declaration
of one stream: how to ask the API for a window (its AIP-160 filter, ``list`` or ``dailyRollUp``,
follow-up requests), how to turn one raw response page into typed rows, and how to upsert them.

A *stream* is one way of fetching one Google Health data type (``heart-rate`` via ``list``,
``steps:daily`` via ``dailyRollUp`` ...). What the sync core and the store need of any stream
(name, tables, axis, save, summary) is the source-neutral :class:`fitvault.stream.Stream`; this
class adds only the Google parts. Streams are pure: no HTTP, no open files. The Google source's
walks (:mod:`fitvault.sources.google.walks`) fetch; the store does the transactions.
"""

from __future__ import annotations

import json
import math
from abc import abstractmethod
from datetime import date, datetime, timezone
from typing import Any, Callable, ClassVar, Literal

from fitvault import timeutil
from fitvault.axis import Bound
from fitvault.stream import ParsedPage, SourceKey
from fitvault.stream import SourceIds as SourceIds  # re-exported: the data type modules import it here
from fitvault.stream import Stream as SourceNeutralStream

SCOPE_PREFIX = "https://www.googleapis.com/auth/googlehealth."
ACTIVITY_SCOPE = SCOPE_PREFIX + "activity_and_fitness.readonly"
HEALTH_METRICS_SCOPE = SCOPE_PREFIX + "health_metrics_and_measurements.readonly"
SLEEP_SCOPE = SCOPE_PREFIX + "sleep.readonly"
# Opt-in scopes (asked only with `fitvault auth google --scopes +GROUP`, see auth/google.py).
# nutrition.readonly: peers read hydration and food logs with it, but the discovery document
# omits it (docs/facts/google-health-api.md#endpoints-and-scopes), so a Cloud project may not offer it: asking it by default could
# break everyone's consent for two types few people log.
NUTRITION_SCOPE = SCOPE_PREFIX + "nutrition.readonly"
ECG_SCOPE = SCOPE_PREFIX + "ecg.readonly"
IRN_SCOPE = SCOPE_PREFIX + "irn.readonly"
REPRODUCTIVE_SCOPE = SCOPE_PREFIX + "reproductive_health.readonly"
SYMPTOMS_SCOPE = SCOPE_PREFIX + "logged_symptoms.readonly"
MINDFULNESS_SCOPE = SCOPE_PREFIX + "mindfulness.readonly"

# Rollups aggregate the reconciled stream and carry no dataSource (docs/facts/google-health-api.md#rollups-over-physical-windows).
ROLLUP_SOURCE: SourceKey = ("", "", "", "", "", "dailyRollUp")

#: What parsing one malformed point may raise: the point is quarantined and the page goes on.
#: (OverflowError: ``int(1e999)``, ``date(10**30, 1, 1)``; IndexError: a list where an object was.)
POINT_ERRORS = (KeyError, IndexError, TypeError, ValueError, AttributeError, OverflowError)

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
# Plausible times of a wearable's record: none before 2000 (a zero timestamp is the classic bad
# value, and one far outside the window would also mislead a walk's cursor), none after 2200.
_EARLIEST = date(2000, 1, 1)
_LATEST = date(2200, 1, 1)
MIN_INSTANT_MS = timeutil.to_ms(datetime(2000, 1, 1, tzinfo=timezone.utc))
MAX_INSTANT_MS = timeutil.to_ms(datetime(2200, 1, 1, tzinfo=timezone.utc))
# UTC offsets in use lie within -12 h .. +14 h; ±18 h is the widest any standard allows.
MAX_OFFSET_S = 18 * 3600


def req_str(value: Any, what: str) -> str:
    """A JSON string SQLite can store; any other type makes the point malformed, and so does a
    lone surrogate (``"\\ud800"`` is valid JSON but not UTF-8: binding it would fail the page's
    transaction, and the sync with it, on every run)."""
    if not isinstance(value, str):
        raise TypeError(f"{what} is not a string: {value!r}")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"{what} is not valid Unicode text: {value!r}") from None
    return value


def opt_str(value: Any, what: str) -> str | None:
    """:func:`req_str`, or None when null/omitted."""
    return None if value is None else req_str(value, what)


def source_key(data_source: dict | None) -> SourceKey:
    """The provenance of a data point, from its ``dataSource`` (docs/facts/google-health-api.md#record-shapes). Every part is a
    string (null counts as omitted); another type makes the point malformed."""
    if not data_source:
        return ("", "", "", "", "", "")
    device = data_source.get("device") or {}
    app = data_source.get("application") or {}
    return (
        opt_str(data_source.get("platform"), "dataSource.platform") or "",
        opt_str(device.get("displayName"), "dataSource.device.displayName") or "",
        opt_str(device.get("manufacturer"), "dataSource.device.manufacturer") or "",
        opt_str(device.get("formFactor"), "dataSource.device.formFactor") or "",
        opt_str(data_source.get("recordingMethod"), "dataSource.recordingMethod") or "",
        opt_str(app.get("packageName") or app.get("webClientId") or app.get("googleWebClientId"),
                "dataSource.application") or "",
    )


def int64(value: Any, default: int | None = None) -> int | None:
    """proto3-JSON int64 (sent as a string, docs/facts/google-health-api.md#service-basics, or a whole JSON number) -> int;
    omitted -> default. A boolean, a fraction, a non-finite number or a value beyond int64 is
    malformed (ValueError/TypeError), never silently truncated or passed on to SQLite."""
    if value is None:
        return default
    if isinstance(value, str):
        n = int(value)
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"not an integer: {value!r}")
    elif isinstance(value, float) and not value.is_integer():
        raise ValueError(f"not a whole number: {value!r}")
    else:
        n = int(value)
    if not _INT64_MIN <= n <= _INT64_MAX:
        raise ValueError(f"beyond the int64 range: {value!r}")
    return n


def flag_value(value: Any, what: str) -> int:
    """A proto3 bool as 0/1 (omitted = false); a string such as ``"false"`` is malformed."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    raise TypeError(f"{what} is not a boolean: {value!r}")


def instant_ms(text: Any) -> int:
    """An RFC 3339 instant -> epoch ms, refusing impossible times (before 2000, after 2200)."""
    ms = timeutil.parse_instant_ms(text)
    if not MIN_INSTANT_MS <= ms < MAX_INSTANT_MS:
        raise ValueError(f"impossible time: {text!r}")
    return ms


def offset_s(text: Any) -> int:
    """A proto3 duration UTC offset -> seconds, refusing offsets beyond ±18 h."""
    off = timeutil.parse_offset_s(text)
    if not -MAX_OFFSET_S <= off <= MAX_OFFSET_S:
        raise ValueError(f"impossible UTC offset: {text!r}")
    return off


def civil_date(obj: Any) -> date:
    """A ``{"year", "month", "day"}`` date, refusing impossible ones (before 2000, after 2200)."""
    day = timeutil.date_from_json(obj)
    if not _EARLIEST <= day < _LATEST:
        raise ValueError(f"impossible date: {day.isoformat()}")
    return day


def page_items(body: dict, key: str, page: ParsedPage) -> list:
    """The list ``body[key]`` (absent: empty). Anything else there makes the whole page
    unusable (``page.malformed``): the sync fails that window, visibly and resumably, instead
    of taking the page for an empty one and moving on past its data."""
    items = body.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        page.malformed = f"{key} is a {type(items).__name__}, not a list"
        return []
    return items


# Value ranges of the discovery document (health.v4.json, revision 20261030: "Must be in the range
# `[a, b]`"). A value inside its range is stored as sent; one outside cannot have been accepted by the
# API itself, so it is corrupt and its point is quarantined. Fields the document gives no range
# take the range of the documented field that measures the same quantity (noted where used).
DISC_BPM = (1, 300)                 # HeartRate.beatsPerMinute
DISC_PCT = (0.0, 100.0)             # OxygenSaturation / DailyOxygenSaturation / BodyFat percentages
DISC_VO2 = (0.0, 100.0)             # VO2Max / DailyVO2Max / RunVO2Max, ml/kg/min
DISC_RMSSD_MS = (1.0, 200.0)        # HeartRateVariability.rootMeanSquareOfSuccessiveDifferencesMilliseconds
DISC_CELSIUS = (0.0, 100.0)         # CoreBodyTemperature.temperatureCelsius
DISC_WEIGHT_G = (0.0, 1_000_000.0)  # Weight.weightGrams
DISC_HEIGHT_MM = (0, 3000)          # Height.heightMillimeters
DISC_STEPS = (0, 1_000_000)         # Steps.count (per interval)
DISC_FLOORS = (0, 1_000_000)        # Floors.count
DISC_DISTANCE_MM = (0, 1_000_000_000)  # Distance.millimeters
DISC_KCAL = (0.0, 1_000_000.0)      # ActiveEnergyBurned.kcal (the widest energy range documented)


def plausible(value: float | int | None, lo: float, hi: float, what: str) -> None:
    """Raise ValueError for a value outside its documented range (``DISC_*`` above): the point
    is quarantined and reported instead of stored."""
    if value is not None and not lo <= value <= hi:
        raise ValueError(f"impossible {what}: {value} (expected {lo}..{hi})")


class Stream(SourceNeutralStream):
    """One way of fetching one Google Health data type. Subclasses set the class attributes
    below (and those of :class:`fitvault.stream.Stream`)."""

    data_type: ClassVar[str]                 # Google Health type id (kebab-case path id)
    operation: ClassVar[Literal["list", "dailyRollUp"]] = "list"
    page_size: ClassVar[int] = 10000         # the API's maximum (docs/facts/google-health-api.md#list-and-paging)
    max_window_days: ClassVar[int | None] = None   # dailyRollUp range cap (docs/facts/google-health-api.md#daily-rollups)

    # -- request shape -------------------------------------------------------------------
    def filter_text(self, lower: Bound, upper: Bound) -> str:
        """The AIP-160 filter for [lower, upper) (list streams, docs/facts/google-health-api.md#filters)."""
        field_name = self.filter_field()
        lo, hi = self.axis.filter_value(lower), self.axis.filter_value(upper)
        return f'{field_name} >= "{lo}" AND {field_name} < "{hi}"'

    def alternative_filters(self, lower: Bound, upper: Bound) -> list[str]:
        """Filters to try in order when the server refuses one (see sleep)."""
        return [self.filter_text(lower, upper)]

    def filter_field(self) -> str:
        """The field the filter compares (list streams; a rollup stream has none)."""
        raise NotImplementedError(f"{self.name} is read with {self.operation}, which takes no filter")

    def window_days(self) -> int | None:
        """Rollup windows span the 90 days the API allows (less for capped types, docs/facts/google-health-api.md#daily-rollups);
        a list window is the whole range, paged."""
        if self.operation == "dailyRollUp":
            return self.max_window_days or 90
        return None

    def requests_for(self, days: float, per_day: float, page_size: int) -> int:
        """A rollup answers a day per record, ``page_size`` days a request; a list page holds
        ``page_size`` records."""
        if self.operation == "dailyRollUp":
            return max(1, math.ceil(days / self.page_size))
        return super().requests_for(days, per_day, page_size)

    # -- parsing -------------------------------------------------------------------------
    @abstractmethod
    def parse(self, body: dict) -> ParsedPage:
        """Turn one response body into typed rows. Never raises for one bad point."""

    def parse_bytes(self, body: bytes) -> ParsedPage:
        """:meth:`parse` of a raw response body (a stream may read the bytes faster itself)."""
        return self.parse(json.loads(body))

    # -- follow-up requests (only exercise has them: its GPS route) -------------------------
    def detail_request(self, record_id: str) -> tuple[str, dict[str, str]]:
        """The follow-up media download: path (relative to ``/v4/users/me``) and query
        parameters (the client adds ``alt=media``). Only streams with a ``details_table``."""
        raise NotImplementedError

    def wanted_details(self, page: ParsedPage, have: set[str]) -> list[str]:
        """Ids of this page's records whose details are not stored yet (``have``)."""
        return []

    def page_ids(self, page: ParsedPage) -> list[str]:
        """Ids of this page's records (for :meth:`wanted_details`)."""
        return []

    def parse_detail(self, record_id: str, body: bytes) -> tuple:
        """The follow-up's row from its raw response body (ValueError when unusable)."""
        raise NotImplementedError


GoogleStream = Stream


def parse_points(
    body: dict, parse_one: Callable[[dict], tuple], position: Callable[[tuple], Bound]
) -> ParsedPage:
    """Shared loop for ``list`` pages: parse each point, quarantine the ones that fail."""
    page = ParsedPage()
    rows = page.rows
    for point in page_items(body, "dataPoints", page):
        try:
            rows.append(parse_one(point))
        except POINT_ERRORS as exc:
            page.bad.append((f"{type(exc).__name__}: {exc}", point))
    if rows:
        positions = [position(r) for r in rows]
        page.oldest, page.newest = min(positions), max(positions)
    return page
