"""What every family module gets: a :class:`Job` for the file being read, and the shared
:class:`State` of the whole import (evidence across files, day totals, sleep logs seen).

A family module is a function ``read(job)`` that takes records from ``job.json()`` or
``job.csv()``, converts times with ``job.clock``, and hands rows to ``job.emit(table, row)``
(or day totals to ``job.total(...)``), counting what it leaves out with ``job.drop(reason)``.
"""

from __future__ import annotations

import codecs
import io
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Generator, Iterator

import numpy as np

from fitvault import timeutil
from fitvault.datatypes.base import SourceKey, plausible
from fitvault.errors import ParticipantRequired
from fitvault.importers import _text
from fitvault.importers._clock import Clock
from fitvault.importers._containers import Entry
from fitvault.importers._fingerprint import Fingerprints
from fitvault.importers._writer import Writer
from fitvault.timeutil import Sequence, parse_iso_wall

#: The source key of archive records without a device: (platform, device, manufacturer,
#: form_factor, recording_method, application).
FITBIT: SourceKey = ("FITBIT", "", "", "", "", "")


@dataclass(frozen=True)
class Family:
    """One kind of file.

    Attributes:
        key: short id, ``<format>/<family>`` (``global-export/heart_rate``).
        title: for the summary table.
        tables: vault tables it fills.
        read: the reader (``read(job)``).
        phase: files are read in phase order (see ``_run``): 1 local sources matched against
            the evidence pass, 2 UTC sources, 3 everything else.
        prepare: a reader for the evidence pass (phase 0) that stores nothing, or None.
        fingerprint: the fingerprint family this file feeds or is matched against, or "".
    """

    key: str
    title: str
    tables: tuple[str, ...]
    read: Callable[[Job], None]
    phase: int = 3
    prepare: Callable[[Job], None] | None = None
    fingerprint: str = ""


@dataclass
class State:
    """What one import shares across files."""

    clock: Clock
    fingerprints: Fingerprints = field(default_factory=Fingerprints)
    #: family -> "utc" | "local": the clock of a Global Export minute family, once decided.
    family_clock: dict[str, str] = field(default_factory=dict)
    #: family -> [files whose first stamp is local midnight read as UTC, ... read as local time].
    boundary_votes: dict[str, list[int]] = field(default_factory=dict)
    #: Global Export heart-rate day files: the day in the name -> its first stamp (wall ms).
    day_starts: dict[int, int] = field(default_factory=dict)
    #: Global Export sleep logs read: (local start wall ms, UTC start ms, UTC end ms, main sleep),
    #: the twins GoogleData ``UserSleeps`` are matched against.
    sleep_logs: list[tuple[int, int, int, bool]] = field(default_factory=list)
    #: GoogleData sleep id -> its stamps are local wall times labelled ``+0000`` (the 2025
    #: vintage) rather than UTC; decided by ``UserSleeps`` for its ``UserSleepStages``.
    sleep_local: dict[str, bool] = field(default_factory=dict)
    #: GoogleData ``UserSleeps`` of every file (evidence pass): id -> (rank of its
    #: ``algorithm_version``, source key, start, end as written); the ids kept, one computation per
    #: sleep (decided when the first file is read); the ids left out (nor their stages stored); how
    #: many sleeps an earlier import stored the kept computation replaced.
    sleep_candidates: dict[str, tuple[int, SourceKey, int, int]] = field(default_factory=dict)
    sleep_kept: set[str] | None = None
    sleep_second: set[str] = field(default_factory=set)
    sleep_replaced: int = 0
    #: (clock, evidence) -> GoogleData sleeps read that way, for the notes.
    sleep_clock_votes: dict[tuple[str, str], int] = field(default_factory=dict)
    #: ids of sleep logs and exercises already read in this import (chunk-boundary duplicates).
    seen: set[str] = field(default_factory=set)
    #: natural keys written by this import -> hash of the row (``_writer``: nothing overwritten unnoticed).
    keys: dict[tuple, int] = field(default_factory=dict)
    #: (table, origin, date, source key) -> summed value, written at the end.
    totals: dict[tuple[str, str, str, SourceKey], float] = field(default_factory=dict)
    #: (origin, date) -> [sedentary, light, moderate, very] minutes (Global Export), at the end.
    activity_days: dict[tuple[str, str], list[float | None]] = field(default_factory=dict)
    weight_unit: str | None = None        # "kg" | "lb" given by the caller
    account_weight_unit: str | None = None  # from the vault's display units
    notes: list[str] = field(default_factory=list)
    note_keys: set[str] = field(default_factory=set)
    #: single values left missing in records that were stored (a stage's -1.0 rate ...), by reason.
    missing: Counter[str] = field(default_factory=Counter)
    #: Fitabase exports: the participant to import (``--participant``), the ids the evidence
    #: pass found (id -> rows) and the Fitabase file kinds of the import (family keys).
    #: GoogleData heart-rate readings the evidence pass read from a plain file (the last one), for its reader.
    plain_heart_rate: dict[str, list] = field(default_factory=dict)
    participant: str | None = None
    participants: dict[str, int] = field(default_factory=dict)
    fitabase_kinds: dict[str, set[str]] = field(default_factory=dict)

    def settle_participant(self) -> None:
        """After the evidence pass: the one participant a Fitabase import reads, or
        :class:`ParticipantRequired` (exit 2) listing the ids when the files hold several and
        none was named, or the one named is not in them."""
        ids = sorted(self.participants, key=lambda p: (len(p), p))
        if not ids:
            return
        listed = ", ".join(f"{p} ({self.participants[p]:,} rows)" for p in ids)
        if self.participant is None:
            if len(ids) == 1:
                self.participant = ids[0]
                return
            raise ParticipantRequired(
                f"these Fitabase files hold {len(ids)} participants; a vault holds one person: run the import again "
                f"with --participant ID, one of: {listed}")
        if self.participant not in self.participants:
            raise ParticipantRequired(
                f"participant {self.participant!r} is not in these Fitabase files; they hold: {listed}")

    def note(self, key: str, text: str) -> None:
        """A note for the report, once per key."""
        if key not in self.note_keys:
            self.note_keys.add(key)
            self.notes.append(text)


