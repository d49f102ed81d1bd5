"""Sniffing: what an entry is (layout, origin, family), from its path alone.

Layouts (docs/facts/archives.md#layouts), recognised by the deepest marker folder in the entry's path:

* **A** ``user-site-export/`` and **B** ``MyFitbitData/<name>/<category>/`` — the old
  fitbit.com account archive: origin ``account-archive``;
* **C/D** ``Takeout/Fitbit/`` or ``Takeout/Google Health/``: ``Global Export Data/`` and the
  category folders (origin ``takeout-global-export``), and ``*_GoogleData/`` folders, flat or
  with one sub-folder per family (origin ``takeout-google-data``);
* anything else: the tutorial files (origin ``tutorial-csv``), or a lone export file (its
  family's name decides; origin ``account-archive``).

A bare ``Fitbit/`` (or ``Google Health/``) folder without its ``Takeout/`` parent is the same
Takeout when it holds ``Global Export Data/`` or a ``*_GoogleData/`` folder (:func:`takeout_roots`),
so a zip and its extracted folder, however wrapped, give the same origin. An account archive
sorted by category without its ``MyFitbitData/<name>/`` wrapper is recognised by its category
folders (``Physical Activity/``, ``Sleep/`` ...).

A file is then **imported** (a known family with a vault table) or **ignored** with the reason
(known but with nothing fitvault stores, not health data, or a file fitvault does not know —
counted in the summary). The ``*_IGNORED`` tables below are plain lists: a family that gains a
reader moves from there to its importing table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import Iterable

from fitvault.importers._base import Family
from fitvault.importers.fitabase import _rows as fitabase_rows
from fitvault.importers.fitabase import activity as fb_activity
from fitvault.importers.fitabase import body as fb_body
from fitvault.importers.fitabase import heart as fb_heart
from fitvault.importers.fitabase import sleep as fb_sleep
from fitvault.importers.fitbit_csv import azm, hrv, respiratory, spo2, temperature
from fitvault.importers.global_export import _minutes as minutes
from fitvault.importers.global_export import activity, body, exercise, heart, sleep
from fitvault.importers.google_data import activity_level as gd_level
from fitvault.importers.google_data import health_fitness
from fitvault.importers.google_data import physical_activity as pa
from fitvault.importers.google_data import vitals as gd_vitals
from fitvault.importers.google_data import zones as gd_zones
from fitvault.importers.tutorial import frames, per_day
from fitvault.importers.tutorial import sleep as tutorial_sleep
from fitvault.store.origins import (
    ORIGIN_ACCOUNT_ARCHIVE,
    ORIGIN_FITABASE,
    ORIGIN_TAKEOUT_GLOBAL_EXPORT,
    ORIGIN_TAKEOUT_GOOGLE_DATA,
    ORIGIN_TUTORIAL_CSV,
)
from fitvault.timeutil import DAY_MS, wall_ms

F = Family

# -- Global Export Data JSON: <family>-YYYY-MM-DD.json, exercise-N.json -------------------------
GLOBAL_EXPORT: dict[str, Family] = {
    "heart_rate": F("global-export/heart_rate", "heart rate (Global Export)", ("heart_rate",),
                    heart.read_heart_rate, phase=1, fingerprint="heart_rate",
                    prepare=partial(minutes.prepare, family="heart_rate")),
    "resting_heart_rate": F("global-export/resting_heart_rate", "resting heart rate (Global Export)",
                            ("resting_heart_rate",), heart.read_resting),
    "steps": F("global-export/steps", "steps (Global Export)", ("steps",), activity.read_steps, phase=1,
               fingerprint="steps", prepare=partial(minutes.prepare, family="steps")),
    "distance": F("global-export/distance", "distance (Global Export)", ("daily_distance",), activity.read_distance,
                  phase=1, fingerprint="distance", prepare=partial(minutes.prepare, family="distance")),
    "calories": F("global-export/calories", "calories (Global Export)", ("daily_total_calories",),
                  activity.read_calories, phase=1, fingerprint="calories",
                  prepare=partial(minutes.prepare, family="calories")),
    **{name: F(f"global-export/{name}", f"{name.replace('_', ' ')} (Global Export)", ("active_minutes",),
               partial(activity.read_activity_minutes, family=name))
       for name in ("sedentary_minutes", "lightly_active_minutes", "moderately_active_minutes", "very_active_minutes")},
    "sleep": F("global-export/sleep", "sleep (Global Export)",
               ("sleep_sessions", "sleep_stages", "sleep_stage_summary"), sleep.read_sleep, phase=1),
    "weight": F("global-export/weight", "weight (Global Export)", ("weight", "body_fat"), body.read_weight),
    "demographic_vo2_max": F("global-export/demographic_vo2_max", "VO2 max (Global Export)", ("daily_vo2_max",),
                             body.read_vo2_max),
    "exercise": F("global-export/exercise", "exercise (Global Export)", ("exercises",), exercise.read_exercise),
}
#: Known Global Export families with no vault table (docs/facts/archives.md#global-export-json).
GLOBAL_EXPORT_IGNORED = {
    "altitude": "altitude (no vault table: floors are not derivable without its unit)",
    "time_in_heart_rate_zones": "minutes in heart-rate zones (no vault table)",
    "run_vo2_max": "run VO2 max (record shape not documented)",
    "swim_lengths_data": "swim lengths (no vault table)",
    "height": "height logs (record shape not documented)",
    "badge": "badges (not health data)",
    "estimated_oxygen_variation": "estimated oxygen variation (not SpO2, docs/facts/archives.md#unit-traps)",
    "heart_rate_zones": "heart-rate zone settings (no vault table)",
}
#: Known Global Export / account-archive files that are not per-day families.
LEGACY_FILES_IGNORED = {
    "badge.json": "badges (not health data)",
    "trophy.json": "trophies (not health data)",
    "food_logs": "food logs (no vault table)",
    "water_logs": "water logs (no vault table)",
}

# -- legacy Fitbit category CSVs: by file-name prefix --------------------------------------------
FITBIT_CSV: list[tuple[str, Family]] = [
    ("heart rate variability details - ", F("fitbit-csv/hrv_details", "HRV details (CSV)", ("hrv",),
                                            hrv.read_details)),
    ("daily heart rate variability summary - ", F("fitbit-csv/hrv_daily", "HRV nightly summary (CSV)",
                                                  ("daily_hrv",), hrv.read_daily)),
    ("daily respiratory rate summary - ", F("fitbit-csv/respiratory_daily", "breathing rate nightly (CSV)",
                                            ("daily_breathing_rate",), respiratory.read_daily)),
    ("respiratory rate summary - ", F("fitbit-csv/respiratory_summary", "breathing rate per sleep (CSV)",
                                      ("breathing_rate_sleep",), respiratory.read_summary)),
    ("minute spo2 - ", F("fitbit-csv/spo2_minutes", "SpO2 per minute (CSV)", ("spo2",), spo2.read_minutes)),
    ("daily spo2 - ", F("fitbit-csv/spo2_daily", "SpO2 nightly (CSV)", ("daily_spo2",), spo2.read_daily)),
    ("computed temperature - ", F("fitbit-csv/computed_temperature", "skin temperature nightly (CSV)",
                                  ("daily_skin_temperature",), temperature.read_computed)),
    ("active zone minutes - ", F("fitbit-csv/azm", "active zone minutes (CSV)", ("active_zone_minutes",),
                                 azm.read_azm)),
]
FITBIT_CSV_IGNORED = {
    "heart rate variability histogram - ": "HRV histogram (no vault table)",
    "wrist temperature - ": "wrist temperature samples (no vault table)",
    "device temperature - ": "device temperature samples (no vault table)",
    "manual temperature - ": "manual temperature logs (no vault table)",
    "daily readiness score - ": "readiness score (no vault table)",
    "stress score": "stress score (no vault table)",
    "snore details - ": "snore details (no vault table)",
    "sleep profile": "sleep profile (no vault table)",
    "profile.csv": "profile (not health data)",
    # Its timestamp is the log's local end time with a Z added, not a UTC instant (docs/facts/archives.md#fact-1: 0 s apart on every night of 7 exports), so it says nothing about time zones either.
    "sleep_score.csv": "sleep scores (no vault table)",
    "glucose ": "glucose (no vault table)",
    "heart rate notifications": "heart-rate notification settings (not health data)",
    "menstrual_health": "menstrual health (no vault table)",
    "mindfulness_": "mindfulness sessions (no vault table)",
    "stress journal": "stress journal (no vault table)",
    "estimated_oxygen_variation": "estimated oxygen variation (not SpO2, docs/facts/archives.md#unit-traps)",
}

# -- GoogleData CSVs: <family>_YYYY-MM-DD.csv or <family>.csv ----------------------------------
GOOGLE_DATA: dict[str, Family] = {
    "heart_rate": F("google-data/heart_rate", "heart rate (GoogleData)", ("heart_rate",), pa.read_heart_rate,
                    phase=2, prepare=partial(pa.prepare, family="heart_rate"), fingerprint="heart_rate"),
    "steps": F("google-data/steps", "steps (GoogleData)", ("steps",), pa.read_steps, phase=2,
               prepare=partial(pa.prepare, family="steps"), fingerprint="steps"),
    "distance": F("google-data/distance", "distance (GoogleData)", ("daily_distance",), pa.read_distance, phase=2,
                  prepare=partial(pa.prepare, family="distance"), fingerprint="distance"),
    "calories": F("google-data/calories", "calories (GoogleData)", ("daily_total_calories",), pa.read_calories,
                  phase=2, prepare=partial(pa.prepare, family="calories"), fingerprint="calories"),
    "floors": F("google-data/floors", "floors (GoogleData)", ("daily_floors",), pa.read_floors, phase=2),
    "active_zone_minutes": F("google-data/active_zone_minutes", "active zone minutes (GoogleData)",
                             ("active_zone_minutes",), pa.read_active_zone_minutes, phase=2),
    "active_minutes": F("google-data/active_minutes", "active minutes (GoogleData)", ("active_minutes",),
                        pa.read_active_minutes, phase=2),
    "daily_resting_heart_rate": F("google-data/daily_resting_heart_rate", "resting heart rate (GoogleData)",
                                  ("resting_heart_rate",), pa.read_resting, phase=2),
    "weight": F("google-data/weight", "weight (GoogleData)", ("weight",), pa.read_weight, phase=2),
    "height": F("google-data/height", "height (GoogleData)", ("height",), pa.read_height, phase=2),
    "oxygen_saturation": F("google-data/oxygen_saturation", "SpO2 (GoogleData)", ("spo2",), pa.read_spo2, phase=2),
    # families with an API twin (issue #13 item 8): google_data/vitals.py, google_data/activity_level.py
    "daily_heart_rate_variability": F("google-data/daily_heart_rate_variability", "HRV nightly (GoogleData)",
                                      ("daily_hrv",), gd_vitals.read_daily_hrv, phase=2),
    "daily_respiratory_rate": F("google-data/daily_respiratory_rate", "breathing rate nightly (GoogleData)",
                                ("daily_breathing_rate",), gd_vitals.read_daily_respiratory_rate, phase=2),
    "daily_oxygen_saturation": F("google-data/daily_oxygen_saturation", "SpO2 nightly (GoogleData)",
                                 ("daily_spo2",), gd_vitals.read_daily_spo2, phase=2),
    "daily_sleep_temperature_derivations": F("google-data/daily_sleep_temperature_derivations",
                                             "skin temperature nightly (GoogleData)", ("daily_skin_temperature",),
                                             gd_vitals.read_sleep_temperature, phase=2),
    "demographic_vo2max": F("google-data/demographic_vo2max", "VO2 max (GoogleData)", ("daily_vo2_max",),
                            gd_vitals.read_vo2_max, phase=2),
    "heart_rate_variability": F("google-data/heart_rate_variability", "HRV samples (GoogleData)", ("hrv",),
                                gd_vitals.read_hrv, phase=2),
    "respiratory_rate_sleep_summary": F("google-data/respiratory_rate_sleep_summary",
                                        "breathing rate per sleep (GoogleData)", ("breathing_rate_sleep",),
                                        gd_vitals.read_respiratory_sleep, phase=2),
    "activity_level": F("google-data/activity_level", "activity level (GoogleData)", ("activity_level",),
                        gd_level.read_activity_level, phase=2),
    "sedentary_period": F("google-data/sedentary_period", "sedentary periods (GoogleData)", ("sedentary_periods",),
                          gd_level.read_sedentary_period, phase=2),
    # the types added with migration 005: google_data/zones.py
    "time_in_heart_rate_zone": F("google-data/time_in_heart_rate_zone", "time in heart-rate zones (GoogleData)",
                                 ("time_in_heart_rate_zone",), gd_zones.read_time_in_zone, phase=2),
    "calories_in_heart_rate_zone": F("google-data/calories_in_heart_rate_zone",
                                     "calories in heart-rate zones (GoogleData)", ("calories_in_heart_rate_zone",),
                                     gd_zones.read_calories_in_zone, phase=2),
    "body_temperature": F("google-data/body_temperature", "device temperature (GoogleData)", ("body_temperature",),
                          gd_zones.read_body_temperature, phase=2),
    "swim_lengths_data": F("google-data/swim_lengths_data", "swim lengths (GoogleData)", ("swim_lengths",),
                           gd_zones.read_swim_lengths, phase=2),
}
#: Known GoogleData families fitvault does not store (docs/facts/archives.md#csv-families).
GOOGLE_DATA_IGNORED = {
    "daily_heart_rate_zones": "heart-rate zone settings (pseudo-JSON cells; not imported)",
    "temperature": "temperature samples (no vault table)",
    "blood_glucose": "glucose (no vault table)",
    "glucose": "glucose (no vault table)",
    "vo2_max": "VO2 max (GoogleData; the Global Export file is read instead)",
    "altitude": "altitude (no vault table)",
    "live_pace": "live pace (no vault table)",
    "cardio_load": "cardio load (no vault table)",
    "cardio_load_observed_interval": "cardio load (no vault table)",
    "daily_readiness": "readiness score (no vault table)",
    "environment": "environment readings (no vault table)",
    "gps_location": "GPS locations (no vault table)",
}
#: Phase 3: a sleep's clock is checked against the heart rate stored by phases 1 and 2.
HEALTH_FITNESS: dict[str, Family] = {
    "usersleeps": F("google-data/UserSleeps", "sleep (GoogleData)", ("sleep_sessions",), health_fitness.read_sleeps,
                    prepare=health_fitness.prepare_sleeps),
    "usersleepstages": F("google-data/UserSleepStages", "sleep stages (GoogleData)", ("sleep_stages",),
                         health_fitness.read_stages),
    "userexercises": F("google-data/UserExercises", "exercise (GoogleData)", ("exercises",),
                       health_fitness.read_exercises),
}
HEALTH_FITNESS_IGNORED = {
    "usersleepscores": "sleep scores (no vault table)",
    "calibrationstatusforreadinessandload": "readiness calibration (no vault table)",
    "goalsettingshistory": "goal settings (not health data)",
}
#: ``User*Data`` and other account tables of ``Health Fitness Data_GoogleData``.
HEALTH_FITNESS_ACCOUNT = "account and app settings (not health data)"
#: Order inside a phase: sessions before their stages.
ORDER = {"google-data/UserSleeps": 0, "google-data/UserSleepStages": 1}

# -- Fitabase research exports: <kind>_merged.csv (also inside a zip of the same name) ----------
def _fb(kind: str, title: str, tables: tuple[str, ...], read, phase: int = 3) -> Family:
    return F(f"fitabase/{kind}", f"{title} (Fitabase)", tables, read, phase=phase, prepare=fitabase_rows.count_ids)


#: Daily files first: the finer calorie files fill only the days they leave empty.
FITABASE: dict[str, Family] = {f.key.split("/")[1].lower(): f for f in (
    _fb("heartrate_seconds", "heart rate", ("heart_rate",), fb_heart.read_heart_rate),
    _fb("minuteSleep", "sleep minutes", ("sleep_sessions", "sleep_stages"), fb_sleep.read_minute_sleep),
    _fb("dailyActivity", "daily activity", ("daily_steps", "daily_distance", "daily_total_calories",
                                            "active_minutes"), fb_activity.read_daily_activity, phase=2),
    _fb("dailySteps", "daily steps", ("daily_steps",), fb_activity.read_daily_steps, phase=2),
    _fb("dailyCalories", "daily calories", ("daily_total_calories",), fb_activity.read_daily_calories, phase=2),
    _fb("dailyIntensities", "daily intensities", ("active_minutes",), fb_activity.read_daily_intensities, phase=2),
    _fb("minuteStepsNarrow", "steps per minute", ("steps",), fb_activity.read_minute_steps),
    _fb("hourlySteps", "steps per hour", ("steps",), fb_activity.read_hourly_steps),
    _fb("minuteCaloriesNarrow", "calories per minute", ("daily_total_calories",), fb_activity.read_minute_calories),
    _fb("hourlyCalories", "calories per hour", ("daily_total_calories",), fb_activity.read_hourly_calories),
    _fb("minuteIntensitiesNarrow", "intensity per minute", ("activity_level",),
        fb_activity.read_minute_intensities),
    _fb("weightLogInfo", "weight", ("weight", "body_fat"), fb_body.read_weight),
    _fb("sleepDay", "sleep day totals, checked against the sessions", (), fb_sleep.read_sleep_day, phase=4),
)}
FITABASE_IGNORED = {
    "hourlyintensities": "Fitabase hourly intensity sums (no vault table; minuteIntensitiesNarrow_merged has the "
                         "minutes)",
    "minutemetsnarrow": "Fitabase METs per minute (no vault table)",
    "minutestepswide": "Fitabase wide minute layout (read the Narrow file of the same export)",
    "minutecalorieswide": "Fitabase wide minute layout (read the Narrow file of the same export)",
    "minuteintensitieswide": "Fitabase wide minute layout (read the Narrow file of the same export)",
}
_FITABASE = re.compile(r"^(?P<kind>[A-Za-z][A-Za-z_]*?)_merged\.csv$", re.IGNORECASE)


def _fitabase(base: str) -> Match | None:
    m = _FITABASE.match(base)
    if m is None:
        return None
    kind = m.group("kind").lower()
    if kind in FITABASE:
        return Match(FITABASE[kind], ORIGIN_FITABASE)
    if kind in FITABASE_IGNORED:
        return Match(None, ORIGIN_FITABASE, status="ignored", reason=FITABASE_IGNORED[kind])
    return Match(None, ORIGIN_FITABASE, status="unrecognised", reason=f"unrecognised Fitabase file {base!r}")


# -- tutorial files ----------------------------------------------------------------------------
TUTORIAL: dict[str, Family] = {
    "heart": F("tutorial/heart", "heart rate (tutorial heartYYYYMMDD.csv)", ("heart_rate",), per_day.read_heart),
    "sleep": F("tutorial/sleep", "sleep (tutorial sleepYYYYMMDD.csv)", ("sleep_sessions", "sleep_stages"),
               tutorial_sleep.read_sleep),
    "steps": F("tutorial/steps", "steps (per-day CSV)", ("steps",), per_day.read_steps),
    "spo2": F("tutorial/spo2", "SpO2 (per-day CSV)", ("spo2",), per_day.read_spo2),
    "hrv": F("tutorial/hrv", "HRV (per-day CSV)", ("hrv",), per_day.read_hrv),
    "azm": F("tutorial/azm", "active zone minutes (per-day CSV)", ("active_zone_minutes",), per_day.read_azm),
}
FRAME = F("tutorial/frame", "tutorial data frame (CSV)", ("heart_rate", "sleep_sessions"), frames.read_frame)

_JSON_FAMILY = re.compile(r"^(?P<family>[a-z][a-z0-9_]*)-(?P<date>\d{4}-\d{2}-\d{2})\.json$")
_EXERCISE = re.compile(r"^exercise-\d+\.json$")
_GOOGLE_FAMILY = re.compile(r"^(?P<family>[A-Za-z][A-Za-z0-9_ ]*?)(?:_(?P<date>\d{4}-\d{2}-\d{2}))?\.csv$")
_USER_TABLE = re.compile(r"^(?P<family>User[A-Za-z]+?)(?:_.*)?\.csv$")
_TUTORIAL = re.compile(r"^(?P<family>heart|sleep|steps|spo2|hrv|azm)(?P<date>\d{8})\.csv$", re.IGNORECASE)
_INTRADATA = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})_intradata\.csv$")
_DOCS = re.compile(r"(^readme|\.(txt|md|html?|pdf|jpe?g|png|gif|webp|heic|xml|tcx|gpx|docx?|xlsx?|ods)$)",
                   re.IGNORECASE)

TAKEOUT_ROOTS = ("Fitbit", "Google Health")
#: Category folders of an account archive sorted by category (layout B), recognised by name
#: when the ``MyFitbitData/<name>/`` wrapper is gone (a published ``data/`` or ``Sleep/`` folder).
ACCOUNT_CATEGORIES = {"Physical Activity", "Sleep", "Stress", "Social", "Application", "Biometrics", "Heart",
                      "Menstrual Health", "Fitbit Care", "Personal & Account", "Female Health", "Nutrition"}
UNKNOWN = "a file fitvault does not know (not imported)"


@dataclass(frozen=True)
class Match:
    """What an entry is: a family (None when ignored or unrecognised), its origin, the date in
    its name (day number), and why it is ignored or unrecognised."""

    family: Family | None
    origin: str
    file_day: int | None = None
    status: str = "import"     # import | ignored | unrecognised
    reason: str = ""


def _ymd(text: str) -> int | None:
    try:
        if "-" in text:
            return wall_ms(int(text[0:4]), int(text[5:7]), int(text[8:10])) // DAY_MS
        return wall_ms(int(text[0:4]), int(text[4:6]), int(text[6:8])) // DAY_MS
    except ValueError:
        return None


def takeout_roots(all_parts: Iterable[tuple[str, ...]]) -> frozenset[tuple[str, ...]]:
    """The ``Fitbit/`` / ``Google Health/`` folders (as path prefixes) that hold
    ``Global Export Data/`` or a ``*_GoogleData/`` folder: a Takeout, with or without its
    ``Takeout/`` parent."""
    roots = set()
    for parts in all_parts:
        for i in range(1, len(parts) - 1):
            child = parts[i]
            if parts[i - 1] in TAKEOUT_ROOTS and (child == "Global Export Data" or child.endswith("_GoogleData")):
                roots.add(parts[:i])
    return frozenset(roots)


def _context(parts: tuple[str, ...], roots: frozenset[tuple[str, ...]] = frozenset()) -> tuple[str, str]:
    """(origin, category) from the deepest marker folder; ("", "") outside any archive."""
    folders = parts[:-1]
    for i in range(len(folders) - 1, -1, -1):
        name = folders[i]
        if name.endswith("_GoogleData"):
            return ORIGIN_TAKEOUT_GOOGLE_DATA, name
        if name == "Global Export Data":
            return ORIGIN_TAKEOUT_GLOBAL_EXPORT, name
        if roots and i > 0 and folders[:i] in roots:
            return ORIGIN_TAKEOUT_GLOBAL_EXPORT, name
        if roots and folders[:i + 1] in roots:
            return ORIGIN_TAKEOUT_GLOBAL_EXPORT, ""
        if name == "user-site-export":
            return ORIGIN_ACCOUNT_ARCHIVE, name
        if i > 0 and folders[i - 1] in TAKEOUT_ROOTS and (i == 1 or folders[i - 2] == "Takeout"):
            return ORIGIN_TAKEOUT_GLOBAL_EXPORT, name
        if name in TAKEOUT_ROOTS and (i == 0 or folders[i - 1] == "Takeout"):
            return ORIGIN_TAKEOUT_GLOBAL_EXPORT, ""
        if i > 1 and folders[i - 2] == "MyFitbitData":
            return ORIGIN_ACCOUNT_ARCHIVE, name
        if name == "MyFitbitData":
            return ORIGIN_ACCOUNT_ARCHIVE, ""
    for name in reversed(folders):
        if name in ACCOUNT_CATEGORIES:
            return ORIGIN_ACCOUNT_ARCHIVE, name
    return "", ""


def classify(parts: tuple[str, ...], roots: frozenset[tuple[str, ...]] = frozenset()) -> Match:
    """What the file at ``parts`` (path components, the file name last) is; ``roots``: the
    Takeout folders of the import (:func:`takeout_roots`)."""
    base = parts[-1]
    lower = base.lower()
    origin, category = _context(parts, roots)
    if origin == ORIGIN_TAKEOUT_GOOGLE_DATA:
        return _google_data(base, category)
    if origin:
        found = _legacy(base, lower, origin)
        if found.status == "unrecognised":
            tutorial = _tutorial(base, lower)  # a tutorial folder named like a category (~/fitbit/Sleep)
            if tutorial is not None:
                return tutorial
            return Match(None, origin, status="ignored", reason=f"{category}: {UNKNOWN}" if category else UNKNOWN)
        return found
    known = _fitabase(base) or _tutorial(base, lower)
    if known is not None:
        return known
    loose = _legacy(base, lower, ORIGIN_ACCOUNT_ARCHIVE)
    if loose.status != "unrecognised":
        return loose
    if lower.endswith(".csv"):
        return Match(FRAME, ORIGIN_TUTORIAL_CSV, None)
    return Match(None, "", status="ignored", reason=UNKNOWN)


def _legacy(base: str, lower: str, origin: str) -> Match:
    m = _JSON_FAMILY.match(base)
    if m:
        name = m.group("family")
        if name in GLOBAL_EXPORT:
            return Match(GLOBAL_EXPORT[name], origin, _ymd(m.group("date")))
        if name in GLOBAL_EXPORT_IGNORED:
            return Match(None, origin, status="ignored", reason=GLOBAL_EXPORT_IGNORED[name])
        return Match(None, origin, status="unrecognised", reason=f"unknown Global Export family {name!r}")
    if _EXERCISE.match(base):
        return Match(GLOBAL_EXPORT["exercise"], origin)
    for prefix, why in LEGACY_FILES_IGNORED.items():
        if lower.startswith(prefix) and lower.endswith(".json"):
            return Match(None, origin, status="ignored", reason=why)
    for prefix, family in FITBIT_CSV:
        if lower.startswith(prefix) and lower.endswith(".csv"):
            return Match(family, origin)
    for prefix, why in FITBIT_CSV_IGNORED.items():
        if lower.startswith(prefix):
            return Match(None, origin, status="ignored", reason=why)
    if _DOCS.search(base):
        return Match(None, origin, status="ignored", reason="documentation or media")
    return Match(None, origin, status="unrecognised", reason="unrecognised file")


def _google_data(base: str, category: str) -> Match:
    origin = ORIGIN_TAKEOUT_GOOGLE_DATA
    if _DOCS.search(base):
        return Match(None, origin, status="ignored", reason="documentation or media")
    if category not in ("Physical Activity_GoogleData", "Health Fitness Data_GoogleData"):
        return Match(None, origin, status="ignored", reason=f"{category}: not health data fitvault imports")
    m = _USER_TABLE.match(base)
    if m:
        key = m.group("family").lower()
        if key in HEALTH_FITNESS:
            return Match(HEALTH_FITNESS[key], origin)
        if key in HEALTH_FITNESS_IGNORED:
            return Match(None, origin, status="ignored", reason=HEALTH_FITNESS_IGNORED[key])
        return Match(None, origin, status="ignored", reason=HEALTH_FITNESS_ACCOUNT)
    m = _GOOGLE_FAMILY.match(base)
    if m:
        key = m.group("family").strip().lower().replace(" ", "_")
        if key in GOOGLE_DATA:
            return Match(GOOGLE_DATA[key], origin, _ymd(m.group("date")) if m.group("date") else None)
        if key in GOOGLE_DATA_IGNORED:
            return Match(None, origin, status="ignored", reason=GOOGLE_DATA_IGNORED[key])
        if key in HEALTH_FITNESS_IGNORED:
            return Match(None, origin, status="ignored", reason=HEALTH_FITNESS_IGNORED[key])
        return Match(None, origin, status="ignored", reason=f"GoogleData family {key!r}: {UNKNOWN}")
    return Match(None, origin, status="ignored", reason=UNKNOWN)


def _tutorial(base: str, lower: str) -> Match | None:
    m = _TUTORIAL.match(base)
    if m:
        return Match(TUTORIAL[m.group("family").lower()], ORIGIN_TUTORIAL_CSV, _ymd(m.group("date")))
    m = _INTRADATA.match(base)
    if m:
        return Match(FRAME, ORIGIN_TUTORIAL_CSV, _ymd(m.group("date")))
    return None
