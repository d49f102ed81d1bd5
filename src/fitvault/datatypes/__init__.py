"""The data types fitvault syncs, one module each, and the registry of their streams."""

from __future__ import annotations

from fitvault.datatypes.active_energy import ActiveEnergyBurned
from fitvault.datatypes.active_minutes import ActiveMinutes
from fitvault.datatypes.active_zone_minutes import ActiveZoneMinutes
from fitvault.datatypes.activity_level import ActivityLevel, SedentaryPeriod
from fitvault.datatypes.altitude import Altitude
from fitvault.datatypes.base import ParsedPage, Stream
from fitvault.datatypes.body import BodyFat, Height, Weight
from fitvault.datatypes.daily_totals import DistanceDaily, FloorsDaily, TotalCaloriesDaily
from fitvault.datatypes.exercise import Exercise
from fitvault.datatypes.heart_rate import HeartRate
from fitvault.datatypes.heart_rate_variability import DailyHeartRateVariability, HeartRateVariability
from fitvault.datatypes.heart_rate_zone_totals import (
    CaloriesInHeartRateZoneDaily,
    TimeInHeartRateZone,
    TimeInHeartRateZoneDaily,
)
from fitvault.datatypes.heart_rate_zones import HeartRateZones
from fitvault.datatypes.heart_rhythm import Electrocardiogram, IrregularRhythmNotification
from fitvault.datatypes.logged_health import MenstrualPeriod, Moods, OvulationTest, Symptoms
from fitvault.datatypes.measurements import BloodGlucose, CoreBodyTemperature
from fitvault.datatypes.nutrition import HydrationLog, NutritionLog
from fitvault.datatypes.oxygen_saturation import DailyOxygenSaturation, OxygenSaturation
from fitvault.datatypes.respiratory_rate import DailyRespiratoryRate, RespiratoryRateSleepSummary
from fitvault.datatypes.resting_heart_rate import RestingHeartRate
from fitvault.datatypes.skin_temperature import SkinTemperature
from fitvault.datatypes.sleep import Sleep
from fitvault.datatypes.steps import StepsDaily, StepsMinutes
from fitvault.datatypes.swim_lengths import SwimLengths
from fitvault.datatypes.vo2_max import DailyVo2Max, RunVo2Max, Vo2Max

#: Every stream, in sync order (big intraday types first so they start early).
STREAMS: tuple[Stream, ...] = (
    HeartRate(), StepsMinutes(), ActiveEnergyBurned(), OxygenSaturation(), HeartRateVariability(), ActiveMinutes(),
    ActivityLevel(), ActiveZoneMinutes(), SedentaryPeriod(),
    Sleep(), Exercise(), RespiratoryRateSleepSummary(), Weight(), BodyFat(), Height(), Vo2Max(), RunVo2Max(),
    RestingHeartRate(), DailyHeartRateVariability(), DailyOxygenSaturation(), DailyRespiratoryRate(),
    SkinTemperature(), DailyVo2Max(), HeartRateZones(),
    StepsDaily(), DistanceDaily(), FloorsDaily(), TotalCaloriesDaily(),
    TimeInHeartRateZone(), Altitude(), SwimLengths(),
    CoreBodyTemperature(), BloodGlucose(), TimeInHeartRateZoneDaily(), CaloriesInHeartRateZoneDaily(),
    HydrationLog(), NutritionLog(), Electrocardiogram(), IrregularRhythmNotification(),
    MenstrualPeriod(), OvulationTest(), Moods(), Symptoms(),
)
STREAMS_BY_NAME: dict[str, Stream] = {s.name: s for s in STREAMS}
#: Google Health type ids fitvault can sync (what `--types` accepts).
TYPE_IDS: tuple[str, ...] = tuple(dict.fromkeys(s.data_type for s in STREAMS))
#: Raw archive name of a stream's follow-up pages (an exercise's TCX export): ``<stream>:details``.
DETAILS_SUFFIX = ":details"


def streams_for_types(type_ids: list[str] | None) -> list[Stream]:
    """The streams of the given type ids (all when None), in registry order."""
    if not type_ids:
        return list(STREAMS)
    unknown = sorted(set(type_ids) - set(TYPE_IDS))
    if unknown:
        raise ValueError(f"unknown type(s): {', '.join(unknown)}; known: {', '.join(TYPE_IDS)}")
    return [s for s in STREAMS if s.data_type in type_ids]


__all__ = ["DETAILS_SUFFIX", "STREAMS", "STREAMS_BY_NAME", "TYPE_IDS", "ParsedPage", "Stream", "streams_for_types"]