class Job:
    """One file being imported (inside its own transaction)."""

    def __init__(self, entry: Entry, family: Family, origin: str, state: State, writer: Writer | None,
                 stream: Callable[[], io.RawIOBase], file_day: int | None) -> None:
        self.entry = entry
        self.family = family
        self.origin = origin
        self.state = state
        self.clock = state.clock
        self.writer = writer
        self._stream = stream
        self.file_day = file_day
        self.records = 0
        self.dropped: Counter[str] = Counter()
        self.totals: dict[tuple[str, str, str, SourceKey], float] = {}
        self.activity: dict[tuple[str, str], list[float | None]] = {}
        self.source: SourceKey = FITBIT

    # -- reading -----------------------------------------------------------------------------
    def json(self, first_chunk: int = _text.CHUNK_CHARS) -> Generator[Any, None, None]:
        """The file's records as decoded JSON: any shape, so each reader guards its own lookups
        (``first_chunk``: see :func:`_text.json_elements`)."""
        with _text.text(self._stream()) as fh:
            for element in _text.json_elements(fh, first_chunk):
                self.records += 1
                yield element

    def whole_bytes(self, limit: int) -> bytes | None:
        """The whole file (a UTF-8 byte-order mark skipped) when it holds at most ``limit`` bytes;
        else None, and the incremental readers (:meth:`json`, :meth:`csv`) decide."""
        if self.entry.size > limit:  # as the zip declares it: not even read (the read below is capped too)
            return None
        with io.BufferedReader(self._stream(), 1 << 16) as fh:
            data = fh.read(limit + 1)
        if len(data) > limit:
            return None
        return data[3:] if data.startswith(codecs.BOM_UTF8) else data

    def whole_text(self, limit: int) -> str | None:
        """:meth:`whole_bytes` as text when they are valid UTF-8, else None."""
        data = self.whole_bytes(limit)
        try:
            return None if data is None else data.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def csv(self) -> tuple[list[str], Iterator[list[str]]]:
        fh = _text.text(self._stream())
        header, rows = _text.csv_rows(fh)

        def counted() -> Iterator[list[str]]:
            try:
                for row in rows:
                    self.records += 1
                    yield row
            finally:
                fh.close()

        if not header:
            fh.close()
            return header, iter(())
        return header, counted()

    # -- writing -----------------------------------------------------------------------------
    def emit(self, table: str, row: tuple) -> None:
        if self.writer is not None:
            self.writer.emit(table, row)

    def emit_many(self, table: str, rows: list[tuple]) -> None:
        """:meth:`emit` of many rows of a table whose keys are checked by the reader (heart rate, steps)."""
        if self.writer is not None:
            self.writer.emit_many(table, rows)

    def emit_samples(self, table: str, sources: list[SourceKey], which: np.ndarray, time_ms: np.ndarray,
                     offset_s: np.ndarray, values: np.ndarray) -> None:
        """Many rows ``(time, sources[which], offset, value)`` at once (see :meth:`Writer.emit_samples`)."""
        if self.writer is not None:
            self.writer.emit_samples(table, sources, which, time_ms, offset_s, values)

    def drop(self, reason: str, n: int = 1) -> None:
        self.dropped[reason] += n

    def missing(self, reason: str) -> None:
        """One value of a stored record left missing (NULL), not the record: said in the notes."""
        self.state.missing[reason] += 1

    def first_time(self, key: str, repeated: str) -> bool:
        """True the first time this import meets ``key`` (``sleep:<id>``, ``exercise:<id>``); a
        repeat (the same log in two chunks or files) is dropped, counted as ``repeated``."""
        if key in self.state.seen:
            self.drop(repeated)
            return False
        self.state.seen.add(key)
        return True

    def bad(self, reason: str, record: object) -> None:
        if self.writer is not None:
            self.writer.bad(reason, record)
        else:
            self.dropped["impossible value"] += 1

    def problem(self, exc: Exception, record: object) -> None:
        """A row that could not be read: a placeholder is dropped (counted), anything else is
        quarantined as unreadable."""
        if isinstance(exc, _text.Placeholder):
            self.drop(str(exc))
        else:
            self.bad(f"unreadable row: {exc}", record)

    def total(self, table: str, date: str, value: float, source: SourceKey | None = None) -> None:
        """Add to a reconciled day total (``daily_distance`` ...), written at the end."""
        key = (table, self.origin, date, source or self.source)
        self.totals[key] = self.totals.get(key, 0.0) + value

    def check(self, value: float | None, lo: float, hi: float, what: str, record: object) -> bool:
        """False (and the record quarantined) when a value is physically impossible."""
        try:
            plausible(value, lo, hi, what)
        except ValueError as exc:
            self.bad(str(exc), record)
            return False
        return True

    def merge(self) -> None:
        """The file was read to its end: its day totals join the import's."""
        for key, value in self.totals.items():
            self.state.totals[key] = self.state.totals.get(key, 0.0) + value
        for day_key, values in self.activity.items():
            have = self.state.activity_days.setdefault(day_key, [None, None, None, None])
            for i, v in enumerate(values):
                if v is not None:
                    have[i] = v


