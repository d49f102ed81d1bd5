"""The import itself: gather, sniff, an evidence pass, the files in phase order, day totals.

Order (see ``docs/importing.md``):

0. **evidence pass** (nothing stored): the first stamp of each Global Export minute file
   against the day in its name, and, when the import holds Global Export minute files, the
   matching ``*_GoogleData`` CSVs (fingerprints of their UTC records);
1. local sources matched against that evidence: Global Export heart rate, steps, distance,
   calories and sleep, newest file first (the newest overlap the GoogleData CSVs, so a family's
   clock is settled by its first files); they settle each family's clock and the travel days;
2. UTC sources (``*_GoogleData`` CSVs), whose local day and offset use the travel days found;
3. everything else, which uses the offsets inferred so far, and the GoogleData sleeps and
   exercises, checked against the heart rate stored by then;
4. day totals (distance, calories, floors, activity minutes), per local day.

Each file is read and written in one transaction: a file that fails half-way (bad JSON, a
non-UTF-8 byte, a corrupt zip member) leaves nothing behind and is reported as skipped; the
others are imported.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
import zipfile
import zlib
from pathlib import Path
from typing import Iterable

from fitvault.datatypes.base import SourceKey
from fitvault.errors import ConfigError, TimeZoneRequired
from fitvault.importers._base import FITBIT, Job, State
from fitvault.importers._clock import Clock, date_text, day_from_text
from fitvault.importers._containers import CountingReader, Entry, ImportLimits, gather
from fitvault.importers._registry import FRAME, ORDER, Match, classify, takeout_roots
from fitvault.importers._report import FileOutcome, ImportProgress, ImportReport, ProgressCallback, Status
from fitvault.importers._text import FileProblem, UnexpectedHeader
from fitvault.importers._writer import ROLLUPS, Writer, save_rollups
from fitvault.importers.global_export._minutes import travel_from_day_files
from fitvault.importers.google_data.health_fitness import note_sleep_clocks
from fitvault.store import origins
from fitvault.store.vault import Vault
from fitvault.timeutil import DAY_MS, Zone, zone_info

log = logging.getLogger("fitvault.importers")

#: Errors that make one file unreadable (it is skipped; the import goes on).
FILE_ERRORS = (FileProblem, ValueError, KeyError, TypeError, zipfile.BadZipFile, zlib.error, EOFError, OSError,
               NotImplementedError, RuntimeError)


class _Progress:
    def __init__(self, callback: ProgressCallback | None, total_bytes: int, files_total: int) -> None:
        self.callback = callback
        self.total = max(total_bytes, 1)
        self.files_total = files_total
        self.done = 0.0
        self.files = 0
        self.current = ""
        self._last = 0.0

    def report(self, force: bool = False) -> None:
        if self.callback is None:
            return
        if force or self.done - self._last >= 1 << 20:
            self._last = self.done
            self.callback(ImportProgress(int(min(self.done, self.total)), self.total, self.files, self.files_total,
                                         self.current))

    def reader(self, entry: Entry):
        scale = entry.cost / max(entry.size, 1)

        def on_bytes(n: int) -> None:
            self.done += n * scale
            self.report()

        return lambda: CountingReader(entry.opener(), on_bytes)


def _zone(vault: Vault, tz: str | None) -> str | None:
    name = tz or (vault.account().get("time_zone") or "").strip() or None
    if name is None:
        return None
    if zone_info(name) is None:
        raise ConfigError(f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin or America/New_York")
    return name


def _account_weight_unit(vault: Vault) -> str | None:
    try:
        units = json.loads(vault.account().get("display_units") or "{}")
    except ValueError:
        return None
    unit = str(units.get("weightUnit", "")).upper()
    return "lb" if "POUND" in unit else "kg" if "KILOGRAM" in unit else None


def import_paths(
    vault: Vault,
    paths: Iterable[str | Path],
    *,
    tz: str | None = None,
    weight_unit: str | None = None,
    participant: str | None = None,
    limits: ImportLimits = ImportLimits(),
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import Fitbit / Google archives and tutorial CSV files into ``vault``.

    Args:
        vault: an open vault (the caller holds the sync lock).
        paths: zips (a multi-part Takeout set: every part), extracted folders, or single files.
        tz: IANA zone of the archive's local times; default the vault's ``account.time_zone``.
            When the vault has none, it is remembered as the vault's zone.
        weight_unit: ``"kg"`` or ``"lb"``: the unit of Global Export weights (default: from each
            log's BMI, else the vault's display unit, else kg).
        participant: the ``Id`` to read from Fitabase files that hold several participants.
        limits: zip safety limits (:class:`ImportLimits`).
        progress: called with :class:`ImportProgress` as bytes are read.

    Returns:
        An :class:`ImportReport`; ``report.complete`` is False when files were skipped.

    Raises:
        ConfigError: a path does not exist, or an unknown zone or weight unit.
        TimeZoneRequired: there are files to import and no zone is known.
        ParticipantRequired: Fitabase files hold several participants and ``participant`` does
            not name one of them (nothing is stored).
        StoreError: the vault cannot be written (nothing of the file being written is kept).
    """
    began = time.monotonic()
    given = [Path(p).expanduser() for p in paths]
    missing = [str(p) for p in given if not p.exists()]
    if missing:
        raise ConfigError(f"no such file or folder: {', '.join(missing)}")
    if not given:
        raise ConfigError("nothing to import: give one or more zips, folders or files")
    if weight_unit not in (None, "kg", "lb"):
        raise ConfigError(f"the weight unit must be kg or lb, not {weight_unit!r}")
    zone_name = _zone(vault, tz)
    report = ImportReport(time_zone=zone_name)
    inputs = gather(given, limits)
    try:
        report.notes.extend(inputs.notes)
        for refused in inputs.refused:
            report.files.append(FileOutcome(refused.display, "skipped", reason=refused.reason))
        work: list[tuple[Entry, Match]] = []
        roots = takeout_roots(entry.parts for entry in inputs.entries)
        for entry in inputs.entries:
            match = classify(entry.parts, roots)
            if match.family is None:
                status: Status = "ignored" if match.status == "ignored" else "skipped"
                report.files.append(FileOutcome(entry.display, status, origin=match.origin, reason=match.reason))
            else:
                work.append((entry, match))
        if not work:
            report.elapsed_s = time.monotonic() - began
            return report
        if zone_name is None:
            raise TimeZoneRequired(
                "the files hold local times and this vault has no time zone yet: pass --tz with the IANA zone "
                "the data was recorded in (e.g. --tz Europe/Berlin); it is remembered for the vault")
        state = State(Clock(Zone(zone_name)), weight_unit=weight_unit,
                      account_weight_unit=_account_weight_unit(vault),
                      participant=participant.strip() if participant else None)
        _run(vault, state, work, report, progress)
        if tz and not (vault.account().get("time_zone") or "").strip():
            vault.set_account(time_zone=zone_name)
            report.notes.append(f"the vault had no time zone: {zone_name} is now its home zone")
        note_sleep_clocks(state)
        for reason, n in sorted(state.missing.items()):
            state.notes.append(f"{n} value(s) left missing in stored records: {reason}")
        report.notes.extend(state.notes)
        by_source: dict[str, list[int]] = {}
        for day, source in state.clock.evidence.sources.items():
            by_source.setdefault(source, []).append(day)
        for source, days in sorted(by_source.items()):
            days.sort()
            report.notes.append(f"{len(days)} day(s) placed with an offset the data shows (travel): {source}: "
                                f"{date_text(days[0])} .. {date_text(days[-1])}")
    finally:
        inputs.close()
    report.elapsed_s = time.monotonic() - began
    return report


