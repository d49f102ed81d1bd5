"""What the synthetic person logs by hand, and what the watch's heart-rhythm features record, with
their ground truth. Each local date ``d`` (the awake period before the night of evening ``d`` in
the schedule) gets, deterministically:

- ``hydration-log``: 3-6 glasses of 250 mL spread over the waking hours, plus a 500 mL bottle
  5 minutes after each workout; logged at an instant (interval start == end).
- ``nutrition-log``: breakfast (30-60 min after waking), lunch (12:00-13:30), dinner
  (18:30-20:00) and sometimes a snack; the day's intake is the previous date's total calories
  (the same ``total-calories`` the vault gets) +-8 %, split 25/35/35/5 %; 50 % carbohydrate
  (4 kcal/g), 30 % fat (9 kcal/g), 20 % protein (4 kcal/g, as the PROTEIN nutrient).
- A cold every 23 days (3 days): ``symptoms`` each evening (COUGH, FATIGUE, HEADACHE; FEVER the
  first two days) and ``core-body-temperature`` by mouth morning and evening (38.2 -> 37.2 °C);
  otherwise ``symptoms`` FATIGUE after a main sleep under 5.5 h.
- ``moods`` most evenings: from the night before (>= 7 h: CONTENT/HAPPY, PLEASANT; < 6 h or a
  cold: DRAINED/FATIGUED, UNPLEASANT; else CALM, BASELINE).
- ``blood-glucose``: a fasting finger-prick once a week, 15 min after waking, 82-98 mg/dL.
- ``electrocardiogram``: a 30 s reading every 11 days at ~09:30 if the watch is worn and the
  person idle; its average heart rate is the mean of that minute's heart-rate samples, the
  waveform a 250 Hz lead I trace at that rate (mV x 1000).
- ``irregular-rhythm-notification``: one alert every 29 days, 2 h into the main sleep: three
  overlapping 10-minute windows, all positive (the algorithm alerts only then, discovery
  document ``AlertWindow``), their beats the heart-rate samples in them.
- ``menstrual-period`` and ``ovulation-test``: none. The person is a man (the energy model uses
  the male Mifflin-St Jeor BMR), so these types answer empty pages.

Every log exists from its instant on (an IRN alert from its end); manual logs have no device.
"""

from __future__ import annotations

import math
import random
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from .activity import DAY, IDLE
from .cache import DayCache
from .devices import DEVICES
from .fitness import fitness_of
from .rand import digest_int, stream
from .timezones import EPOCH_ORDINAL
from .truth import register

_NAMES = tuple(d.display_name for d in DEVICES)
_FAR = 2**62
_MEALS = (("BREAKFAST", ("Oatmeal with berries", "Eggs and toast", "Yogurt and granola"), 0.25),
          ("LUNCH", ("Chicken salad", "Lentil soup", "Turkey sandwich"), 0.35),
          ("DINNER", ("Salmon and rice", "Pasta with vegetables", "Beef stir-fry"), 0.35),
          ("SNACK", ("Apple", "Almonds", "Protein bar"), 0.05))
ECG_HZ, ECG_SECONDS, ECG_SCALE = 250, 30, 1000


@dataclass
class DayLogs:
    """The logs of one local date; see the module docstring for each tuple."""

    hydration: list[tuple] = field(default_factory=list)  # (t, off, t, off, id, ml)
    nutrition: list[tuple] = field(default_factory=list)  # (t, off, t, off, id, name, meal, kcal, fat kcal, carb g, fat g, protein g)
    glucose: list[tuple] = field(default_factory=list)  # (t, off, id, mg/dL)
    temperature: list[tuple] = field(default_factory=list)  # (t, off, id, °C)
    moods: list[tuple] = field(default_factory=list)  # (t, off, moods, valences)
    symptoms: list[tuple] = field(default_factory=list)  # (t, off, symptoms)
    ecg: list[tuple] = field(default_factory=list)  # (t, off, t, off, id, avg bpm, classification, waveform, dev)
    irn: list[tuple] = field(default_factory=list)  # (start, off, end, off, id, windows, dev)