def placed(job: Job, text: str, seq: Sequence | None = None) -> tuple[int, int]:
    """(UTC ms, offset s) of a CSV timestamp: an instant when it ends in ``Z`` or an offset
    (the zone gives the offset to store), else a naive local time."""
    t = text.strip()
    if t.endswith(("Z", "z")) or (len(t) > 19 and t[-6] in "+-" and t[-3] == ":"):
        utc = _text.after_2008(timeutil.parse_instant_ms(t.replace(" ", "T", 1)))
        return utc, job.clock.instant(utc)
    wall = parse_iso_wall(t)
    _text.after_2008(wall)
    return job.clock.local(wall, seq)


def day_of(text: str) -> date:
    """The civil date a daily CSV row is for: the first ten characters of its timestamp
    (``2024-07-21``, ``2024-07-21T00:00:00``, ``...T00:00:00Z`` — docs/facts/archives.md#csv-families: daily rows
    stamped at UTC midnight mean the local calendar date)."""
    day = date.fromisoformat(text.strip()[:10])
    if day.year < 2008:
        raise _text.Placeholder("placeholder date before 2008 (the export's padding)")
    return day


def csv_records(job: Job, roles: Mapping[str, tuple[str, ...]], optional: tuple[str, ...] = ()
                ) -> Iterator[tuple[list[str], dict[str, int]]]:
    """(row, column positions by role) of a CSV file whose header must name ``roles``; a
    header-only or empty file yields nothing."""
    header, rows = job.csv()
    if not header:
        return
    cols = _text.columns(header, roles, optional=optional)
    for row in rows:
        yield row, cols