def _sort_key(item: tuple[Entry, Match]) -> tuple:
    entry, match = item
    family = match.family
    assert family is not None
    return (family.phase, ORDER.get(family.key, 5), family.key, -(match.file_day or 0), entry.name)


def _run(vault: Vault, state: State, work: list[tuple[Entry, Match]], report: ImportReport,
         progress_cb: ProgressCallback | None) -> None:
    local = [m.family for _e, m in work if m.family and m.family.key.startswith("global-export/")]
    wanted = {f.fingerprint for f in local if f.fingerprint}
    evidence = [(e, m) for e, m in work if m.family and m.family.prepare is not None
                and (m.family.key.startswith(("global-export/", "fitabase/", "google-data/UserSleeps"))
                     or m.family.fingerprint in wanted)]
    total = sum(e.cost for e, _m in work) + sum(e.cost for e, _m in evidence)
    progress = _Progress(progress_cb, total, len(work))
    for entry, match in evidence:
        progress.current = entry.display
        job = Job(entry, match.family, match.origin, state, None, progress.reader(entry), match.file_day)  # type: ignore[arg-type]
        try:
            match.family.prepare(job)  # type: ignore[misc,union-attr]
        except FILE_ERRORS as exc:
            log.debug("evidence pass: %s unreadable (%s)", entry.display, exc)
    state.fingerprints.freeze()
    travel_from_day_files(state)
    state.settle_participant()
    for entry, match in sorted(work, key=_sort_key):
        progress.current = entry.display
        progress.report(force=True)
        report.files.append(_one_file(vault, state, entry, match, progress))
        progress.files += 1
    _finish(vault, state, report)
    progress.current = ""
    progress.done = progress.total
    progress.report(force=True)


