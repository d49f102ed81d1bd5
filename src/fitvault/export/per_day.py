"""Per-day CSV in the layout of the classic Fitbit tutorials: one file per type and local day.

::

    heart/heart20260308.csv    Time,Heart Rate
    sleep/sleep20260308.csv    Time,State,Interpreted
    steps/steps20260308.csv    Time,Steps
    spo2/spo220260308.csv      Time,SpO2
    hrv/hrv20260308.csv        Time,RMSSD,SDNN,LF,HF
    azm/azm20260308.csv        Time,Zone,Active Zone Minutes

``Time`` is the local wall-clock time ``HH:MM:SS`` (``.mmm`` added only when the instant has
milliseconds), computed from each record's own UTC offset, and a record goes in the file of its
own local date. So on a spring-forward day no row falls in the skipped hour, and on a fall-back
day the repeated hour appears twice, in time order. Rows of a day are in UTC order.

Sleep follows the tutorial's v1 ``minuteData`` log: one row per minute of each session, from the
session's start (times keep the seconds of the start, ``23:16:30``), in the file of the night
the session belongs to (the local date of its end, Fitbit's ``dateOfSleep``), so a night's file
starts the evening before. ``State`` and ``Interpreted`` use the tutorial's mapping:

====================================================  =====  ============
what the vault holds at that minute                   State  Interpreted
====================================================  =====  ============
stage ``DEEP``, ``LIGHT``, ``REM`` or ``ASLEEP``      1      Asleep
stage ``RESTLESS``; a short awakening overlaps it     2      Awake
stage ``AWAKE``; an out-of-bed segment overlaps it    3      Very Awake
====================================================  =====  ============

The stage is the one in force at the minute's first instant; a short awakening or out-of-bed
segment marks every minute it overlaps (they are overlays, often shorter than a minute).
Minutes that no stage covers (a session whose stages are still being processed) or whose stage
type is unknown are left out.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any, Iterable

from fitvault.datatypes.tables import TABLES_BY_NAME, Table
from fitvault.errors import ConfigError, StoreError
from fitvault.export.common import (
    CHUNK_ROWS,
    ExportItem,
    ExportResult,
    ProgressCallback,
    Snapshot,
    open_snapshot,
    parse_range,
    prepare_out_dir,
    resolve_tables,
    sql_fraction,
    type_names,
)
from fitvault.store import sample_blocks

SLEEP_STATES: dict[str, int] = {"DEEP": 1, "LIGHT": 1, "REM": 1, "ASLEEP": 1, "RESTLESS": 2, "AWAKE": 3}
#: The tutorial's labels (``sleepdf['State'].map({'2':'Awake','3':'Very Awake','1':'Asleep'})``).
INTERPRETED: dict[int, str] = {1: "Asleep", 2: "Awake", 3: "Very Awake"}
_OVERLAY_STATE = {"short_awakening": 2, "out_of_bed": 3}
_MINUTE_MS = 60_000


@dataclass(frozen=True)
class DaySpec:
    """A per-day file type: vault table, folder and file prefix, header, value expressions."""

    table: str
    folder: str
    header: tuple[str, ...]
    values: tuple[str, ...]


PER_DAY: tuple[DaySpec, ...] = (
    DaySpec("heart_rate", "heart", ("Time", "Heart Rate"), ("t.bpm",)),
    DaySpec("sleep_sessions", "sleep", ("Time", "State", "Interpreted"), ()),
    DaySpec("steps", "steps", ("Time", "Steps"), ("t.count",)),
    DaySpec("spo2", "spo2", ("Time", "SpO2"), ("t.spo2_pct",)),
    DaySpec("hrv", "hrv", ("Time", "RMSSD", "SDNN", "LF", "HF"),
            ("t.rmssd_ms", "t.sdnn_ms", "t.lf_power_ms2", "t.hf_power_ms2")),
    DaySpec("active_zone_minutes", "azm", ("Time", "Zone", "Active Zone Minutes"),
            ("t.heart_rate_zone", "t.active_zone_minutes")),
)
_SPEC_BY_TABLE = {s.table: s for s in PER_DAY}


def per_day_specs(types: Iterable[str] | str | None) -> list[DaySpec]:
    """The per-day file types for ``types`` (all when empty); a type with none is an error."""
    names = type_names(types)
    if not names:
        return list(PER_DAY)
    wanted: set[str] = set()
    for name in names:
        tables = resolve_tables([name])
        found = [t.name if t.name != "sleep_stages" else "sleep_sessions" for t in tables]
        found = [n for n in found if n in _SPEC_BY_TABLE]
        if not found:
            offered = ", ".join(TABLES_BY_NAME[s.table].type_id for s in PER_DAY)
            raise ConfigError(f"{name} has no per-day file; --per-day covers: {offered}")
        wanted.update(found)
    return [s for s in PER_DAY if s.table in wanted]


class _DayFiles:
    """Writes rows into ``<folder>/<folder>YYYYMMDD.csv``, one file open at a time.

    Rows come in UTC order, so a trip west can bring a day back after the next one started:
    that day's file is then reopened and appended to, never truncated twice.
    """

    def __init__(self, folder: Path, prefix: str, header: tuple[str, ...]) -> None:
        self.folder, self.prefix, self.header = folder, prefix, header
        self.day: str | None = None
        self.fh: IO[str] | None = None
        self.writer: Any = None  # a csv writer (its type is private to the csv module)
        self.days: set[str] = set()

    def switch(self, day: str) -> None:
        self.close()
        path = self.folder / f"{self.prefix}{day}.csv"
        again = day in self.days
        try:
            self.fh = open(path, "a" if again else "w", newline="", encoding="utf-8")
        except OSError as exc:
            raise StoreError(f"cannot write {path}: {exc}") from exc
        self.writer = csv.writer(self.fh, lineterminator="\n")
        if not again:
            self.writer.writerow(self.header)
            self.days.add(day)
        self.day = day

    def write(self, day: str, row) -> None:
        if day != self.day:
            self.switch(day)
        self.writer.writerow(row)

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None
            self.day = None


def _local(ms: str, off: str, fmt: str) -> str:
    return f"strftime('{fmt}', t.{ms} / 1000 + t.{off}, 'unixepoch')"


def _write_records(
    snap: Snapshot, spec: DaySpec, table: Table, total: int, files: _DayFiles, start: date | None,
    end: date | None, chunk_rows: int, progress: ProgressCallback | None,
) -> int:
    ms, off = table.time_columns[0], table.time_columns[1]
    day = _local(ms, off, "%Y%m%d")
    clock = f"{_local(ms, off, '%H:%M:%S')} || {sql_fraction(f't.{ms}')}"
    sql, params = snap.select(table, (day, clock) + spec.values, start, end)
    rows = 0
    for chunk in snap.rows(sql, params, chunk_rows=chunk_rows, table=table.name, total=total, progress=progress):
        for row in chunk:
            files.write(row[0], row[1:])
        rows += len(chunk)
    return rows


def _clock(ms: int, offset_s: int) -> str:
    secs = (ms // 1000 + offset_s) % 86400
    text = f"{secs // 3600:02d}:{secs % 3600 // 60:02d}:{secs % 60:02d}"
    return text + (f".{ms % 1000:03d}" if ms % 1000 else "")


def _transition_ms(snap: Snapshot, start_ms: int, start_off: int, end_ms: int, end_off: int) -> int:
    """When the UTC offset changed inside a span whose two ends have different offsets.

    The vault holds offsets only at the ends of a stage. Heart-rate samples carry their own, so
    the change lies after the last sample with the old offset and at or before the first with
    the new one; DST changes happen on the hour of local time, so the first whole hour of old
    local time in that window is taken (else the first new sample). Without samples, the first
    whole hour after the span's start.
    """
    lo, hi = start_ms, end_ms
    if sample_blocks.TABLE in snap.present:
        a = sample_blocks.read(snap.conn, start_ms, end_ms + 1)
        t, off = a["time_ms"], a["utc_offset_s"]
        new = t[(t > start_ms) & (off == end_off)]
        if len(new):
            first_new = int(new[0])
            old = t[(t < first_new) & (off == start_off)]
            lo, hi = max(lo, int(old[-1]) if len(old) else lo), first_new
    elif "heart_rate" in snap.present:  # a vault of schema 3 or older (exports never migrate)
        first_new = snap.conn.execute(
            "SELECT min(time_ms) FROM heart_rate WHERE time_ms > ? AND time_ms <= ? AND utc_offset_s = ?",
            (start_ms, end_ms, end_off),
        ).fetchone()[0]
        if first_new is not None:
            last_old = snap.conn.execute(
                "SELECT max(time_ms) FROM heart_rate WHERE time_ms >= ? AND time_ms < ? AND utc_offset_s = ?",
                (start_ms, first_new, start_off),
            ).fetchone()[0]
            lo, hi = max(lo, last_old if last_old is not None else lo), first_new
    hour = 3_600_000
    whole = ((lo + start_off * 1000) // hour + 1) * hour - start_off * 1000
    return whole if whole <= hi else hi


def sleep_minutes(snap: Snapshot, session: tuple, parts: list[tuple]) -> list[tuple[str, int, str]]:
    """The minute log of one session: (local ``HH:MM:SS``, State, Interpreted) per minute.

    ``session`` is ``(start_ms, start_offset_s, end_ms, end_offset_s)``; ``parts`` its
    ``sleep_stages`` rows ``(kind, start_ms, start_offset_s, end_ms, end_offset_s, stage)``.
    """
    start_ms, _start_off, end_ms, _end_off = session
    stages = sorted(p for p in parts if p[0] == "stage")
    overlays = [p for p in parts if p[0] in _OVERLAY_STATE]
    changes = {(s[1], s[3]): _transition_ms(snap, s[1], s[2], s[3], s[4]) for s in stages if s[2] != s[4]}
    out = []
    i = 0
    t = start_ms
    while t < end_ms:
        while i < len(stages) and stages[i][3] <= t:
            i += 1
        stage = stages[i] if i < len(stages) and stages[i][1] <= t else None
        state = SLEEP_STATES.get(stage[5]) if stage else None  # no stage, or an unknown type: left out
        if stage is not None and state is not None:
            for kind, o_start, _o_off, o_end, _o_end_off, _ in overlays:
                if o_start < t + _MINUTE_MS and o_end > t:
                    state = max(state, _OVERLAY_STATE[kind])
            offset = stage[2]
            if stage[2] != stage[4] and t >= changes[(stage[1], stage[3])]:
                offset = stage[4]
            out.append((_clock(t, offset), state, INTERPRETED[state]))
        t += _MINUTE_MS
    return out


def _write_sleep(
    snap: Snapshot, table: Table, total: int, files: _DayFiles, start: date | None, end: date | None,
    progress: ProgressCallback | None,
) -> tuple[int, int]:
    """Minute logs of every session in range, by night; returns (sessions, minute rows)."""
    sql, params = snap.select(table, ("t.id", "t.date", "t.start_ms", "t.start_offset_s", "t.end_ms", "t.end_offset_s"),
                         start, end)
    sessions = rows = 0
    has_stages = "sleep_stages" in snap.present
    for chunk in snap.rows(sql, params, chunk_rows=1000, table=table.name, total=total, progress=progress):
        for sid, night, *span in chunk:
            parts = snap.conn.execute(
                "SELECT kind, start_ms, start_offset_s, end_ms, end_offset_s, stage FROM sleep_stages "
                "WHERE session_id = ?", (sid,),
            ).fetchall() if has_stages else []
            day = night.replace("-", "")
            minutes = sleep_minutes(snap, tuple(span), parts)
            for row in minutes:
                files.write(day, row)
            sessions += 1
            rows += len(minutes)
    return sessions, rows


def export_per_day(
    vault_dir: Path | str,
    out_dir: Path | str,
    *,
    types: Iterable[str] | str | None = None,
    start: date | str | None = None,
    end: date | str | None = None,
    progress: ProgressCallback | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ExportResult:
    """Write one CSV per type and local day in the tutorial layout (see the module docstring).

    Args:
        vault_dir: the vault folder; opened read-only.
        out_dir: folder to write into; each type gets a sub-folder (``heart/``, ``sleep/`` ...).
            Files of the days exported are replaced; other days' files are left alone.
        types: Google type ids or table names with a per-day layout (all of them when None):
            ``heart-rate``, ``sleep``, ``steps``, ``oxygen-saturation``, ``heart-rate-variability``,
            ``active-zone-minutes``.
        start, end: local dates, inclusive (for sleep: the night, the local date of the end).
        progress: per-table progress callback (sleep counts sessions).
        chunk_rows: rows read and written at a time.

    Returns:
        An :class:`~fitvault.export.common.ExportResult` with one item per type: its folder,
        the number of day files and of rows (for sleep: of minute rows).
    """
    specs = per_day_specs(types)
    lo, hi = parse_range(start, end)
    tables = [TABLES_BY_NAME[s.table] for s in specs]
    with open_snapshot(vault_dir) as snap:
        out = prepare_out_dir(out_dir)
        result = ExportResult("csv-per-day", out)
        for table, total in snap.plan(tables, lo, hi, result, progress):
            spec = _SPEC_BY_TABLE[table.name]
            folder = out / spec.folder
            try:
                folder.mkdir(exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create {folder}: {exc}") from exc
            files = _DayFiles(folder, spec.folder, spec.header)
            try:
                if table.name == "sleep_sessions":
                    sessions, rows = _write_sleep(snap, table, total, files, lo, hi, progress)
                    result.notes.append(f"sleep: {sessions} sessions written as {rows} minute rows")
                else:
                    rows = _write_records(snap, spec, table, total, files, lo, hi, chunk_rows, progress)
            finally:
                files.close()
            result.items.append(ExportItem(table.name, rows, folder, files=len(files.days)))
    return result

