"""``weight-YYYY-MM-DD.json`` and ``demographic_vo2_max-YYYY-MM-DD.json`` (docs/facts/archives.md#global-export-json).

::

    {"logId": 1709337599000, "weight": 159.6, "bmi": 23.65, "fat": 18.2, "date": "03/01/24",
     "time": "23:59:59", "source": "Aria"}
    {"dateTime": "03/01/24 00:00:00", "value": {"demographicVO2Max": 44.1, "filteredDemographicVO2Max": 44.3, ...}}

Weight is in the account's unit (pounds for US accounts, docs/facts/archives.md#unit-traps) and the file does not
say which. fitvault decides per record: the unit given by the caller (``--weight-unit``), else
from the BMI logged beside it (weight / BMI is the height squared: 1.9–4.5 m² in kilograms, 2.2
times that in pounds), else the vault's display unit, else kilograms (with a note).
"""

from __future__ import annotations

from datetime import date

from fitvault.importers._base import Job
from fitvault.importers._clock import date_text, parse_mdy
from fitvault.timeutil import DAY_MS, Sequence, parse_clock

LB_G = 453.59237
_H2 = (1.9, 4.5)


def unit_of(job: Job, weight: float, bmi: float | None) -> str:
    state = job.state
    if state.weight_unit:
        return state.weight_unit
    if bmi and bmi > 0:
        if _H2[0] <= weight / bmi <= _H2[1]:
            return "kg"
        if _H2[0] <= weight * LB_G / 1000 / bmi <= _H2[1]:
            return "lb"
    if state.account_weight_unit:
        return state.account_weight_unit
    state.note("weight-unit", "some Global Export weights have no BMI to tell kilograms from pounds: read as "
                              "kilograms (pass --weight-unit lb if the account used pounds)")
    return "kg"


def read_weight(job: Job) -> None:
    seq = Sequence()
    for rec in job.json():
        try:
            wall = parse_mdy(rec["date"]) + parse_clock(rec.get("time") or "23:59:59")
            weight = float(rec["weight"])
            bmi = rec.get("bmi")
            log_id = str(rec.get("logId") or "")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            job.bad(f"unreadable record: {exc}", rec)
            continue
        if weight <= 0:
            job.drop("placeholder (weight 0)")
            continue
        grams = weight * (LB_G if unit_of(job, weight, float(bmi) if bmi else None) == "lb" else 1000.0)
        if not job.check(grams, 500, 700_000, "weight (g)", rec):
            continue
        utc, off = job.clock.local(wall, seq)
        source = rec.get("source")
        key = ("FITBIT", source if source and source not in ("API", "Web") else "", "", "",
               "MANUAL" if source in ("API", "Web") else "", "")
        job.emit("weight", (utc, key, off, log_id or None, round(grams, 1), None))
        fat = rec.get("fat")
        if fat is not None and float(fat) > 0 and job.check(float(fat), 1, 90, "body fat (%)", rec):
            job.emit("body_fat", (utc, key, off, log_id or None, float(fat)))


def read_vo2_max(job: Job) -> None:
    for rec in job.json():
        try:
            value = rec["value"]
            day = date.fromisoformat(date_text(parse_mdy(rec["dateTime"]) // DAY_MS))
            vo2 = value.get("filteredDemographicVO2Max") or value.get("demographicVO2Max")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            job.bad(f"unreadable record: {exc}", rec)
            continue
        if not vo2:
            job.drop("placeholder (VO2 max 0 or missing)")
            continue
        if job.check(float(vo2), 10, 100, "VO2 max", rec):
            job.emit("daily_vo2_max", (day, job.source, float(vo2), None, 1, None))
