"""The vault as pandas DataFrames: :func:`open` and :class:`VaultReader`.

This module is the public surface and stays light (no pandas/numpy at import, so ``import
fitvault`` stays cheap); each method delegates to an implementation module (``_heart``,
``_sleep``, ``_activity``, ``_daily``, ``_frames``) loaded on first use.

**Bounds.** Every method takes ``start=None, end=None``: a ``'YYYY-MM-DD'`` string or a
``date`` is a *local calendar day*, and both ends are inclusive (like ``.loc``); a tz-aware
``datetime``/``pd.Timestamp`` is an instant and the range is ``[start, end)``; a naive one (or a
``'YYYY-MM-DD HH:MM'`` string) is local wall time, also ``[start, end)``. "Local" is always the
record's own wall clock (instant + the UTC offset stored with it), whatever ``tz`` is. Records
are selected by their start (interval types), their time (samples), the local date of their
end (sleep: the night), their start (exercise) or their day (daily types). On daily tables a
datetime bound selects the days whose local midnight is in ``[start, end)``.

**Time index rule.** pandas holds one time zone per index, records carry their own offsets.
With ``tz=None``: if every row's offset equals the home zone's offset at that instant (the
``account`` key ``time_zone``, an IANA name), the index is in the home zone; else if all rows
share one offset, a fixed-offset zone; else the home zone (UTC if unknown). ``tz="UTC"`` or an
IANA name forces that zone. Either way the ``local_time`` column holds the exact wall-clock
time in the record's own offset (tz-naive; exact across DST and travel) and ``utc_offset_s``
the offset in seconds. Sample frames are indexed by ``time``, intervals and sessions by
``start`` with an ``end`` column in the same zone; daily frames by ``date``, a tz-naive
midnight ``DatetimeIndex``. Rows ascend; timestamps have millisecond resolution.

**Dtypes.** NOT NULL integers are ``int64``, nullable ones pandas ``Int64``; REAL is
``float64``; text is pandas ``str``; flags are ``bool`` (``boolean`` when nullable);
``device`` is categorical (the source's device display name; missing when the API gave none).
An empty result is an empty frame with the same columns and dtypes.

**Several origins on one day** (the API, a Takeout import, a tutorial CSV: ``sources.origin``):
per table and local day, only the rows of the best-ranked origin present that day are read
(``google-health-api`` > ``fitbit-web-api`` > ``takeout-google-data`` > ``takeout-global-export``
> ``account-archive`` > ``fitabase-export`` > ``tutorial-csv``; :mod:`fitvault.store.origins`),
so the same heartbeat imported three ways is counted once. Stages, splits and events follow their session. The
exports apply the same rule.

**Several sources on one day** (two devices, a manual entry): per-source frames keep every
row. Where one value per day is needed (:meth:`VaultReader.daily`, daily sums), sources rank:
the better origin first, then wearables (form factor FITNESS_BAND, WATCH, RING, CHEST_STRAP),
then other automatic sources, then MANUAL entries; ties go to the lowest source id.
"""

from __future__ import annotations

import importlib
import os
import sqlite3
from contextlib import contextmanager
from datetime import date, datetime, tzinfo
from types import ModuleType
from typing import TYPE_CHECKING, Any, Iterator, Sequence, Union

from fitvault.config import default_vault_dir
from fitvault.errors import ConfigError, StoreError, VaultCorrupt
from fitvault.store.readonly import open_read_only, vault_database
from fitvault.timeutil import zone_info

if TYPE_CHECKING:
    import pandas as pd

#: ``start``/``end``: 'YYYY-MM-DD', a date, a datetime / pd.Timestamp, or None (open).
TimeBound = Union[str, date, datetime, None]
#: ``tz``: None (the time-index rule), 'UTC', an IANA name, or a tzinfo.
Tz = Union[str, tzinfo, None]

MIN_SCHEMA_VERSION = 2  # the tables of migrations 001 and 002


class InvalidQuery(ConfigError, ValueError):
    """A bad argument to the Python API (unknown table, frequency, time zone or bound)."""