def waveform(bpm: int, seconds: int = ECG_SECONDS) -> list[int]:
    """A lead I trace at ``bpm``: an R peak of 1.1 mV with Q/S dips, a P and a T wave (mV x 1000)."""
    period = ECG_HZ * 60 / bpm
    out = []
    for i in range(ECG_HZ * seconds):
        x = (i % period) / period  # phase in the beat
        mv = (0.12 * math.exp(-((x - 0.12) / 0.025) ** 2) - 0.1 * math.exp(-((x - 0.22) / 0.008) ** 2)
              + 1.1 * math.exp(-((x - 0.25) / 0.01) ** 2) - 0.2 * math.exp(-((x - 0.28) / 0.01) ** 2)
              + 0.3 * math.exp(-((x - 0.55) / 0.05) ** 2))
        out.append(round(mv * ECG_SCALE))
    return out


class Logs:
    """Lazily generated, cached logs of one person."""

    def __init__(self, person: Any) -> None:
        self.p = person
        self.seed = person.seed
        self._days: DayCache[DayLogs] = DayCache(2000)

    def _id(self, kind: str, t: int) -> str:
        return str(digest_int(self.seed, "log-id", kind, t) % 10**18)

    def _at(self, t: int) -> tuple[int, int]:
        return t * 1000, self.p.zones.offset_at(t)

    def _plan(self, d: date) -> Any:
        noon = self.p.zones.local_to_utc(datetime.combine(d, time(12, 0)))
        plans = [p for p in self.p.schedule.days_overlapping(noon - 1, noon + 1) if p.evening == d]
        return plans[0] if plans else None

    def day(self, d: date) -> DayLogs:
        return self._days.get(d.toordinal(), lambda: self._make(d))

    def _local(self, d: date, hh: int, mm: int) -> int:
        return self.p.zones.local_to_utc(datetime.combine(d, time(hh)) + timedelta(minutes=mm))

    def _hydration(self, out: DayLogs, rng: random.Random, plan: Any) -> None:
        wake, bed = plan.awake_start, plan.main.start
        for i in range(rng.randint(3, 6)):  # two logs may share a minute: the id tells them apart
            t = rng.randrange(wake + 600, bed - 600)
            t -= t % 60
            out.hydration.append((*self._at(t), *self._at(t), self._id(f"water{i}", t), 250.0))
        for w in plan.workouts:
            t = w.end + 300
            out.hydration.append((*self._at(t), *self._at(t), self._id("bottle", t), 500.0))

    def _nutrition(self, out: DayLogs, rng: random.Random, d: date, wake: int, bed: int) -> None:
        target = self._intake(d) * rng.uniform(0.92, 1.08)
        for meal, names, share in _MEALS:
            if meal == "SNACK" and rng.random() < 0.5:
                continue
            t = {"BREAKFAST": wake + rng.randint(30, 60) * 60, "LUNCH": self._local(d, 12, rng.randint(0, 90)),
                 "DINNER": self._local(d, 18, 30 + rng.randint(0, 90)),
                 "SNACK": self._local(d, 16, rng.randint(0, 59))}[meal]
            if not wake < t < bed:
                continue
            kcal = round(target * share)
            out.nutrition.append((*self._at(t), *self._at(t), self._id("food", t), rng.choice(names), meal,
                                  float(kcal), round(kcal * 0.3, 1), round(kcal * 0.5 / 4, 1),
                                  round(kcal * 0.3 / 9, 1), round(kcal * 0.2 / 4, 1)))

    def _make(self, d: date) -> DayLogs:
        out = DayLogs()
        plan = self._plan(d)
        if plan is None or plan.awake_start < self.p.history_start_s:
            return out
        rng = stream(self.seed, "logs", d.toordinal())
        wake, bed = plan.awake_start, plan.main.start
        o = d.toordinal()
        cold_day = (o + 3 * self.seed + 2) % 23
        sick = cold_day < 3
        night_h = (wake - self._prev_main_start(plan)) / 3600
        self._hydration(out, rng, plan)
        self._nutrition(out, rng, d, wake, bed)
        # a cold: symptoms and temperature; otherwise fatigue after a short night
        evening = min(self._local(d, 21, rng.randint(0, 45)), bed - 900)
        if sick:
            symptoms = ("COUGH", "FATIGUE", "HEADACHE") + (("FEVER",) if cold_day < 2 else ())
            out.symptoms.append((*self._at(evening), symptoms))
            for t, base in ((wake + 1200, 38.2 - 0.5 * cold_day), (evening - 600, 38.0 - 0.5 * cold_day)):
                t -= t % 60
                out.temperature.append((*self._at(t), self._id("temp", t), round(base + rng.uniform(-0.15, 0.15), 1)))
        elif night_h < 5.5:
            out.symptoms.append((*self._at(evening), ("FATIGUE",)))
        if rng.random() < 0.7:
            moods: tuple[str, ...]
            if sick or night_h < 6:
                moods, val = ("DRAINED", "FATIGUED"), ("UNPLEASANT",)
            elif night_h >= 7:
                moods, val = (rng.choice(("CONTENT", "HAPPY")),), ("PLEASANT",)
            else:
                moods, val = ("CALM",), ("BASELINE",)
            out.moods.append((*self._at(evening + 60), moods, val))
        if (o + self.seed) % 7 == 3:
            t = wake + 900
            out.glucose.append((*self._at(t), self._id("glucose", t), float(rng.randint(82, 98))))
        if (o + self.seed) % 11 == 3:
            self._ecg(d, rng, out)
        if (o + self.seed) % 29 == 11:
            self._irn(plan, out)
        return out

    def _prev_main_start(self, plan: Any) -> int:
        prev = [p for p in self.p.schedule.days_overlapping(plan.awake_start - 1, plan.awake_start)
                if p.main.end == plan.awake_start]
        return prev[0].main.start if prev else plan.awake_start - 8 * 3600

    def _intake(self, d: date) -> float:
        prev = d - timedelta(days=1)
        totals = fitness_of(self.p).daily_motion(prev, d, _FAR)
        return totals[prev][2] / 1000 if prev in totals and totals[prev][7] > 1200 else 2400.0

    def _ecg(self, d: date, rng: Any, out: DayLogs) -> None:
        t = self._local(d, 9, 30 + rng.randint(0, 20))
        day, m = t // DAY, t % DAY // 60
        plan = self.p.minute_plan(day)
        z = fitness_of(self.p).hr_zones(day)
        if plan.state[m] != IDLE or not z.hr_n[m]:
            return
        bpm = round(z.hr_sum[m] / z.hr_n[m])
        kind = "NORMAL_SINUS_RHYTHM" if 50 <= bpm <= 120 else "INCONCLUSIVE_HIGH_HEART_RATE" if bpm > 120 \
            else "INCONCLUSIVE_LOW_HEART_RATE"
        out.ecg.append((*self._at(t), *self._at(t), self._id("ecg", t), bpm, kind, waveform(bpm), plan.devices[m]))

    def _irn(self, plan: Any, out: DayLogs) -> None:
        start = plan.main.start + 2 * 3600
        start -= start % 60
        windows = []
        for k in range(3):
            lo = start + 300 * k
            beats = [(t, off, bpm) for t, off, bpm, _d, _a in
                     self.p.iter_heart_rate(lo * 1000, (lo + 600) * 1000, _FAR)]
            windows.append((*self._at(lo), *self._at(lo + 600), beats))
        if not any(w[4] for w in windows):  # the watch was off: no analysis, no alert
            return
        end = start + 300 * 2 + 600
        dev = self.p.minute_plan(start // DAY).devices[start % DAY // 60]
        out.irn.append((*self._at(start), *self._at(end), self._id("irn", start), tuple(windows), dev))

    # -- walks for the API and the ground truth ---------------------------------------------
    def walk(self, what: str, lo_ms: int, hi_ms: int, as_of_ms: int, *, descending: bool = False) -> Iterator[tuple]:
        """Records of ``what`` (a :class:`DayLogs` field) starting in [lo, hi) that exist at
        ``as_of_ms`` (IRN: ended by then), by start."""
        lo_ms = max(lo_ms, self.p.history_start_s * 1000)
        hi_ms = min(hi_ms, _FAR)
        if lo_ms >= hi_ms:
            return iter(())
        first = date.fromordinal(EPOCH_ORDINAL + lo_ms // 1000 // DAY) - timedelta(days=1)
        last = date.fromordinal(EPOCH_ORDINAL + min(hi_ms, as_of_ms + 1) // 1000 // DAY) + timedelta(days=1)
        out = []
        d = first
        while d <= last:
            for r in getattr(self.day(d), what):
                exists = (r[2] if what == "irn" else r[0]) < as_of_ms
                if exists and lo_ms <= r[0] < hi_ms:
                    out.append(r)
            d += timedelta(days=1)
        out.sort(key=lambda r: r[0])
        return iter(reversed(out) if descending else out)

    def walker(self, what: str) -> Callable[..., Iterator[tuple]]:
        return lambda lo, hi, as_of, descending=False: self.walk(what, lo, hi, as_of, descending=descending)


_LOGS: weakref.WeakKeyDictionary[Any, Logs] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def logs_of(person: Any) -> Logs:
    """The (cached) :class:`Logs` of ``person``."""
    with _LOCK:
        lg = _LOGS.get(person)
        if lg is None:
            lg = _LOGS[person] = Logs(person)
        return lg


# -- ground truth ------------------------------------------------------------------------------

def _session(r: tuple) -> dict:
    return {"start_ms": r[0], "start_offset_s": r[1], "end_ms": r[2], "end_offset_s": r[3], "id": r[4]}


@register("hydration_log")
def _truth_hydration(person, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [{**_session(r), "volume_ml": r[5], "user_provided_unit": "MILLILITER", "device": ""}
            for r in logs_of(person).walk("hydration", lo, hi, as_of_ms)]


@register("nutrition_log")
def _truth_nutrition(person, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [{**_session(r), "food_display_name": r[5], "food": None, "meal_type": r[6], "energy_kcal": r[7],
             "energy_from_fat_kcal": r[8], "carbohydrate_g": r[9], "fat_g": r[10], "serving_amount": None,
             "serving_unit": None, "nutrients": '{"PROTEIN": %r}' % r[11], "device": ""}
            for r in logs_of(person).walk("nutrition", lo, hi, as_of_ms)]


@register("blood_glucose")
def _truth_glucose(person, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [{"time_ms": t, "utc_offset_s": off, "id": pid, "glucose_mg_dl": v, "meal_type": None,
             "measurement_timing": "FASTING", "measurement_source": "SELF_MONITORING_BLOOD_GLUCOSE",
             "specimen": "CAPILLARY_BLOOD", "notes": None, "device": ""}
            for t, off, pid, v in logs_of(person).walk("glucose", lo, hi, as_of_ms)]


@register("core_body_temperature")
def _truth_temperature(person, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [{"time_ms": t, "utc_offset_s": off, "id": pid, "temperature_c": v, "measurement_location": "MOUTH",
             "device": ""} for t, off, pid, v in logs_of(person).walk("temperature", lo, hi, as_of_ms)]


@register("moods")
def _truth_moods(person, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [{"time_ms": t, "utc_offset_s": off, "moods": ",".join(m), "valences": ",".join(v), "device": ""}
            for t, off, m, v in logs_of(person).walk("moods", lo, hi, as_of_ms)]


@register("symptoms")
def _truth_symptoms(person, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [{"time_ms": t, "utc_offset_s": off, "symptoms": ",".join(s), "device": ""}
            for t, off, s in logs_of(person).walk("symptoms", lo, hi, as_of_ms)]


@register("ecg_readings")
def _truth_ecg(person, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [{**_session(r), "avg_hr_bpm": r[5], "result_classification": r[6], "lead_number": 1,
             "sampling_frequency_hz": ECG_HZ, "millivolts_scaling_factor": ECG_SCALE,
             "waveform": "[" + ",".join(map(str, r[7])) + "]", "device_model": _NAMES[r[8]],
             "firmware_version": "1.0", "feature_version": "1.3", "device": _NAMES[r[8]]}
            for r in logs_of(person).walk("ecg", lo, hi, as_of_ms)]


@register("irn_alerts")
def _truth_irn(person, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return [{**_session(r), "alert_windows": len(r[5]), "positive_windows": len(r[5]),
             "heart_beats": sum(len(w[4]) for w in r[5]), "device_model": _NAMES[r[6]], "algorithm_version": "1.0",
             "service_version": "1.0", "device": _NAMES[r[6]]}
            for r in logs_of(person).walk("irn", lo, hi, as_of_ms)]


@register("menstrual_periods", "ovulation_tests")
def _truth_none(person, lo: int, hi: int, as_of_ms: int) -> list[dict]:
    return []  # the person is a man (see the module docstring)
