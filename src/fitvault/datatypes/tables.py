"""What every vault table holds: its layout, its value columns, their units and meaning.

One catalogue feeds the Python API, the exports (the Excel data dictionary, Parquet schema
metadata), ``docs/data-types.md`` and ``fitvault status``. Units are the API's own (docs/facts/google-health-api.md#units)
and are named in the column (``distance_mm``, ``weight_g``); conversion happens only on
request (:func:`convert`).

Layouts (see ``store/migrations``):

``sample``    key ``(time_ms, source_id)``, ``utc_offset_s``
``interval``  key ``(start_ms, source_id)``, ``start_offset_s``, ``end_ms``, ``end_offset_s``
``daily``     key ``(date, source_id)``: a civil date, as the API gives daily-* types
``rollup``    key ``date``: reconciled dailyRollUp totals (one value per local day)
``session``   key ``id`` with ``start_ms`` .. ``end_offset_s`` (sleep, exercise)
``child``     spans that belong to a session (sleep stages, exercise splits)
``event``     instants that belong to a session (exercise events): ``time_ms``, ``utc_offset_s``
``keyed``     a table beside the data types (:data:`SIDE_TABLES`): its key and columns declared

Every write goes through the upsert :mod:`fitvault.store.upsert` generates from a table's entry:
its natural key (``Table.natural_key``), its row columns (``Table.row_columns``) and the write
options declared here (``ranked``, ``quiet``). ``docs/adding-a-data-type.md`` lists the rest of
what a new type touches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Layout = Literal["sample", "interval", "daily", "rollup", "session", "child", "event", "keyed"]


@dataclass(frozen=True)
class Column:
    """A value column: its name (unit suffix included), unit ("" for none) and meaning."""

    name: str
    unit: str
    meaning: str
    kind: Literal["int", "float", "text", "bool"] = "float"


@dataclass(frozen=True)
class Table:
    """One vault table.

    Attributes:
        name: SQL table name.
        type_id: the Google Health data type it comes from (kebab-case path id).
        layout: see the module docstring.
        title: a short human title ("Heart rate").
        columns: value columns (the layout's key and time columns are implied).
        stream: the sync stream that fills it; None for a table only imports fill (the API has
            no ``list`` for it: GoogleData CSVs of Takeout).
        parent: for ``child`` tables, the session table and the foreign-key column.
        key: the natural key, when it is not the layout's (children, several rows per day).
        ranked: one row per key whatever the origin (reconciled rollups): a write never
            replaces the row of a better-ranked origin (``store/origins.py``).
        quiet: columns written along with a change that are no change by themselves.
    """

    name: str
    type_id: str
    layout: Layout
    title: str
    columns: tuple[Column, ...]
    stream: str | None
    parent: tuple[str, str] | None = None
    key: tuple[str, ...] = ()
    ranked: bool = False
    quiet: tuple[str, ...] = ()

    @property
    def time_columns(self) -> tuple[str, ...]:
        return {
            "sample": ("time_ms", "utc_offset_s"),
            "interval": ("start_ms", "start_offset_s", "end_ms", "end_offset_s"),
            "daily": ("date",),
            "rollup": ("date",),
            "session": ("start_ms", "start_offset_s", "end_ms", "end_offset_s"),
            "child": ("start_ms", "start_offset_s", "end_ms", "end_offset_s"),
            "event": ("time_ms", "utc_offset_s"),
            "keyed": (),
        }[self.layout]

    @property
    def natural_key(self) -> tuple[str, ...]:
        """The columns that identify a row: the upsert's conflict target (a UNIQUE index)."""
        return self.key or {
            "sample": ("time_ms", "source_id"),
            "interval": ("start_ms", "source_id"),
            "daily": ("date", "source_id"),
            "rollup": ("date",),
            "session": ("id",),
        }[self.layout]

    @property
    def row_columns(self) -> tuple[str, ...]:
        """Every stored column, in the order rows are bound (generated columns excluded)."""
        lead = {
            "sample": ("time_ms", "source_id", "utc_offset_s"),
            "interval": ("start_ms", "source_id", "start_offset_s", "end_ms", "end_offset_s"),
            "daily": ("date", "source_id"),
            "rollup": ("date", "source_id"),
            "session": ("id", "source_id") + self.time_columns,
            "child": (self.parent[1],) + self.time_columns if self.parent else (),
            "event": (self.parent[1],) + self.time_columns if self.parent else (),
            "keyed": tuple(k for k in self.key if k not in self.column_names),
        }[self.layout]
        return lead + self.column_names

    @property
    def order_column(self) -> str:
        """The indexed column rows are ordered and range-filtered by."""
        return {"sample": "time_ms", "event": "time_ms", "daily": "date", "rollup": "date"}.get(self.layout, "start_ms")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


C = Column
_MM, _PCT, _BPM, _MIN, _KCAL, _VO2 = "mm", "%", "bpm", "min", "kcal", "ml/kg/min"

TABLES: tuple[Table, ...] = (
    Table("heart_rate", "heart-rate", "sample", "Heart rate", (
        C("bpm", _BPM, "heart rate sample", "int"),), "heart-rate"),
    Table("resting_heart_rate", "daily-resting-heart-rate", "daily", "Resting heart rate", (
        C("bpm", _BPM, "resting heart rate of the day", "int"),
        C("calculation_method", "", "WITH_SLEEP or ONLY_WITH_AWAKE_DATA", "text")), "daily-resting-heart-rate"),
    Table("sleep_sessions", "sleep", "session", "Sleep sessions", (
        C("sleep_type", "", "STAGES or CLASSIC", "text"),
        C("main_sleep", "", "1 for the main sleep of the night", "bool"),
        C("nap", "", "1 for a nap", "bool"),
        C("processed", "", "0 while Google is still computing stages", "bool"),
        C("stages_status", "", "SUCCEEDED, REJECTED_* ...", "text"),
        C("manually_edited", "", "1 if edited in the app", "bool"),
        C("minutes_in_sleep_period", _MIN, "time in bed", "int"),
        C("minutes_asleep", _MIN, "minutes asleep", "int"),
        C("minutes_awake", _MIN, "minutes awake during the sleep period", "int"),
        C("minutes_to_fall_asleep", _MIN, "minutes before falling asleep", "int"),
        C("minutes_after_wake_up", _MIN, "minutes in bed after waking", "int"),
        C("create_time", "", "when Google created the record (UTC)", "text"),
        C("update_time", "", "when Google last re-processed it (UTC)", "text")), "sleep"),
    Table("sleep_stages", "sleep", "child", "Sleep stages", (
        C("kind", "", "stage, short_awakening or out_of_bed", "text"),
        C("stage", "", "AWAKE LIGHT DEEP REM (staged) or ASLEEP RESTLESS AWAKE (classic)", "text")),
        "sleep", parent=("sleep_sessions", "session_id"),
        key=("session_id", "kind", "start_ms")),
    Table("steps", "steps", "interval", "Steps per minute", (
        C("count", "steps", "steps in the interval (0 = worn, no steps)", "int"),), "steps"),
    Table("daily_steps", "steps", "rollup", "Steps per day", (
        C("count", "steps", "steps in the local day", "int"),), "steps:daily", ranked=True),
    Table("daily_distance", "distance", "rollup", "Distance per day", (
        C("distance_mm", _MM, "distance in the local day", "int"),), "distance:daily", ranked=True),
    Table("daily_floors", "floors", "rollup", "Floors per day", (
        C("floors", "floors", "floors climbed in the local day", "int"),), "floors:daily", ranked=True),
    Table("daily_total_calories", "total-calories", "rollup", "Calories per day", (
        C("calories_kcal", _KCAL, "total energy burned in the local day (BMR included)"),), "total-calories:daily", ranked=True),
    Table("active_zone_minutes", "active-zone-minutes", "interval", "Active zone minutes", (
        C("heart_rate_zone", "", "FAT_BURN, CARDIO or PEAK", "text"),
        C("active_zone_minutes", _MIN, "zone minutes earned (FAT_BURN 1 per minute, CARDIO/PEAK 2)", "int")),
        "active-zone-minutes"),
    Table("active_minutes", "active-minutes", "interval", "Active minutes", (
        C("light_minutes", _MIN, "minutes of light activity", "int"),
        C("moderate_minutes", _MIN, "minutes of moderate activity", "int"),
        C("vigorous_minutes", _MIN, "minutes of vigorous activity", "int")), "active-minutes"),
    Table("activity_level", "activity-level", "interval", "Activity level", (
        C("level", "", "SEDENTARY, LIGHTLY_ACTIVE, MODERATELY_ACTIVE or VERY_ACTIVE", "text"),), "activity-level"),
    Table("sedentary_periods", "sedentary-period", "interval", "Sedentary periods", (), "sedentary-period"),
    Table("hrv", "heart-rate-variability", "sample", "Heart rate variability (samples)", (
        C("rmssd_ms", "ms", "root mean square of successive differences"),
        C("sdnn_ms", "ms", "standard deviation of NN intervals"),
        C("lf_power_ms2", "ms²", "low-frequency power"),
        C("hf_power_ms2", "ms²", "high-frequency power")), "heart-rate-variability"),
    Table("daily_hrv", "daily-heart-rate-variability", "daily", "Heart rate variability (nightly)", (
        C("average_hrv_ms", "ms", "average nightly HRV (RMSSD)"),
        C("non_rem_hr_bpm", _BPM, "non-REM heart rate", "int"),
        C("entropy", "", "entropy of the RR intervals"),
        C("deep_sleep_rmssd_ms", "ms", "RMSSD during deep sleep")), "daily-heart-rate-variability"),
    Table("spo2", "oxygen-saturation", "sample", "Oxygen saturation (samples)", (
        C("spo2_pct", _PCT, "blood oxygen saturation"),), "oxygen-saturation"),
    Table("daily_spo2", "daily-oxygen-saturation", "daily", "Oxygen saturation (nightly)", (
        C("average_pct", _PCT, "nightly average SpO2"),
        C("lower_bound_pct", _PCT, "lower bound of the night's range"),
        C("upper_bound_pct", _PCT, "upper bound of the night's range"),
        C("stddev_pct", _PCT, "standard deviation")), "daily-oxygen-saturation"),
    Table("daily_breathing_rate", "daily-respiratory-rate", "daily", "Breathing rate (nightly)", (
        C("breaths_per_min", "breaths/min", "average breathing rate during sleep"),), "daily-respiratory-rate"),
    Table("breathing_rate_sleep", "respiratory-rate-sleep-summary", "sample", "Breathing rate per sleep", (
        C("full_breaths_per_min", "breaths/min", "whole sleep"),
        C("full_stddev_breaths_per_min", "breaths/min", "standard deviation over the whole sleep"),
        C("full_signal_to_noise", "", "signal-to-noise ratio over the whole sleep"),
        C("deep_breaths_per_min", "breaths/min", "deep sleep"),
        C("light_breaths_per_min", "breaths/min", "light sleep"),
        C("rem_breaths_per_min", "breaths/min", "REM sleep")), "respiratory-rate-sleep-summary"),
    Table("daily_skin_temperature", "daily-sleep-temperature-derivations", "daily", "Skin temperature (nightly)", (
        C("nightly_c", "°C", "nightly skin temperature"),
        C("baseline_c", "°C", "personal baseline"),
        C("relative_stddev_30d_c", "°C", "30-day standard deviation of the nightly − baseline difference")),
        "daily-sleep-temperature-derivations"),
    Table("weight", "weight", "sample", "Weight", (
        C("id", "", "the data point's id", "text"),
        C("weight_g", "g", "body weight"),
        C("notes", "", "the user's note", "text")), "weight"),
    Table("body_fat", "body-fat", "sample", "Body fat", (
        C("id", "", "the data point's id", "text"),
        C("body_fat_pct", _PCT, "body fat percentage")), "body-fat"),
    Table("height", "height", "sample", "Height", (
        C("id", "", "the data point's id", "text"),
        C("height_mm", _MM, "body height", "int")), "height"),
    Table("exercises", "exercise", "session", "Exercise", (
        C("exercise_type", "", "WALKING, RUNNING, BIKING ...", "text"),
        C("display_name", "", "name shown in the app", "text"),
        C("active_duration_s", "s", "active time (pauses excluded)"),
        C("calories_kcal", _KCAL, "energy burned"),
        C("distance_mm", _MM, "distance"),
        C("steps", "steps", "steps", "int"),
        C("avg_pace_s_per_m", "s/m", "average pace"),
        C("avg_speed_mm_per_s", "mm/s", "average speed"),
        C("avg_hr_bpm", _BPM, "average heart rate", "int"),
        C("active_zone_minutes", _MIN, "zone minutes earned", "int"),
        C("elevation_gain_mm", _MM, "elevation gain"),
        C("run_vo2_max_ml_kg_min", _VO2, "VO2 max estimated from the run"),
        C("total_swim_lengths", "lengths", "pool lengths", "int"),
        C("light_zone_s", "s", "time in the light heart-rate zone"),
        C("moderate_zone_s", "s", "time in the moderate zone"),
        C("vigorous_zone_s", "s", "time in the vigorous zone"),
        C("peak_zone_s", "s", "time in the peak zone"),
        C("has_gps", "", "1 if a GPS route exists (see exercise_tcx)", "bool"),
        C("pool_length_mm", _MM, "pool length", "int"),
        C("notes", "", "the user's note", "text"),
        C("create_time", "", "when Google created the record (UTC)", "text"),
        C("update_time", "", "when Google last changed it (UTC)", "text"),
        C("avg_cadence_spm", "steps/min", "running dynamics: average cadence"),
        C("avg_ground_contact_s", "s", "running dynamics: average ground-contact time per stride"),
        C("avg_stride_length_mm", _MM, "running dynamics: average stride length", "int"),
        C("avg_vertical_oscillation_mm", _MM, "running dynamics: average vertical oscillation", "int"),
        C("avg_vertical_ratio", _PCT, "running dynamics: vertical oscillation / stride length")), "exercise"),
    Table("exercise_splits", "exercise", "child", "Exercise splits", (
        C("kind", "", "split or summary", "text"),
        C("idx", "", "position in the API's list", "int"),
        C("split_type", "", "the split's type", "text"),
        C("active_duration_s", "s", "active time"),
        C("calories_kcal", _KCAL, "energy burned"),
        C("distance_mm", _MM, "distance"),
        C("steps", "steps", "steps", "int"),
        C("avg_hr_bpm", _BPM, "average heart rate", "int"),
        C("avg_pace_s_per_m", "s/m", "average pace"),
        C("avg_speed_mm_per_s", "mm/s", "average speed"),
        C("elevation_gain_mm", _MM, "elevation gain"),
        C("active_zone_minutes", _MIN, "zone minutes earned", "int"),
        C("light_zone_s", "s", "time in the light heart-rate zone"),
        C("moderate_zone_s", "s", "time in the moderate zone"),
        C("vigorous_zone_s", "s", "time in the vigorous zone"),
        C("peak_zone_s", "s", "time in the peak zone")), "exercise", parent=("exercises", "exercise_id"),
        key=("exercise_id", "kind", "idx")),
    Table("exercise_events", "exercise", "event", "Exercise events", (
        C("idx", "", "position in the API's list", "int"),
        C("event_type", "", "START STOP PAUSE RESUME AUTO_PAUSE AUTO_RESUME", "text")),
        "exercise", parent=("exercises", "exercise_id"), key=("exercise_id", "idx")),
    Table("daily_vo2_max", "daily-vo2-max", "daily", "Cardio fitness (VO2 max)", (
        C("vo2_max_ml_kg_min", _VO2, "VO2 max"),
        C("cardio_fitness_level", "", "POOR ... EXCELLENT", "text"),
        C("estimated", "", "1 if estimated without a run", "bool"),
        C("vo2_max_covariance", "", "covariance of the estimate")), "daily-vo2-max"),
    Table("vo2_max", "vo2-max", "sample", "VO2 max (samples)", (
        C("vo2_max_ml_kg_min", _VO2, "VO2 max"),
        C("measurement_method", "", "how it was measured", "text")), "vo2-max"),
    Table("run_vo2_max", "run-vo2-max", "sample", "Run VO2 max", (
        C("run_vo2_max_ml_kg_min", _VO2, "VO2 max from a run"),), "run-vo2-max"),
    Table("daily_heart_rate_zones", "daily-heart-rate-zones", "daily", "Heart-rate zones", (
        C("zone", "", "zone name", "text"),
        C("min_bpm", _BPM, "zone lower bound", "int"),
        C("max_bpm", _BPM, "zone upper bound", "int")), "daily-heart-rate-zones",
        key=("date", "source_id", "zone")),
    Table("active_energy", "active-energy-burned", "interval", "Active energy", (
        C("active_kcal", _KCAL, "energy burned by activity in the interval (BMR excluded)"),), "active-energy-burned"),
    Table("altitude", "altitude", "interval", "Altitude gain", (
        C("gain_mm", _MM, "altitude gained in the interval (a change, not a height)", "int"),), "altitude"),
    Table("time_in_heart_rate_zone", "time-in-heart-rate-zone", "interval", "Time in heart-rate zone", (
        C("heart_rate_zone", "", "LIGHT, MODERATE, VIGOROUS or PEAK", "text"),), "time-in-heart-rate-zone"),
    Table("daily_time_in_heart_rate_zone", "time-in-heart-rate-zone", "rollup", "Time in heart-rate zones per day", (
        C("light_s", "s", "time in the light zone"),
        C("moderate_s", "s", "time in the moderate zone"),
        C("vigorous_s", "s", "time in the vigorous zone"),
        C("peak_s", "s", "time in the peak zone")), "time-in-heart-rate-zone:daily", ranked=True),
    Table("daily_calories_in_heart_rate_zone", "calories-in-heart-rate-zone", "rollup",
          "Calories in heart-rate zones per day", (
              C("light_kcal", _KCAL, "energy burned in the light zone"),
              C("moderate_kcal", _KCAL, "energy burned in the moderate zone"),
              C("vigorous_kcal", _KCAL, "energy burned in the vigorous zone"),
              C("peak_kcal", _KCAL, "energy burned in the peak zone")), "calories-in-heart-rate-zone:daily", ranked=True),
    Table("calories_in_heart_rate_zone", "calories-in-heart-rate-zone", "interval", "Calories in heart-rate zone", (
        C("heart_rate_zone", "", "LIGHT ... PEAK, or HEART_RATE_ZONE_TYPE_UNSPECIFIED (below the zones)", "text"),
        C("kcal", _KCAL, "energy burned in the interval")), None),
    Table("swim_lengths", "swim-lengths-data", "interval", "Swim lengths", (
        C("stroke_count", "strokes", "strokes in the length", "int"),
        C("stroke_type", "", "FREESTYLE, BACKSTROKE, BREASTSTROKE or BUTTERFLY", "text")), "swim-lengths-data"),
    Table("core_body_temperature", "core-body-temperature", "sample", "Core body temperature", (
        C("id", "", "the data point's id", "text"),
        C("temperature_c", "°C", "core body temperature (a manual log)"),
        C("measurement_location", "", "ARMPIT, MOUTH, EAR, FOREHEAD ...", "text")), "core-body-temperature"),
    Table("body_temperature", "body-temperature", "sample", "Device temperature", (
        C("temperature_c", "°C", "the device's per-minute temperature reading (GoogleData body_temperature)"),), None),
    Table("blood_glucose", "blood-glucose", "sample", "Blood glucose", (
        C("id", "", "the data point's id", "text"),
        C("glucose_mg_dl", "mg/dL", "blood glucose concentration"),
        C("meal_type", "", "BREAKFAST, LUNCH, DINNER or SNACK", "text"),
        C("measurement_timing", "", "FASTING, BEFORE_MEAL, AFTER_MEAL ...", "text"),
        C("measurement_source", "", "SELF_MONITORING_BLOOD_GLUCOSE, CONTINUOUS_GLUCOSE_MONITORING or LAB_TEST", "text"),
        C("specimen", "", "CAPILLARY_BLOOD, INTERSTITIAL_FLUID, PLASMA ...", "text"),
        C("notes", "", "the user's note", "text")), "blood-glucose"),
    Table("hydration_log", "hydration-log", "session", "Hydration log", (
        C("volume_ml", "mL", "amount drunk"),
        C("user_provided_unit", "", "the unit the user logged in (display only)", "text")), "hydration-log"),
    Table("nutrition_log", "nutrition-log", "session", "Nutrition log", (
        C("food_display_name", "", "the food's name", "text"),
        C("food", "", "resource name of an identified food", "text"),
        C("meal_type", "", "BREAKFAST, LUNCH, DINNER, SNACK ...", "text"),
        C("energy_kcal", _KCAL, "energy of the food"),
        C("energy_from_fat_kcal", _KCAL, "energy from fat"),
        C("carbohydrate_g", "g", "total carbohydrate"),
        C("fat_g", "g", "total fat"),
        C("serving_amount", "", "number of servings"),
        C("serving_unit", "", "the serving's measurement unit", "text"),
        C("nutrients", "", "JSON object: nutrient (PROTEIN, SODIUM ...) -> grams", "text")), "nutrition-log"),
    Table("ecg_readings", "electrocardiogram", "session", "ECG readings", (
        C("avg_hr_bpm", _BPM, "average heart rate during the reading", "int"),
        C("result_classification", "", "NORMAL_SINUS_RHYTHM, ATRIAL_FIBRILLATION, INCONCLUSIVE ...", "text"),
        C("lead_number", "", "number of leads", "int"),
        C("sampling_frequency_hz", "Hz", "waveform sampling frequency", "int"),
        C("millivolts_scaling_factor", "", "mV = waveform sample / this factor", "int"),
        C("waveform", "", "JSON array of lead I samples", "text"),
        C("device_model", "", "the measuring device", "text"),
        C("firmware_version", "", "its firmware", "text"),
        C("feature_version", "", "the ECG app's version", "text")), "electrocardiogram"),
    Table("irn_alerts", "irregular-rhythm-notification", "session", "Irregular rhythm notifications", (
        C("alert_windows", "", "analysis windows evaluated", "int"),
        C("positive_windows", "", "windows positive for AFib", "int"),
        C("heart_beats", "beats", "beats listed in the windows", "int"),
        C("device_model", "", "the measuring device", "text"),
        C("algorithm_version", "", "the algorithm's version", "text"),
        C("service_version", "", "the service's version", "text")), "irregular-rhythm-notification"),
    Table("menstrual_periods", "menstrual-period", "interval", "Menstrual periods", (
        C("notes", "", "the user's note", "text"),), "menstrual-period"),
    Table("ovulation_tests", "ovulation-test", "sample", "Ovulation tests", (
        C("result", "", "NEGATIVE, POSITIVE, LUTEINIZING_HORMONE_SURGE, ESTROGEN_SURGE or INDETERMINATE", "text"),),
        "ovulation-test"),
    Table("moods", "moods", "sample", "Moods", (
        C("moods", "", "moods logged, comma-separated (HAPPY, CALM ...)", "text"),
        C("valences", "", "PLEASANT, BASELINE or UNPLEASANT, comma-separated", "text")), "moods"),
    Table("symptoms", "symptoms", "sample", "Symptoms", (
        C("symptoms", "", "symptoms logged, comma-separated (HEADACHE, FATIGUE ...)", "text"),), "symptoms"),
)
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}

