"""``Physical Activity_GoogleData``: ``<family>_YYYY-MM-DD.csv`` flat or in per-family folders,
monthly, plus undated ``<family>.csv`` (docs/facts/archives.md#layouts D, docs/facts/archives.md#csv-families).

Rows are ``timestamp,<value columns>,data source``; ``timestamp`` is UTC with ``Z`` (fractions
of a second on some families); daily families stamp ``...T00:00:00Z`` to mean the local calendar
date. ``data source`` names the recorder (``Pixel Watch``, ``MobileTrack`` ...): it becomes the
row's source (device and form factor), so readers can keep one recorder per day instead of
adding a phone's steps to a watch's (docs/facts/archives.md#double-counting).

Families and their tables (units as in the files: metres, grams, millimetres, kcal):

=============================  ==========================================  =========================
family (file name)             columns used                                table
=============================  ==========================================  =========================
``heart_rate``                 ``beats per minute``                        ``heart_rate``
``steps``                      ``steps``                                   ``steps`` (1-minute)
``distance``                   ``distance`` / ``meters``                   ``daily_distance`` (sum)
``calories``                   ``calories`` / ``kilocalories``             ``daily_total_calories`` (sum)
``floors``                     ``floors``                                  ``daily_floors`` (sum)
``active_zone_minutes``        ``heart rate zone``, ``total minutes``      ``active_zone_minutes``
``active_minutes``             ``light``, ``moderate``, ``very``           ``active_minutes``
``daily_resting_heart_rate``   ``beats per minute``                        ``resting_heart_rate``
``weight``                     ``weight grams``                            ``weight``
``height``                     ``height millimeters``                      ``height``
``oxygen_saturation``          ``oxygen saturation percentage`` / ``%``    ``spo2``
=============================  ==========================================  =========================

A minute-stamped row covers one minute; an ``active_minutes`` row stamped at UTC midnight with
more than one minute in it is a day's total and covers that local day.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import NamedTuple

import numpy as np

from fitvault import timeutil
from fitvault.datatypes.base import SourceKey
from fitvault.importers._base import FITBIT, Job, csv_records, day_of
from fitvault.importers._bulk import Batch, csv_batches
from fitvault.importers._clock import date_text
from fitvault.importers._text import EARLIEST_MS, after_2008, cell, columns, number
from fitvault.timeutil import DAY_MS

MINUTE_MS = 60_000
_PHONES = ("mobiletrack", "phone")
_APPS = ("app", "health connect", "health kit", "healthkit", "com.")


def source_of(name: str) -> SourceKey:
    """The source key of a ``data source`` value."""
    n = name.strip()
    low = n.lower()
    if not n:
        return FITBIT
    if low in ("manual",):
        return ("FITBIT", "", "", "", "MANUAL", "")
    if low == "derived":
        return ("FITBIT", "", "", "", "DERIVED", "")
    if any(p in low for p in _PHONES):
        return ("FITBIT", n, "", "PHONE", "", "")
    if any(a in low for a in _APPS):
        return ("FITBIT", "", "", "", "", n)
    return ("FITBIT", n, "", "WATCH" if "watch" in low else "FITNESS_BAND", "", "")


def _time_roles(extra: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    return {"time": ("timestamp",), "source": ("data source", "data_source"), **extra}


def _rows(job: Job, extra: Mapping[str, tuple[str, ...]], optional: tuple[str, ...] = ()):
    """(row, cols, UTC ms or None for a bad stamp, source key) of a GoogleData CSV."""
    last_name, last_key = None, FITBIT
    for row, c in csv_records(job, _time_roles(extra), optional=("source",) + optional):
        name = cell(row, c.get("source"))
        if name != last_name:
            last_name, last_key = name, source_of(name)
        yield row, c, last_key


def _instant(job: Job, row: list[str], c: dict[str, int]) -> int:
    return after_2008(timeutil.parse_instant_ms(cell(row, c["time"])))


def _readings(job: Job, extra: Mapping[str, tuple[str, ...]], column: str, blank: str, sentinel: float | None = None):
    """(row, cols, source key, value, UTC ms) of the rows whose ``column`` holds a reading.

    A blank, 0 or ``sentinel`` value is dropped, counted as ``blank`` (not counted when ``blank``
    is ""); a row whose value or time cannot be read is a problem.
    """
    for row, c, key in _rows(job, extra):
        try:
            value = number(cell(row, c[column]))
            if not value or value == sentinel:
                if blank:
                    job.drop(blank)
                continue
            utc = _instant(job, row, c)
        except ValueError as exc:
            job.problem(exc, row)
            continue
        yield row, c, key, value, utc


# -- fingerprints (the evidence pass) ----------------------------------------------------------

FINGERPRINTS = {  # family -> (value column names, key scale)
    "heart_rate": (("beats per minute", "bpm"), 1.0),
    "steps": (("steps",), 1.0),
    "distance": (("distance", "meters", "distance meters"), 100.0),   # metres -> whole cm
    "calories": (("calories", "kilocalories", "kcal"), 10.0),          # tenths of a kcal
}


def prepare(job: Job, family: str) -> None:
    """Fingerprints of the file. A plain heart-rate file's readings are kept for its reader (the
    last such file only: memory for one file), read once instead of twice."""
    names, scale = FINGERPRINTS[family]
    kept: list[_Readings] | None = [] if family == "heart_rate" else None
    for batch, c, plain in _row_batches(job, {"value": names}):
        found = _plain_readings(batch, {**c, "bpm": c["value"]}) if plain and kept is not None else None
        if found is not None and kept is not None:
            # every reading finite, after 2008: the fingerprint of each, as below (scale 1)
            job.state.fingerprints.add_many(family, found.utc, found.bpm)
            kept.append(found)
            continue
        kept = None
        if not (plain and _fingerprint_at_once(job, family, batch, c, scale)):
            for row in batch.rows():
                _fingerprint(job, family, row, c, scale)
    if family == "heart_rate":
        job.state.plain_heart_rate.clear()
        if kept is not None:
            job.state.plain_heart_rate[job.entry.display] = kept


def _fingerprint(job: Job, family: str, row: list[str], c: dict[str, int], scale: float) -> None:
    try:
        value = number(cell(row, c["value"]))
        if not value:
            return
        job.state.fingerprints.add(family, _instant(job, row, c), int(round(value * scale)))
    except ValueError:
        return


def _fingerprint_at_once(job: Job, family: str, batch: Batch, c: dict[str, int], scale: float) -> bool:
    """:func:`_fingerprint` of a batch of plain rows at once; False when a row needs the care."""
    texts, stamps = batch.column(c["value"]), batch.column(c["time"])
    if texts is None or stamps is None:
        return False
    values = _floats(texts)  # float() of a cell as written: the stripped cell's value, or an error
    if values is None:  # "null", "n/a", " " ...: number() decides
        return False
    if np.isinf(values).any():
        return False
    reading = (values != 0) & ~np.isnan(values)
    utc = _instants(stamps, reading.tolist())
    if utc is None:
        return False
    real = utc >= EARLIEST_MS  # the export's padding is left out, as one by one
    keys = np.rint(values[reading][real] * scale).astype(np.int64)
    job.state.fingerprints.add_many(family, utc[real], keys)
    return True


def _floats(texts: list[str]) -> np.ndarray | None:
    """``float(text) if text else 0.0`` of each text, or None when one is not a number."""
    try:
        return np.array(list(map(float, texts)), dtype=np.float64)
    except ValueError:
        pass
    try:
        return np.array([float(t) if t else 0.0 for t in texts], dtype=np.float64)
    except ValueError:
        return None


def _picked(texts: list[str], picked: list[bool]) -> list[str]:
    return texts if all(picked) else [t for t, r in zip(texts, picked) if r]


def _instants(stamps: list[str], picked: list[bool]) -> np.ndarray | None:
    """``parse_instants_ms`` of the stripped stamps picked (None when one is not plain)."""
    chosen = _picked(stamps, picked)
    utc = timeutil.parse_instants_ms(chosen)
    return utc if utc is not None else timeutil.parse_instants_ms([t.strip() for t in chosen])


def _row_batches(job: Job, roles: Mapping[str, tuple[str, ...]]) -> Iterator[tuple[Batch, dict[str, int], bool]]:
    """(rows, column positions by role, plain) of a GoogleData CSV in batches: a plain file read
    whole (``_bulk.csv_batches``), else row by row (batches of one, not plain)."""
    roles = _time_roles(roles)
    optional = ("source",)
    plain = csv_batches(job)
    if plain is None:
        for row, c in csv_records(job, roles, optional=optional):
            yield Batch(rows=[row]), c, False
        return
    header, batches = plain
    c = columns(header, roles, optional=optional)
    for batch in batches:
        yield batch, c, True


# -- readers ---------------------------------------------------------------------------------

def read_heart_rate(job: Job) -> None:
    keys: dict[str, SourceKey] = {}
    read_before = job.state.plain_heart_rate.pop(job.entry.display, None)
    if read_before is not None:  # the evidence pass read this plain file: stored as it read it
        for found in read_before:
            job.records += found.rows
            _store(job, found, keys)
        return
    for batch, c, plain in _row_batches(job, {"bpm": ("beats per minute", "bpm")}):
        found = _plain_readings(batch, c) if plain else None
        if found is not None:
            _store(job, found, keys)
        else:
            _heart_rate_one_by_one(job, batch.rows(), c, keys)


def _source(keys: dict[str, SourceKey], row: list[str], c: dict[str, int]) -> SourceKey:
    name = cell(row, c.get("source"))
    key = keys.get(name)
    if key is None:
        key = keys[name] = source_of(name)
    return key


class _Readings(NamedTuple):
    """A batch of plain GoogleData heart-rate rows, read: what :func:`_store` writes."""

    rows: int
    utc: np.ndarray
    bpm: np.ndarray
    names: list[str]      # the distinct ``data source`` cells, as written
    which: np.ndarray     # each reading's index in ``names``


def _plain_readings(batch: Batch, c: dict[str, int]) -> _Readings | None:
    """The batch's readings when every row is plain and plausible, else None (no side effect)."""
    texts, stamps = batch.column(c["bpm"]), batch.column(c["time"])
    if texts is None or stamps is None:
        return None
    raw = _floats(texts)
    if raw is None or not np.isfinite(raw).all():
        return None
    reading = raw != 0
    picked = reading.tolist()
    utc = _instants(stamps, picked)
    bpm = np.rint(raw[reading]).astype(np.int64)  # round half to even, as round()
    if utc is None or (utc < EARLIEST_MS).any() or ((bpm < 20) | (bpm > 250)).any():
        return None
    index = c.get("source")
    column = batch.column(index) if index is not None else None
    if column is None:  # cell(): "" where a row is short
        column = [cell(row, index) for row in batch.rows()]
    names = _picked(column, picked)
    code = {name: i for i, name in enumerate(dict.fromkeys(names))}
    return _Readings(len(batch), utc, bpm, list(code), np.array(list(map(code.__getitem__, names)), dtype=np.int64))


