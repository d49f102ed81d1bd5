"""``Physical Activity_GoogleData`` families with an API twin, into the same tables the sync fills
(docs/facts/archives.md#verified-on-real-exports; headers as in the 2026 Takeout, docs/facts/archives.md#fact-6):

=======================================  ======================================  ========================
family (file name)                       columns used                            table
=======================================  ======================================  ========================
``daily_heart_rate_variability``         average HRV, non-REM HR, entropy,       ``daily_hrv``
                                         deep-sleep RMSSD
``daily_respiratory_rate``               ``breaths per minute``                  ``daily_breathing_rate``
``daily_oxygen_saturation``              average, lower and upper bound,         ``daily_spo2``
                                         standard deviation (percent)
``daily_sleep_temperature_derivations``  nightly, baseline, 30-day stddev (°C)    ``daily_skin_temperature``
``demographic_vo2max``                   ``demographic vo2max``                  ``daily_vo2_max`` (estimated)
``heart_rate_variability``               RMSSD, standard deviation (ms)          ``hrv``
``respiratory_rate_sleep_summary``       full / deep / light / REM rates         ``breathing_rate_sleep``
=======================================  ======================================  ========================

Daily rows are stamped ``T00:00:00Z``: the local calendar date. A value of ``0.0`` is no value
(the 2026 export writes 0.0 in every ``standard deviation`` and ``baseline`` cell; an HRV of 0 is
"no reading", fact 10), ``NaN`` likewise; a row with no value at all is left out.

**Vintage** (fact 6): ``heart_rate_variability`` and ``respiratory_rate_sleep_summary`` are true
UTC in the 2026 export, which has a ``data source`` column; in 2025 exports (no such column) the
stamp is the local wall time with a ``Z`` appended, so it is read as a local time there.
``respiratory_rate_sleep_summary`` lists its stats deep, light, REM, full; the column names say
"milli breaths per minute" but the values are breaths per minute; ``-1.0`` is a stage without a
rate (fact 9), missing for that stage only.
"""

from __future__ import annotations

from collections.abc import Mapping

from fitvault import timeutil
from fitvault.importers._base import Job, day_of
from fitvault.importers._text import after_2008, cell, number
from fitvault.importers.google_data.physical_activity import _rows
from fitvault.timeutil import parse_iso_wall

_BR = (1.0, 80.0)


def _values(row: list[str], c: dict[str, int], names: tuple[str, ...]) -> list[float | None]:
    """The cells of ``names`` as numbers; 0, negative and NaN are None (no value)."""
    out = []
    for name in names:
        v = number(cell(row, c.get(name)))
        out.append(v if v is not None and v > 0 else None)
    return out


def _daily(job: Job, table: str, roles: Mapping[str, tuple[str, ...]], build, required: str) -> None:
    """One row per date: ``build(values)`` -> the value columns, or None to leave the row out."""
    names = tuple(roles)
    for row, c, key in _rows(job, roles, optional=tuple(n for n in names if n != required)):
        try:
            values = _values(row, c, names)
            if values[names.index(required)] is None:
                job.drop("no value (blank, 0 or NaN)")
                continue
            day = day_of(cell(row, c["time"]))
        except ValueError as exc:
            job.problem(exc, row)
            continue
        columns = build(job, row, values)
        if columns is not None:
            job.emit(table, (day, key, *columns))


def read_daily_hrv(job: Job) -> None:
    roles = {"avg": ("average heart rate variability milliseconds",),
             "nrem": ("non rem heart rate beats per minute",), "entropy": ("entropy",),
             "deep": ("deep sleep root mean square of successive differences milliseconds",)}

    def build(job: Job, row, v):
        avg, nrem, entropy, deep = v
        if not job.check(avg, 1, 300, "HRV (ms)", row):
            return None
        return avg, None if nrem is None else int(round(nrem)), entropy, deep
    _daily(job, "daily_hrv", roles, build, "avg")