#: Tables written beside the data types' own, through the same generated upsert: parts of a
#: record (a session's stage summary, an exercise's route), the legacy API's relative skin
#: temperature and the paired devices. They are not data types of their own: no export, no
#: entry in ``docs/data-types.md``.
SIDE_TABLES: tuple[Table, ...] = (
    Table("sleep_stage_summary", "sleep", "keyed", "Sleep stage summary", (
        C("stage", "", "the stage", "text"),
        C("minutes", _MIN, "minutes in the stage", "int"),
        C("count", "", "times the stage was entered", "int")), "sleep", key=("session_id", "stage")),
    Table("exercise_tcx", "exercise", "keyed", "Exercise routes", (
        C("tcx", "", "the TCX document of the route", "text"),
        C("fetched_at", "", "when it was downloaded (UTC)", "text")), "exercise",
        key=("exercise_id",), quiet=("fetched_at",)),
    Table("daily_skin_temperature_relative", "daily-sleep-temperature-derivations", "daily",
          "Skin temperature relative to baseline (legacy API)", (
              C("nightly_relative_c", "°C", "nightly skin temperature minus the personal baseline"),
              C("log_type", "", "the legacy API's logType", "text")), "fitbit:skin-temperature"),
    Table("devices", "", "keyed", "Paired devices", (
        C("device_version", "", "the device's model", "text"),
        C("device_type", "", "TRACKER, WATCH ...", "text"),
        C("battery_status", "", "the battery's state", "text"),
        C("battery_level", _PCT, "the battery's level", "int"),
        C("last_sync_time", "", "the device's last sync (UTC)", "text"),
        C("mac_address", "", "its MAC address", "text"),
        C("features", "", "JSON array of its features", "text"),
        C("seen_at", "", "when fitvault last read it (UTC)", "text")), None, key=("id",)),
)
SIDE_TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in SIDE_TABLES}