def _store(job: Job, found: _Readings, keys: dict[str, SourceKey]) -> None:
    if len(found.bpm) < found.rows:
        job.drop("no reading (blank or 0)", found.rows - len(found.bpm))
    by_key: dict[SourceKey, int] = {}  # source keys in order of appearance (two names may share one)
    codes = []
    for name in found.names:
        stripped = name.strip()
        key = keys[stripped] if stripped in keys else keys.setdefault(stripped, source_of(stripped))
        codes.append(by_key.setdefault(key, len(by_key)))
    which = np.array(codes, dtype=np.int64)[found.which]
    job.emit_samples("heart_rate", list(by_key), which, found.utc, job.clock.instants(found.utc), found.bpm)


def _heart_rate_one_by_one(job: Job, rows: list[list[str]], c: dict[str, int], keys: dict[str, SourceKey]) -> None:
    instant, parse, emit = job.clock.instant, timeutil.parse_instant_ms, job.emit
    for row in rows:
        key = _source(keys, row, c)
        try:
            text = row[c["bpm"]]  # the common case, without cell()/number() per row (millions of rows)
            bpm = float(text) if text else 0.0
            if not bpm:
                job.drop("no reading (blank or 0)")
                continue
            utc = after_2008(parse(row[c["time"]].strip()))
        except (ValueError, IndexError) as exc:
            job.problem(exc, row)
            continue
        value = int(round(bpm))
        if 20 <= value <= 250 or job.check(value, 20, 250, "heart rate (bpm)", row):
            emit("heart_rate", (utc, key, instant(utc), value))