def open(path: str | os.PathLike[str] | None = None) -> VaultReader:  # noqa: A001 - fitvault.open
    """Open a vault read-only for pandas.

    Args:
        path: the vault folder or its ``vault.sqlite``; None opens the default vault exactly as
            the CLI does (``FITVAULT_HOME``, else the user data directory).

    Raises:
        StoreError: no vault there, or it cannot be opened (or its schema is too old).
        VaultCorrupt: the file is not a fitvault vault or is damaged.
    """
    return VaultReader(path)


def _impl(name: str) -> ModuleType:
    return importlib.import_module(f"fitvault.query._{name}")


class VaultReader:
    """A read-only view of one vault. See the module docstring for the common parameters
    (``start``, ``end``, ``tz``), the time-index rule and dtypes; ``convert=True`` converts
    units (distance_mm→distance_km, weight_g→weight_kg, height_mm→height_cm, mm/s→km/h; see
    :func:`fitvault.datatypes.tables.convert`).

    The SQLite file is opened with ``mode=ro`` and ``PRAGMA query_only``: nothing is ever
    written or migrated, and reading works while a sync writes (WAL). Each method reads one
    consistent snapshot. Use as a context manager or call :meth:`close`. One reader per thread.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.database = vault_database(default_vault_dir() if path is None else path)
        self._conn = open_read_only(self.database)
        self._cache: dict[str, Any] = {}
        try:
            self.schema_version: int = self._conn.execute("PRAGMA user_version").fetchone()[0]
            if self.schema_version < MIN_SCHEMA_VERSION:
                raise StoreError(
                    f"{self.database} has schema version {self.schema_version}; this fitvault reads "
                    f"{MIN_SCHEMA_VERSION} or later: run `fitvault --vault {self.database.parent} status` once to upgrade it"
                )
            self.home_zone: str | None = _home_zone(self._conn)
        except sqlite3.Error as exc:
            self._conn.close()
            raise VaultCorrupt(f"{self.database} cannot be read: {exc}") from exc
        except StoreError:
            self._conn.close()
            raise

    @property
    def plot(self) -> Any:
        """Figures of this vault: ``v.plot.heart()``, ``v.plot.sleep(...)`` — a
        :class:`fitvault.plots.Plotter` (matplotlib is imported on first use)."""
        return importlib.import_module("fitvault.plots").Plotter(self)

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Close the database connection (idempotent)."""
        self._conn.close()

    def __enter__(self) -> VaultReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<VaultReader {str(self.database)!r}>"

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: several queries see the same state while a sync commits."""
        conn = self._conn
        if conn.in_transaction:
            yield conn
            return
        try:
            conn.execute("BEGIN")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the vault: {exc}") from exc
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")

    # -- heart -----------------------------------------------------------------------------
    def heart_rate(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None,
                   resample: str | None = None) -> pd.DataFrame:
        """Heart-rate samples (table ``heart_rate``), or local wall-clock buckets.

        Args:
            resample: None for every sample; a pandas frequency (``"1min"``, ``"5min"``, ``"1h"``,
                ``"1D"``, also ``"W"``, ``"MS"`` ...) for buckets of the local wall clock (of ``tz``
                when given, else each record's own offset): on a fall-back day the repeated hour
                is one bucket, the skipped spring-forward hour an empty one. All sources pooled.

        Returns:
            Samples: index ``time``; ``bpm`` (int64), ``utc_offset_s``, ``local_time``,
            ``device``. Buckets: index ``local_time`` (tz-naive, every bucket from the first to
            the last, empty ones included); ``bpm_mean``, ``bpm_min``, ``bpm_max`` (float64,
            NaN when empty), ``samples`` (int64).
        """
        return _impl("heart").heart_rate(self, start, end, tz, resample)

    def resting_heart_rate(self, start: TimeBound = None, end: TimeBound = None) -> pd.DataFrame:
        """Daily resting heart rate, one row per day and source.

        Returns: index ``date``; ``bpm`` (int64), ``calculation_method`` (``WITH_SLEEP`` |
        ``ONLY_WITH_AWAKE_DATA``), ``device``.
        """
        return self._table("resting_heart_rate", start, end)

    def hrv(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """Heart-rate variability samples.

        Returns: index ``time``; ``rmssd_ms``, ``sdnn_ms`` (ms), ``lf_power_ms2``,
        ``hf_power_ms2`` (ms²), ``utc_offset_s``, ``local_time``, ``device``.
        """
        return self._table("hrv", start, end, tz)

    def daily_hrv(self, start: TimeBound = None, end: TimeBound = None) -> pd.DataFrame:
        """Nightly HRV, one row per day and source.

        Returns: index ``date``; ``average_hrv_ms`` (RMSSD, ms), ``non_rem_hr_bpm`` (Int64),
        ``entropy``, ``deep_sleep_rmssd_ms`` (ms), ``device``.
        """
        return self._table("daily_hrv", start, end)

    def heart_rate_zones(self, start: TimeBound = None, end: TimeBound = None) -> pd.DataFrame:
        """Heart-rate zone bounds, one row per day, source and zone.

        Returns: index ``date``; ``zone``, ``min_bpm``, ``max_bpm`` (Int64), ``device``.
        """
        return self._table("daily_heart_rate_zones", start, end)

    # -- sleep -----------------------------------------------------------------------------
    def sleep_sessions(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """Sleep sessions, selected by night (``date`` = the local date of the session's end).

        Returns: index ``start``; ``id``, ``end``, ``date`` (the night, tz-naive midnight),
        ``sleep_type`` (STAGES | CLASSIC), ``main_sleep``, ``nap``, ``processed`` (bool),
        ``minutes_in_sleep_period`` (time in bed), ``minutes_asleep``, ``minutes_awake``,
        ``minutes_to_fall_asleep``, ``minutes_after_wake_up`` (Int64, minutes, as the API gives
        them); ``efficiency_pct`` = minutes_asleep / minutes_in_sleep_period × 100 (float64;
        the API has no Fitbit efficiency score); ``awakenings`` (Int64) = AWAKE stages plus
        short awakenings that do not start inside an AWAKE stage (NA without stage data);
        ``deep_minutes``, ``light_minutes``, ``rem_minutes`` (STAGES sleep), ``asleep_minutes``,
        ``restless_minutes`` (CLASSIC sleep), ``awake_minutes`` (both) — float64 minutes from
        the API's stage summary, else summed from the stages; NaN where the stage does not
        apply to the sleep type or there is no stage data; then ``utc_offset_s``,
        ``end_offset_s``, ``local_time``, ``local_end`` and ``device``.
        """
        return _impl("sleep").sessions(self, start, end, tz)

    def sleep_stages(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None,
                     kinds: Sequence[str] | None = ("stage",)) -> pd.DataFrame:
        """Stages of the sessions of the selected nights.

        Args:
            kinds: any of ``"stage"`` (contiguous, non-overlapping), ``"short_awakening"``
                (may overlap stages), ``"out_of_bed"``; None for all.

        Returns: index ``start``; ``end``, ``session_id``, ``kind``, ``stage`` (AWAKE LIGHT
        DEEP REM | ASLEEP RESTLESS AWAKE), ``seconds`` (float64), ``utc_offset_s``,
        ``end_offset_s``, ``local_time``, ``local_end``.
        """
        return _impl("sleep").stages(self, start, end, tz, kinds)

    def sleep_summary(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """One row per night with sleep, like the legacy sleep summary.

        The main sleep is the session flagged ``main_sleep`` (the longest if several), else the
        longest non-nap session, else the longest. ``sessions`` and ``total_minutes_asleep``
        count every session of the night (naps included) from the main sleep's source, so two
        devices worn the same night do not count it twice.

        Returns: index ``date``; ``main_start``, ``main_end`` (tz-aware, by the time-index rule
        over the main sleeps), ``efficiency_pct``, ``duration_min`` (end − start, float64),
        ``minutes_asleep``, ``minutes_awake``, ``awakenings``, ``time_in_bed_min``
        (minutes_in_sleep_period), ``deep_minutes``, ``light_minutes``, ``rem_minutes``,
        ``awake_minutes`` (as in :meth:`sleep_sessions`, of the main sleep), ``sessions``
        (int64), ``total_minutes_asleep`` (Int64), ``main_start_local``, ``main_end_local``
        (tz-naive wall clock).
        """
        return _impl("sleep").summary(self, start, end, tz)

    # -- activity --------------------------------------------------------------------------
    def steps(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None,
              freq: str = "1min") -> pd.DataFrame:
        """Steps per interval (``freq="1min"``) or per local day (``freq="1D"``).

        Returns:
            ``1min``: index ``start``; ``end``, ``steps`` (int64; 0 = worn, no steps),
            ``utc_offset_s``, ``end_offset_s``, ``local_time``, ``local_end``, ``device``.
            ``1D``: index ``date``; ``steps`` (int64) from the reconciled daily rollup and, for
            days missing there, the sum of the intervals starting that local day (from the
            best-ranked source); ``source`` (categorical ``rollup`` | ``minutes``).
        """
        return _impl("activity").steps(self, start, end, tz, freq)

    def distance(self, start: TimeBound = None, end: TimeBound = None, convert: bool = False) -> pd.DataFrame:
        """Distance per local day (reconciled rollup). Returns: index ``date``; ``distance_mm``
        (int64; ``distance_km`` float64 with ``convert``)."""
        return self._table("daily_distance", start, end, convert=convert)

    def floors(self, start: TimeBound = None, end: TimeBound = None) -> pd.DataFrame:
        """Floors per local day (reconciled rollup). Returns: index ``date``; ``floors`` (int64)."""
        return self._table("daily_floors", start, end)

    def calories(self, start: TimeBound = None, end: TimeBound = None) -> pd.DataFrame:
        """Total calories per local day, BMR included (reconciled rollup). Returns: index
        ``date``; ``calories_kcal`` (float64)."""
        return self._table("daily_total_calories", start, end)

    def active_zone_minutes(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None,
                            freq: str = "1min") -> pd.DataFrame:
        """Active zone minutes per interval or per local day.

        Returns:
            ``1min``: index ``start``; ``end``, ``heart_rate_zone`` (FAT_BURN | CARDIO | PEAK),
            ``active_zone_minutes`` (earned: 1 per FAT_BURN minute, 2 per CARDIO/PEAK minute),
            offsets, local times, ``device``.
            ``1D``: index ``date``; ``active_zone_minutes``, ``fat_burn_azm``, ``cardio_azm``,
            ``peak_azm`` (int64 sums of the intervals starting that day, best-ranked source).
        """
        return _impl("activity").active_zone_minutes(self, start, end, tz, freq)

    def active_minutes(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None,
                       freq: str = "1min") -> pd.DataFrame:
        """Light / moderate / vigorous activity minutes per interval or per local day.

        Returns:
            ``1min``: index ``start``; ``end``, ``light_minutes``, ``moderate_minutes``,
            ``vigorous_minutes`` (int64), offsets, local times, ``device``.
            ``1D``: index ``date``; the three sums (int64, best-ranked source per day).
        """
        return _impl("activity").active_minutes(self, start, end, tz, freq)

    def activity_level(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """Activity level per interval. Returns: index ``start``; ``end``, ``level`` (SEDENTARY |
        LIGHTLY_ACTIVE | MODERATELY_ACTIVE | VERY_ACTIVE), offsets, local times, ``device``."""
        return self._table("activity_level", start, end, tz)

    def sedentary_periods(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """Sedentary periods. Returns: index ``start``; ``end``, ``minutes`` (float64 duration),
        offsets, local times, ``device``."""
        return _impl("activity").sedentary_periods(self, start, end, tz)

    # -- vitals ----------------------------------------------------------------------------
    def spo2(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """Oxygen saturation samples. Returns: index ``time``; ``spo2_pct``, ``utc_offset_s``,
        ``local_time``, ``device``."""
        return self._table("spo2", start, end, tz)

    def daily_spo2(self, start: TimeBound = None, end: TimeBound = None) -> pd.DataFrame:
        """Nightly SpO2, one row per day and source. Returns: index ``date``; ``average_pct``,
        ``lower_bound_pct``, ``upper_bound_pct``, ``stddev_pct`` (%), ``device``."""
        return self._table("daily_spo2", start, end)

    def breathing_rate(self, start: TimeBound = None, end: TimeBound = None) -> pd.DataFrame:
        """Nightly breathing rate, one row per day and source. Returns: index ``date``;
        ``breaths_per_min``, ``device``."""
        return self._table("daily_breathing_rate", start, end)

    def breathing_rate_sleep(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """Breathing rate per sleep, timed at the sleep's end. Returns: index ``time``;
        ``full_breaths_per_min``, ``full_stddev_breaths_per_min``, ``full_signal_to_noise``,
        ``deep_breaths_per_min``, ``light_breaths_per_min``, ``rem_breaths_per_min``,
        ``utc_offset_s``, ``local_time``, ``device``."""
        return self._table("breathing_rate_sleep", start, end, tz)

    def skin_temperature(self, start: TimeBound = None, end: TimeBound = None) -> pd.DataFrame:
        """Nightly skin temperature, one row per day and source. Returns: index ``date``;
        ``nightly_c``, ``baseline_c``, ``relative_stddev_30d_c``, ``relative_c`` = nightly_c −
        baseline_c (°C), ``device``."""
        return _impl("frames").skin_temperature(self, start, end)

    def vo2_max(self, start: TimeBound = None, end: TimeBound = None) -> pd.DataFrame:
        """Daily cardio fitness, one row per day and source. Returns: index ``date``;
        ``vo2_max_ml_kg_min``, ``cardio_fitness_level``, ``estimated`` (boolean),
        ``vo2_max_covariance``, ``device``."""
        return self._table("daily_vo2_max", start, end)

    def vo2_max_samples(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """VO2 max samples. Returns: index ``time``; ``vo2_max_ml_kg_min``,
        ``measurement_method``, ``utc_offset_s``, ``local_time``, ``device``."""
        return self._table("vo2_max", start, end, tz)

    def run_vo2_max(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """VO2 max estimated from runs. Returns: index ``time``; ``run_vo2_max_ml_kg_min``,
        ``utc_offset_s``, ``local_time``, ``device``."""
        return self._table("run_vo2_max", start, end, tz)

    # -- body ------------------------------------------------------------------------------
    def weight(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None,
               convert: bool = False) -> pd.DataFrame:
        """Weight measurements. Returns: index ``time``; ``id``, ``weight_g`` (``weight_kg``
        with ``convert``), ``notes``, ``utc_offset_s``, ``local_time``, ``device``."""
        return self._table("weight", start, end, tz, convert)

    def body_fat(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """Body-fat measurements. Returns: index ``time``; ``id``, ``body_fat_pct``,
        ``utc_offset_s``, ``local_time``, ``device``."""
        return self._table("body_fat", start, end, tz)

    def height(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None,
               convert: bool = False) -> pd.DataFrame:
        """Height measurements. Returns: index ``time``; ``id``, ``height_mm`` (int64;
        ``height_cm`` float64 with ``convert``), ``utc_offset_s``, ``local_time``, ``device``."""
        return self._table("height", start, end, tz, convert)

    # -- exercise --------------------------------------------------------------------------
    def exercises(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None,
                  convert: bool = False) -> pd.DataFrame:
        """Exercise sessions, selected by start.

        Returns: index ``start``; ``id``, ``end``, ``date`` (local date of the start), then the
        value columns of the ``exercises`` table (``exercise_type``, ``display_name``,
        ``active_duration_s``, ``calories_kcal``, ``distance_mm``, ``steps``,
        ``avg_pace_s_per_m``, ``avg_speed_mm_per_s``, ``avg_hr_bpm``, ``active_zone_minutes``,
        ``elevation_gain_mm``, ``run_vo2_max_ml_kg_min``, ``total_swim_lengths``,
        ``light_zone_s`` .. ``peak_zone_s``, ``has_gps``, ``pool_length_mm``, ``notes``,
        ``create_time``, ``update_time``, running dynamics ``avg_cadence_spm``,
        ``avg_ground_contact_s``, ``avg_stride_length_mm``, ``avg_vertical_oscillation_mm``,
        ``avg_vertical_ratio``), offsets, local times, ``device``. ``convert``
        renames every ``_mm`` column to ``_km`` and ``avg_speed_mm_per_s`` to
        ``avg_speed_km_per_h``.
        """
        return self._table("exercises", start, end, tz, convert)

    def exercise_splits(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None,
                        convert: bool = False) -> pd.DataFrame:
        """Splits of the exercises starting in the range. Returns: index ``start``; ``end``,
        ``exercise_id``, ``kind`` (split | summary), ``idx``, ``split_type``,
        ``active_duration_s``, ``calories_kcal``, ``distance_mm``, ``steps``, ``avg_hr_bpm``,
        ``avg_pace_s_per_m``, ``avg_speed_mm_per_s``, ``elevation_gain_mm``,
        ``active_zone_minutes``, ``light_zone_s`` .. ``peak_zone_s``, offsets, local times."""
        return self._table("exercise_splits", start, end, tz, convert)

    def exercise_events(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """Events of the exercises starting in the range. Returns: index ``time``;
        ``exercise_id``, ``idx``, ``event_type`` (START STOP PAUSE RESUME AUTO_PAUSE
        AUTO_RESUME), ``utc_offset_s``, ``local_time``."""
        return self._table("exercise_events", start, end, tz)

    def exercise_tcx(self, exercise_id: str) -> str | None:
        """The GPS route of one exercise as TCX text, or None when none was fetched."""
        try:
            row = self._conn.execute("SELECT tcx FROM exercise_tcx WHERE exercise_id = ?", (exercise_id,)).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the vault: {exc}") from exc
        return None if row is None else row[0]

    # -- energy, altitude, heart-rate zones, swims --------------------------------------------
    def active_energy(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """Energy burned by activity (BMR excluded) per interval, usually 1 minute. Returns:
        index ``start``; ``end``, ``active_kcal``, offsets, local times, ``device``."""
        return self._table("active_energy", start, end, tz)

    def altitude(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None,
                 convert: bool = False) -> pd.DataFrame:
        """Altitude gained per interval (a change, not a height). Returns: index ``start``;
        ``end``, ``gain_mm`` (``gain_km`` with ``convert``), offsets, local times, ``device``."""
        return self._table("altitude", start, end, tz, convert)

    def time_in_heart_rate_zone(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """Intervals spent in a heart-rate zone. Returns: index ``start``; ``end``,
        ``heart_rate_zone`` (LIGHT MODERATE VIGOROUS PEAK), offsets, local times, ``device``."""
        return self._table("time_in_heart_rate_zone", start, end, tz)

    def heart_rate_zone_time(self, start: TimeBound = None, end: TimeBound = None) -> pd.DataFrame:
        """Seconds per heart-rate zone per local day (dailyRollUp). Returns: index ``date``;
        ``light_s``, ``moderate_s``, ``vigorous_s``, ``peak_s``."""
        return self._table("daily_time_in_heart_rate_zone", start, end)

    def calories_in_heart_rate_zone(self, start: TimeBound = None, end: TimeBound = None) -> pd.DataFrame:
        """Energy burned per heart-rate zone per local day (dailyRollUp). Returns: index
        ``date``; ``light_kcal``, ``moderate_kcal``, ``vigorous_kcal``, ``peak_kcal``."""
        return self._table("daily_calories_in_heart_rate_zone", start, end)

    def swim_lengths(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """Pool lengths. Returns: index ``start``; ``end``, ``stroke_count``, ``stroke_type``,
        offsets, local times, ``device``."""
        return self._table("swim_lengths", start, end, tz)

    # -- logs and heart rhythm -------------------------------------------------------------------
    def core_body_temperature(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """Logged core body temperatures. Returns: index ``time``; ``id``, ``temperature_c``,
        ``measurement_location``, ``utc_offset_s``, ``local_time``, ``device``."""
        return self._table("core_body_temperature", start, end, tz)

    def blood_glucose(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """Blood glucose readings. Returns: index ``time``; ``id``, ``glucose_mg_dl``,
        ``meal_type``, ``measurement_timing``, ``measurement_source``, ``specimen``, ``notes``,
        ``utc_offset_s``, ``local_time``, ``device``."""
        return self._table("blood_glucose", start, end, tz)

    def hydration(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """Logged drinks (needs ``--scopes +nutrition``). Returns: index ``start``; ``id``,
        ``end``, ``date``, ``volume_ml``, ``user_provided_unit``, offsets, local times, ``device``."""
        return self._table("hydration_log", start, end, tz)

    def nutrition(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """Logged food (needs ``--scopes +nutrition``). Returns: index ``start``; ``id``, ``end``,
        ``date``, ``food_display_name``, ``food``, ``meal_type``, ``energy_kcal``,
        ``energy_from_fat_kcal``, ``carbohydrate_g``, ``fat_g``, ``serving_amount``,
        ``serving_unit``, ``nutrients`` (JSON: nutrient -> grams), offsets, local times, ``device``."""
        return self._table("nutrition_log", start, end, tz)

    def ecg(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """ECG readings (needs ``--scopes +ecg``). Returns: index ``start``; ``id``, ``end``,
        ``date``, ``avg_hr_bpm``, ``result_classification``, ``lead_number``,
        ``sampling_frequency_hz``, ``millivolts_scaling_factor``, ``waveform`` (JSON array; mV =
        sample / factor), ``device_model``, ``firmware_version``, ``feature_version``, offsets,
        local times, ``device``."""
        return self._table("ecg_readings", start, end, tz)

    def irregular_rhythm(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """Irregular rhythm notifications (needs ``--scopes +irn``). Returns: index ``start``;
        ``id``, ``end``, ``date``, ``alert_windows``, ``positive_windows``, ``heart_beats``,
        ``device_model``, ``algorithm_version``, ``service_version``, offsets, local times, ``device``."""
        return self._table("irn_alerts", start, end, tz)

    def menstrual_periods(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """Menstrual periods (needs ``--scopes +reproductive``). Returns: index ``start``;
        ``end``, ``notes``, offsets, local times, ``device``."""
        return self._table("menstrual_periods", start, end, tz)

    def ovulation_tests(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """Ovulation tests (needs ``--scopes +reproductive``). Returns: index ``time``; ``result``,
        ``utc_offset_s``, ``local_time``, ``device``."""
        return self._table("ovulation_tests", start, end, tz)

    def moods(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """Logged moods (needs ``--scopes +symptoms``). Returns: index ``time``; ``moods``,
        ``valences`` (comma-separated), ``utc_offset_s``, ``local_time``, ``device``."""
        return self._table("moods", start, end, tz)

    def symptoms(self, start: TimeBound = None, end: TimeBound = None, tz: Tz = None) -> pd.DataFrame:
        """Logged symptoms (needs ``--scopes +symptoms``). Returns: index ``time``; ``symptoms``
        (comma-separated), ``utc_offset_s``, ``local_time``, ``device``."""
        return self._table("symptoms", start, end, tz)

    # -- everything per day ----------------------------------------------------------------
    def daily(self, start: TimeBound = None, end: TimeBound = None, convert: bool = False) -> pd.DataFrame:
        """One row per local day with any data in the range, every daily metric a column.

        Returns: index ``date``; ``steps`` (as :meth:`steps` with ``freq="1D"``),
        ``distance_mm``, ``floors``, ``calories_kcal`` (rollups), ``resting_hr_bpm``,
        ``hrv_ms`` (daily_hrv.average_hrv_ms), ``spo2_pct`` (daily_spo2.average_pct),
        ``breathing_rate_breaths_per_min``, ``skin_temp_nightly_c``, ``skin_temp_relative_c``,
        ``vo2_max_ml_kg_min``, ``active_zone_minutes``, ``light_minutes``,
        ``moderate_minutes``, ``vigorous_minutes`` (daily sums; 0 on a day with steps but none
        earned, once the vault holds that type), ``sleep_minutes_asleep``,
        ``sleep_efficiency_pct`` (the night's main sleep), ``weight_g``, ``body_fat_pct`` (the
        day's last measurement). Integers are ``Int64`` and floats ``float64``, missing values
        NA/NaN. Where sources disagree, the best-ranked source wins (module docstring).
        ``convert`` gives ``distance_km`` and ``weight_kg``.
        """
        return _impl("daily").daily(self, start, end, convert)

    # -- generic ---------------------------------------------------------------------------
    def frame(self, table: str, start: TimeBound = None, end: TimeBound = None, tz: Tz = None,
              convert: bool = False) -> pd.DataFrame:
        """Any catalogue table (:data:`fitvault.datatypes.tables.TABLES`) as a frame.

        The layout decides the shape: samples and events are indexed by ``time``; intervals,
        sessions and child spans by ``start`` with ``end``, ``utc_offset_s``, ``end_offset_s``,
        ``local_time``, ``local_end``; daily and rollup tables by ``date``. Every value column
        of the table is kept (units in the names), plus ``device`` and ``source_id`` on
        per-source tables (join with :meth:`sources`).

        Raises:
            InvalidQuery: ``table`` is not in the catalogue.
        """
        return _impl("frames").table_frame(self, table, start, end, tz, convert, source_id=True)

    def iter_frames(self, table: str, start: TimeBound = None, end: TimeBound = None,
                    chunk_rows: int = 500_000, tz: Tz = None, convert: bool = False) -> Iterator[pd.DataFrame]:
        """:meth:`frame` in chunks of at most about ``chunk_rows`` rows, in order, so a
        multi-year table never has to fit in memory. Every chunk has the same columns and
        dtypes (the index zone is settled first: with ``tz=None`` that costs one extra pass over
        the instants and offsets; pass ``tz`` to skip it). Reads through a connection and
        snapshot of its own; close the generator (or exhaust it) to release them.
        """
        return _impl("frames").iter_frames(self, table, start, end, chunk_rows, tz, convert)

    def tables(self) -> pd.DataFrame:
        """The catalogue with what this vault holds.

        Returns: index ``table``; ``type_id``, ``title``, ``layout``, ``rows`` (int64),
        ``first``, ``last`` (local dates of the first and last record, tz-naive midnight; NaT
        when empty), ``last_measured`` (the local date of the last record with a real value: a
        numeric column neither missing nor 0, so an export's trailing placeholder days are not
        counted; ``report`` and ``plot`` end their default window there).
        """
        return _impl("frames").tables(self)

    def devices(self) -> pd.DataFrame:
        """Paired devices (table ``devices``). Returns: index ``id``; ``device_version``,
        ``device_type``, ``battery_status``, ``battery_level``, ``last_sync_time``,
        ``seen_at`` (tz-aware UTC), ``mac_address``, ``features`` (JSON text)."""
        return _impl("frames").devices(self)

    def sources(self) -> pd.DataFrame:
        """Where records came from (table ``sources``). Returns: index ``id``; ``origin``,
        ``platform``, ``device``, ``manufacturer``, ``form_factor``, ``recording_method``,
        ``application``, ``rank`` (int64, 0 = preferred; see the module docstring)."""
        return _impl("frames").sources(self)

    def account(self) -> dict[str, str]:
        """The ``account`` table as a dict (``time_zone``, ``membership_start`` ...)."""
        try:
            return {k: v for k, v in self._conn.execute("SELECT key, value FROM account ORDER BY key")}
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the vault: {exc}") from exc

    def _table(self, table: str, start: TimeBound, end: TimeBound, tz: Tz = None,
               convert: bool = False) -> pd.DataFrame:
        return _impl("frames").table_frame(self, table, start, end, tz, convert)


def _home_zone(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM account WHERE key = 'time_zone'").fetchone()
    name = (row[0] or "").strip() if row else ""
    if not name or zone_info(name) is None:
        return None  # none, or an unknown zone name: behave as if none was stored
    return name