def _sources(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM sources").fetchone()[0]


def _one_file(vault: Vault, state: State, entry: Entry, match: Match, progress: _Progress) -> FileOutcome:
    family = match.family
    assert family is not None
    outcome = FileOutcome(entry.display, "imported", family.title, match.origin)
    job = Job(entry, family, match.origin, state, None, progress.reader(entry), match.file_day)
    try:
        with vault.transaction() as conn:
            before, sources = conn.total_changes, _sources(conn)
            writer = Writer(vault, conn, match.origin, f"import:{family.key}", state.keys)
            job.writer = writer
            family.read(job)
            writer.flush()
            outcome.changed = conn.total_changes - before - (_sources(conn) - sources)
            outcome.stored = writer.stored
            job.dropped.update(writer.dropped)
    except FILE_ERRORS as exc:
        if isinstance(exc, UnexpectedHeader) and family is FRAME and match.file_day is None:
            # any CSV outside an archive is tried as a tutorial frame; one without its columns is
            # simply another kind of file
            outcome.status, outcome.reason = "ignored", "a CSV that is not a tutorial data frame (no time/value columns)"
            return outcome
        outcome.status = "skipped"
        outcome.reason = _why(exc)
        outcome.records = job.records
        return outcome
    job.merge()
    state.keys.update(job.writer.keys)
    outcome.records = job.records
    outcome.dropped = dict(job.dropped)
    return outcome


def _why(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte {exc.object[exc.start:exc.start + 1]!r} at {exc.start}): export it as UTF-8"
    if isinstance(exc, (zipfile.BadZipFile, zlib.error, EOFError)):
        return (f"damaged in the zip ({type(exc).__name__}: {exc}); nothing of it was imported: download the archive "
                "again")
    if isinstance(exc, FileProblem):
        return str(exc) + "; nothing of it was imported: the file is damaged or not what its name says"
    return f"{type(exc).__name__}: {exc}; nothing of it was imported"


# -- day totals ------------------------------------------------------------------------------

_FORM_RANK = {"WATCH": 0, "FITNESS_BAND": 0, "RING": 0, "CHEST_STRAP": 0}


def _source_rank(key: SourceKey) -> int:
    """Wearables first, then other automatic sources, then manual entries (as readers rank)."""
    if key[4] == "MANUAL":
        return 2
    return _FORM_RANK.get(key[3], 1)


def _finish(vault: Vault, state: State, report: ImportReport) -> None:
    """Write the day totals: per table and local day, the best origin of this import, its best
    source; then the rollup rule against what the vault already holds."""
    best: dict[tuple[str, str], tuple[tuple, str, SourceKey, float]] = {}
    for (table, origin, day, key), value in state.totals.items():
        rank = (origins.origin_rank(origin), _source_rank(key), -value)
        have = best.get((table, day))
        if have is None or rank < have[0]:
            best[(table, day)] = (rank, origin, key, value)
    by_target: dict[tuple[str, str], list[tuple[str, SourceKey, float]]] = {}
    for (table, day), (_rank, origin, key, value) in sorted(best.items()):
        by_target.setdefault((table, origin), []).append((day, key, value))
    with vault.transaction() as conn:
        for (table, origin), rows in sorted(by_target.items(), key=lambda kv: (ROLLUPS.index(kv[0][0]), kv[0][1])):
            changed = save_rollups(vault, conn, table, origin, rows)
            report.totals[f"{table} day totals ({origin})"] = (len(rows), changed)
        _activity_days(vault, conn, state, report)


def _activity_days(vault: Vault, conn: sqlite3.Connection, state: State, report: ImportReport) -> None:
    """Global Export activity minutes: one ``active_minutes`` interval per local day."""
    by_origin: dict[str, list[tuple]] = {}
    placeholders = 0
    clock = state.clock
    for (origin, day_text), (sed, light, moderate, very) in sorted(state.activity_days.items()):
        active = [v or 0.0 for v in (light, moderate, very)]
        if not any(active) and (sed is None or sed >= 1440):
            placeholders += 1
            continue
        day = day_from_text(day_text)
        start, start_off = clock.local(day * DAY_MS)
        end, end_off = clock.local((day + 1) * DAY_MS)
        by_origin.setdefault(origin, []).append(
            (start, FITBIT, start_off, end, end_off, *(int(round(v)) for v in active)))
    for origin, rows in by_origin.items():
        before, sources = conn.total_changes, _sources(conn)
        writer = Writer(vault, conn, origin, "import:global-export/activity_minutes")
        for row in rows:
            writer.emit("active_minutes", row)
        writer.flush()
        changed = conn.total_changes - before - (_sources(conn) - sources)
        report.totals[f"active_minutes day totals ({origin})"] = (len(rows), changed)
    if placeholders:
        report.notes.append(f"{placeholders} activity-minute day(s) were the export's placeholders (1440 sedentary "
                            "minutes, no activity): not stored")