def read_steps(job: Job) -> None:
    clock = job.clock
    for row, _c, key, steps, utc in _readings(job, {"steps": ("steps",)}, "steps", "zero-step minute (not stored)"):
        if job.check(steps, 0, 1000, "steps in a minute", row):
            off = clock.instant(utc)
            job.emit("steps", (utc, key, off, utc + MINUTE_MS, clock.instant(utc + MINUTE_MS), int(round(steps))))


def _total(job: Job, table: str, names: tuple[str, ...], scale: float, hi: float) -> None:
    """Per-minute values summed per local day (instant + offset) into a daily total."""
    clock = job.clock
    for row, _c, key, value, utc in _readings(job, {"value": names}, "value", ""):
        if job.check(value, 0, hi, table, row):
            job.total(table, date_text((utc + clock.instant(utc) * 1000) // DAY_MS), value * scale, key)


def _midnight(stamp: str) -> bool:
    """``...T00:00:00Z`` (fractions of zero allowed): a daily row's stamp."""
    return stamp[10:19] == "T00:00:00" and stamp[19:].rstrip("Zz").strip(".0") == ""


def read_distance(job: Job) -> None:
    _total(job, "daily_distance", ("distance", "meters", "distance meters"), 1000.0, 200_000.0)


def read_calories(job: Job) -> None:
    _total(job, "daily_total_calories", ("calories", "kilocalories", "kcal"), 1.0, 50_000.0)


def read_floors(job: Job) -> None:
    _total(job, "daily_floors", ("floors",), 1.0, 10_000.0)


def read_active_zone_minutes(job: Job) -> None:
    clock = job.clock
    roles = {"zone": ("heart rate zone", "heart_zone_id"), "minutes": ("total minutes",)}
    for row, c, key, minutes, utc in _readings(job, roles, "minutes", "no zone minutes (blank or 0)"):
        zone = cell(row, c["zone"]).upper().replace(" ", "_") or None
        if job.check(minutes, 0, 2, "active zone minutes in a minute", row):
            job.emit("active_zone_minutes", (utc, key, clock.instant(utc), utc + MINUTE_MS,
                                             clock.instant(utc + MINUTE_MS), zone, int(minutes)))


def read_active_minutes(job: Job) -> None:
    clock = job.clock
    for row, c, key in _rows(job, {"light": ("light",), "moderate": ("moderate",), "very": ("very", "vigorous")}):
        try:
            values = [number(cell(row, c[k])) or 0.0 for k in ("light", "moderate", "very")]
            if not any(values):
                job.drop("no active minutes (blank or 0)")
                continue
            utc = _instant(job, row, c)
        except ValueError as exc:
            job.problem(exc, row)
            continue
        if not job.check(max(values), 0, 1440, "active minutes", row):
            continue
        stamp = cell(row, c["time"])
        if _midnight(stamp) and sum(values) > 1:  # a day's total: the local day
            start, off = clock.local(timeutil.utc_midnight_ms(day_of(stamp)))
            end, end_off = clock.local(timeutil.utc_midnight_ms(day_of(stamp)) + DAY_MS)
        else:
            start, off = utc, clock.instant(utc)
            end, end_off = utc + MINUTE_MS, clock.instant(utc + MINUTE_MS)
        job.emit("active_minutes", (start, key, off, end, end_off, *(int(round(v)) for v in values)))


def read_resting(job: Job) -> None:
    for row, c, key in _rows(job, {"bpm": ("beats per minute", "bpm")}):
        try:
            bpm = number(cell(row, c["bpm"]))
            if not bpm:
                job.drop("placeholder (resting heart rate 0 or blank)")
                continue
            day = day_of(cell(row, c["time"]))
        except ValueError as exc:
            job.problem(exc, row)
            continue
        if job.check(int(round(bpm)), 20, 200, "resting heart rate (bpm)", row):
            job.emit("resting_heart_rate", (day, key, int(round(bpm)), None))


def _sample(job: Job, table: str, names: tuple[str, ...], lo: float, hi: float, values_of) -> None:
    clock = job.clock
    sentinel = 50.0 if table == "spo2" else None
    for row, _c, key, value, utc in _readings(job, {"value": names}, "value",
                                              "no reading (blank, 0 or the 50.0 sentinel)", sentinel):
        if job.check(value, lo, hi, table, row):
            job.emit(table, (utc, key, clock.instant(utc), *values_of(value)))


def read_weight(job: Job) -> None:
    _sample(job, "weight", ("weight grams", "weight"), 500, 700_000, lambda v: (None, v, None))


def read_height(job: Job) -> None:
    _sample(job, "height", ("height millimeters", "height"), 300, 2800, lambda v: (None, int(round(v))))


def read_spo2(job: Job) -> None:
    _sample(job, "spo2", ("oxygen saturation percentage", "percentage", "spo2", "value"), 40, 100, lambda v: (v,))