#: Unit conversions offered on request: column suffix -> (new suffix, factor).
CONVERSIONS: dict[str, tuple[str, float]] = {
    "_mm": ("_km", 1e-6),
    "_g": ("_kg", 1e-3),
    "_mm_per_s": ("_km_per_h", 3.6e-3),
}


def convert(column: str) -> tuple[str, float]:
    """The converted name and factor of a column, or the column unchanged (factor 1).

    >>> convert("distance_mm")
    ('distance_km', 1e-06)
    """
    for suffix, (new, factor) in sorted(CONVERSIONS.items(), key=lambda kv: -len(kv[0])):
        if column.endswith(suffix):
            if column == "height_mm":  # a height reads better in centimetres
                return "height_cm", 0.1
            return column[: -len(suffix)] + new, factor
    return column, 1.0


#: The Python API method that returns each table (``fitvault.open().<method>()``).
API_METHODS: dict[str, str] = {
    "heart_rate": "heart_rate", "resting_heart_rate": "resting_heart_rate", "sleep_sessions": "sleep_sessions",
    "sleep_stages": "sleep_stages", "steps": "steps", "daily_steps": "steps(freq='1D')",
    "daily_distance": "distance", "daily_floors": "floors", "daily_total_calories": "calories",
    "active_zone_minutes": "active_zone_minutes", "active_minutes": "active_minutes",
    "activity_level": "activity_level", "sedentary_periods": "sedentary_periods", "hrv": "hrv",
    "daily_hrv": "daily_hrv", "spo2": "spo2", "daily_spo2": "daily_spo2", "daily_breathing_rate": "breathing_rate",
    "breathing_rate_sleep": "breathing_rate_sleep", "daily_skin_temperature": "skin_temperature",
    "weight": "weight", "body_fat": "body_fat", "height": "height", "exercises": "exercises",
    "exercise_splits": "exercise_splits", "exercise_events": "exercise_events", "daily_vo2_max": "vo2_max",
    "vo2_max": "vo2_max_samples", "run_vo2_max": "run_vo2_max", "daily_heart_rate_zones": "heart_rate_zones",
    "active_energy": "active_energy", "altitude": "altitude", "time_in_heart_rate_zone": "time_in_heart_rate_zone",
    "daily_time_in_heart_rate_zone": "heart_rate_zone_time",
    "daily_calories_in_heart_rate_zone": "calories_in_heart_rate_zone",
    "swim_lengths": "swim_lengths", "core_body_temperature": "core_body_temperature",
    "blood_glucose": "blood_glucose", "hydration_log": "hydration", "nutrition_log": "nutrition",
    "ecg_readings": "ecg", "irn_alerts": "irregular_rhythm", "menstrual_periods": "menstrual_periods",
    "ovulation_tests": "ovulation_tests", "moods": "moods", "symptoms": "symptoms",
}