def read_daily_respiratory_rate(job: Job) -> None:
    def build(job: Job, row, v):
        return (v[0],) if job.check(v[0], *_BR, "breathing rate", row) else None
    _daily(job, "daily_breathing_rate", {"rate": ("breaths per minute",)}, build, "rate")


def read_daily_spo2(job: Job) -> None:
    roles = {"avg": ("average percentage",), "lo": ("lower bound percentage",), "hi": ("upper bound percentage",),
             "sd": ("standard deviation percentage",)}

    def build(job: Job, row, v):
        return tuple(v) if job.check(v[0], 40, 100, "SpO2 (%)", row) else None
    _daily(job, "daily_spo2", roles, build, "avg")


def read_sleep_temperature(job: Job) -> None:
    roles = {"nightly": ("nightly temperature celsius",), "baseline": ("baseline temperature celsius",),
             "sd": ("relative nightly stddev 30d celsius",)}

    def build(job: Job, row, v):
        return tuple(v) if job.check(v[0], 20, 45, "skin temperature (°C)", row) else None
    _daily(job, "daily_skin_temperature", roles, build, "nightly")


def read_vo2_max(job: Job) -> None:
    def build(job: Job, row, v):
        # demographic VO2 max is Fitbit's estimate without a run: estimated = 1 (as the Global Export's)
        return (v[0], None, 1, None) if job.check(v[0], 10, 100, "VO2 max", row) else None
    _daily(job, "daily_vo2_max", {"vo2": ("demographic vo2max", "demographic vo2 max")}, build, "vo2")


def _placed(job: Job, stamp: str, utc_stamps: bool) -> tuple[int, int]:
    """(UTC ms, offset) of a stamp: an instant in the 2026 vintage, a local wall time + ``Z`` in 2025."""
    if utc_stamps:
        utc = after_2008(timeutil.parse_instant_ms(stamp))
        return utc, job.clock.instant(utc)
    wall = parse_iso_wall(stamp.rstrip("Zz"))
    after_2008(wall)
    return job.clock.local(wall)


def _samples(job: Job, table: str, roles: Mapping[str, tuple[str, ...]], build) -> None:
    header_checked: bool | None = None
    for row, c, key in _rows(job, roles, optional=tuple(roles)[1:]):
        if header_checked is None:
            header_checked = "source" in c
            if not header_checked:
                job.state.note(f"vintage:{job.family.key}", f"{job.family.title}: no 'data source' column (2025 "
                               "vintage): its stamps are local wall times with a Z, read in the import's zone")
        try:
            values = _values(row, c, tuple(roles))
            if all(v is None for v in values):
                job.drop("no value (blank, 0 or NaN)")
                continue
            utc, off = _placed(job, cell(row, c["time"]), header_checked)
        except ValueError as exc:
            job.problem(exc, row)
            continue
        columns = build(job, row, values)
        if columns is not None:
            job.emit(table, (utc, key, off, *columns))


def read_hrv(job: Job) -> None:
    roles = {"rmssd": ("root mean square of successive differences milliseconds",),
             "sdnn": ("standard deviation milliseconds",)}

    def build(job: Job, row, v):
        if v[0] is None or not job.check(v[0], 1, 300, "HRV (ms)", row):
            return None
        return v[0], v[1], None, None
    _samples(job, "hrv", roles, build)


def read_respiratory_sleep(job: Job) -> None:
    def stat(stage: str, what: str) -> tuple[str, ...]:
        return (f"{stage} sleep stats - {what}",)
    roles = {"full": stat("full", "milli breaths per minute"),
             "full_sd": stat("full", "standard deviation milli breaths per minute"),
             "full_snr": stat("full", "signal to noise"), "deep": stat("deep", "milli breaths per minute"),
             "light": stat("light", "milli breaths per minute"), "rem": stat("rem", "milli breaths per minute")}

    def build(job: Job, row, v):
        rates = [r for r in (v[0], v[3], v[4], v[5]) if r is not None]
        if any(not _BR[0] <= r <= _BR[1] for r in rates):
            job.bad(f"impossible breathing rate: {rates}", row)
            return None
        return tuple(v)
    _samples(job, "breathing_rate_sleep", roles, build)
