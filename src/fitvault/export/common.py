"""What every exporter shares: table selection, date bounds, a read-only snapshot, row streaming.

An export reads the vault through one read-only connection inside one read transaction, so the
row counts announced to the progress callback and the rows written come from the same snapshot
even while a sync writes. Rows are streamed table by table from one ordered cursor, ``chunk_rows``
at a time: SQLite steps the primary-key (or order-column) b-tree, so memory stays bounded by
one chunk whatever the table's size, without re-seeking per chunk as keyset pagination would.

Each exporter chooses how a vault column becomes output (ISO strings, Excel serials, Arrow
timestamps) by giving SQL expressions for the layout's :class:`Instant` and :class:`Plain` fields.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Callable, Iterable, Iterator, Literal, TypeVar

from fitvault import timeutil
from fitvault.datatypes.tables import TABLES, TABLES_BY_NAME, Table
from fitvault.errors import ConfigError, StoreError
from fitvault.export import heart_arrow
from fitvault.store import origins, sample_blocks
from fitvault.store.readonly import open_read_only, vault_database

#: Rows fetched, converted and written at a time.
CHUNK_ROWS = 200_000

T = TypeVar("T")

Kind = Literal["int", "float", "text", "bool", "date"]


@dataclass(frozen=True)
class ExportProgress:
    """Progress of one table: ``done`` of ``total`` rows written (``done == 0`` when planned)."""

    table: str
    done: int
    total: int


ProgressCallback = Callable[[ExportProgress], None]


@dataclass(frozen=True)
class ExportItem:
    """One exported table or summary.

    Attributes:
        table: the vault table (or ``sleep_summary`` / ``daily_summary``).
        rows: data rows written (headers not counted).
        path: the file written, or the folder for Parquet datasets and per-day files.
        files: how many files hold it.
        sheets: Excel only: the sheets it fills, in order (more than one past the row limit).
    """

    table: str
    rows: int
    path: Path
    files: int = 1
    sheets: tuple[str, ...] = ()


@dataclass
class ExportResult:
    """What an export wrote: one item per table, and notes a person should read."""

    format: str
    out_dir: Path
    items: list[ExportItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(item.rows for item in self.items)

    @property
    def files(self) -> int:
        return len({item.path for item in self.items if item.files == 1}) + sum(
            item.files for item in self.items if item.files != 1
        )


# -- what to export -----------------------------------------------------------------------


def known_types() -> str:
    """The type ids and table names ``types`` accepts, for error messages and help."""
    type_ids = sorted({t.type_id for t in TABLES})
    return f"type ids: {', '.join(type_ids)}; table names: {', '.join(sorted(TABLES_BY_NAME))}"


def type_names(types: Iterable[str] | str | None) -> list[str]:
    """The names in ``types`` (an iterable, or one comma-separated string), stripped, blanks left out."""
    if isinstance(types, str):
        types = types.split(",")
    return [n.strip() for n in types or () if n and n.strip()]


def resolve_tables(types: Iterable[str] | str | None) -> list[Table]:
    """The catalogue tables named by Google type ids or vault table names (all when empty).

    A type id names all its tables and wins over a table of the same name: ``"steps"`` gives
    ``steps`` and ``daily_steps``, ``"sleep"`` the sessions and the stages.
    Returned in catalogue order, each once. Unknown names raise :class:`ConfigError`.
    """
    names = type_names(types)
    if not names:
        return list(TABLES)
    wanted: set[str] = set()
    unknown = []
    for name in names:
        # A type id wins over a table of the same name: "steps" is the minutes and the daily totals.
        match = [t.name for t in TABLES if t.type_id == name] or ([name] if name in TABLES_BY_NAME else [])
        if not match:
            unknown.append(name)
        wanted.update(match)
    if unknown:
        raise ConfigError(f"unknown type(s): {', '.join(unknown)}. Known {known_types()}")
    return [t for t in TABLES if t.name in wanted]


def parse_day(value: date | str | None, what: str) -> date | None:
    """A local civil date from ``YYYY-MM-DD`` (or a date); None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        raise ConfigError(f"{what} must be a local date (YYYY-MM-DD), not a date and time: {value}")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(f"{what} must be a local date like 2026-03-08, got {value!r}") from None


def parse_range(start: date | str | None, end: date | str | None) -> tuple[date | None, date | None]:
    """Inclusive local-date bounds, checked."""
    lo, hi = parse_day(start, "the start date (--from)"), parse_day(end, "the end date (--to)")
    if lo and hi and lo > hi:
        raise ConfigError(f"the start date {lo} is after the end date {hi}")
    return lo, hi


def prepare_out_dir(out_dir: Path | str) -> Path:
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"the output {out} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the output folder {out}: {exc}") from exc
    return out


def replace_path(tmp: Path, final: Path) -> None:
    """Move a finished temporary file or folder into place (the old one, if any, is replaced)."""
    try:
        if final.is_dir() and not final.is_symlink():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except OSError as exc:
        raise StoreError(f"cannot write {final}: {exc}") from exc


@contextmanager
def written_aside(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` to write, moved into place when the block ends well,
    removed when it does not (an OSError becomes a :class:`StoreError` naming ``path``)."""
    tmp = path.with_name(path.name + ".part")
    try:
        yield tmp
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"cannot write {path}: {exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    replace_path(tmp, path)


# -- how a table becomes columns ------------------------------------------------------------


@dataclass(frozen=True)
class Instant:
    """A UTC instant column and its offset column; ``prefix`` is ``""`` or ``"end_"``."""

    ms: str
    offset: str
    prefix: str


@dataclass(frozen=True)
class Plain:
    """A column copied as it is: output name, SQL expression (``t`` the table, ``s`` sources)."""

    name: str
    sql: str
    kind: Kind
    unit: str = ""
    meaning: str = ""


def fields(table: Table) -> tuple[Instant | Plain, ...]:
    """The exported columns of a table, in order: time, date / id / device (or parent id), values."""
    out: list[Instant | Plain] = []
    if table.layout in ("sample", "event"):
        out.append(Instant("time_ms", "utc_offset_s", ""))
    elif table.layout in ("interval", "session", "child"):
        out += [Instant("start_ms", "start_offset_s", ""), Instant("end_ms", "end_offset_s", "end_")]
    else:
        out.append(Plain("date", "t.date", "date", "", "local civil date"))
    if table.layout == "session":
        night = "the night: local date of the end (Fitbit's dateOfSleep)" if table.name == "sleep_sessions" \
            else "local date of the start"
        out += [Plain("date", "t.date", "date", "", night), Plain("id", "t.id", "text", "", "the session's id")]
    if table.parent:
        parent, key = table.parent
        out.append(Plain(key, f"t.{key}", "text", "", f"id of the {parent} row it belongs to"))
    else:
        out.append(Plain("device", "s.device", "text", "", "device that recorded it (empty for app/rollup data)"))
    out += [Plain(c.name, f"t.{c.name}", c.kind, c.unit, c.meaning) for c in table.columns]
    return tuple(out)


def order_by(table: Table) -> tuple[str, ...]:
    """A unique ascending order: the indexed order column, then the rest of the key."""
    rest: dict[str, tuple[str, ...]] = {
        "sample": ("source_id",), "interval": ("source_id",), "daily": ("source_id",), "rollup": (),
        "session": ("id",),
    }
    if table.parent:
        key = table.parent[1]
        tail = (key, "idx") if table.layout == "event" else (key, "kind") + (("idx",) if "idx" in table.column_names else ())
    else:
        tail = rest[table.layout] + (("zone",) if "zone" in table.column_names else ())
    return (table.order_column,) + tail


def where(table: Table, start: date | None, end: date | None) -> tuple[str, list]:
    """The ``WHERE`` clause (or "") selecting a table's rows of local dates start..end inclusive.

    Samples and intervals by the local date of their (start) instant, using the index first;
    daily rows and sessions by their ``date`` (a sleep's night, an exercise's start day); stages,
    splits and events go with their session.
    """
    if start is None and end is None:
        return "", []
    conds: list[str]
    params: list
    if table.layout in ("daily", "rollup", "session"):
        conds, params = timeutil.date_range_sql("t.date", *timeutil.local_days(start, end))
    elif table.parent:
        parent, key = table.parent
        sub, params = timeutil.date_range_sql("date", *timeutil.local_days(start, end))
        conds = [f"t.{key} IN (SELECT id FROM {parent} WHERE {' AND '.join(sub)})"]
    else:
        ms, off = table.time_columns[0], table.time_columns[1]
        conds, params = timeutil.wall_range_sql(f"t.{ms}", f"t.{off}", *timeutil.local_days(start, end))
    return " WHERE " + " AND ".join(conds), params


def _clauses(table: Table, start: date | None, end: date | None) -> tuple[list[str], list]:
    """:func:`where` as a list of clauses (for ``origins.conflicts``)."""
    clause, params = where(table, start, end)
    return ([clause[len(" WHERE "):]] if clause else []), params


def select(table: Table, exprs: Iterable[str], start: date | None, end: date | None,
           exclude: str = "") -> tuple[str, list]:
    """``SELECT exprs`` over a table (aliased ``t``, its source ``s``) in range, in order;
    ``exclude`` (see :meth:`Snapshot.losers`) leaves out the rows the origin rule drops."""
    join = "" if table.parent else " LEFT JOIN sources AS s ON s.id = t.source_id"
    clause, params = where(table, start, end)
    if exclude:
        clause += (" AND " if clause else " WHERE ") + f"NOT {exclude}"
    order = ", ".join(f"t.{c}" for c in order_by(table))
    return f"SELECT {', '.join(exprs)} FROM {table.name} AS t{join}{clause} ORDER BY {order}", params


# -- SQL expressions for time --------------------------------------------------------------


def sql_fraction(ms: str) -> str:
    """``.123`` when an instant has milliseconds, else nothing (as ``timeutil.format_instant``)."""
    return f"(CASE WHEN {ms} % 1000 THEN printf('.%03d', {ms} % 1000) ELSE '' END)"


def sql_offset(offset: str) -> str:
    """``-05:00`` from an offset in seconds."""
    return (f"printf('%s%02d:%02d', CASE WHEN {offset} < 0 THEN '-' ELSE '+' END, "
            f"abs({offset}) / 3600, abs({offset}) % 3600 / 60)")


def sql_local_iso(ms: str, offset: str) -> str:
    """ISO 8601 local time with its own offset: ``2026-03-08T01:59:58-05:00``."""
    return (f"strftime('%Y-%m-%dT%H:%M:%S', {ms} / 1000 + {offset}, 'unixepoch') || "
            f"{sql_fraction(ms)} || {sql_offset(offset)}")


def sql_utc_iso(ms: str) -> str:
    """ISO 8601 UTC: ``2026-03-08T06:59:58Z``."""
    return f"strftime('%Y-%m-%dT%H:%M:%S', {ms} / 1000, 'unixepoch') || {sql_fraction(ms)} || 'Z'"


# -- reading ---------------------------------------------------------------------------------


class Snapshot:
    """A read-only view of a vault, fixed for the life of the export."""

    def __init__(self, conn: sqlite3.Connection, root: Path) -> None:
        self.conn = conn
        self.root = root
        self.present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        self._losers: dict[tuple, str] = {}
        self._rows_of_blocks: tuple | None = None  # the range temp.heart_rate holds
        if sample_blocks.TABLE in self.present:
            self.present.add("heart_rate")

    def _ensure_rows(self, table: Table, start: date | None, end: date | None) -> None:
        """Heart rate is stored in blocks (``store/sample_blocks.py``); the exports' SQL reads it
        as rows from ``temp.heart_rate``, filled once per range (the instants that can lie on
        those local dates)."""
        if table.name != "heart_rate" or sample_blocks.TABLE not in self.present or self._rows_of_blocks == (start, end):
            return
        lo, hi = timeutil.instant_span(*timeutil.local_days(start, end))
        try:
            sample_blocks.materialize(self.conn, lo, hi)
        except (sqlite3.Error, sample_blocks.BlockError) as exc:
            raise StoreError(f"cannot read heart_rate from the vault: {exc}") from exc
        self._rows_of_blocks = (start, end)

    def losers(self, table: Table, start: date | None, end: date | None) -> str:
        """SQL true for the rows the origin precedence rule leaves out (``store/origins.py``:
        per table and local day, only the best-ranked origin's rows), or ``""``. The same rule
        as the Python API's; stages, splits and events go with their session."""
        self._ensure_rows(table, start, end)
        key = (table.name, start, end)
        if key not in self._losers:
            self._losers[key] = self._find_losers(table, start, end)
        return self._losers[key]

    def _find_losers(self, table: Table, start: date | None, end: date | None) -> str:
        if "sources" not in self.present or not origins.several_origins(self.conn):
            return ""
        try:
            if table.parent:
                parent = TABLES_BY_NAME[table.parent[0]]
                found = origins.conflicts(self.conn, parent, *_clauses(parent, start, end))
                sql = origins.loser_ids_sql(parent, found)
                return f"(t.{table.parent[1]} IN ({sql}))" if sql else ""
            found = origins.conflicts(self.conn, table, *_clauses(table, start, end))
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read {table.name} from the vault: {exc}") from exc
        return origins.losers_sql(table, found, "t", "s.origin") if found else ""

    def select(self, table: Table, exprs: Iterable[str], start: date | None, end: date | None) -> tuple[str, list]:
        """:func:`select` with the origin precedence rule applied."""
        return select(table, exprs, start, end, self.losers(table, start, end))

    def heart_rate_blocks(self, table: Table) -> bool:
        """Whether ``table`` is heart rate stored as day blocks (read by ``export/heart_arrow.py``)."""
        return table.name == "heart_rate" and sample_blocks.TABLE in self.present

    def count(self, table: Table, start: date | None, end: date | None) -> int:
        if self.heart_rate_blocks(table):
            if start is None and end is None and not origins.several_origins(self.conn):
                return sample_blocks.stats(self.conn)[0]
            return sum(len(a["time_ms"]) for a in heart_arrow.chunks(self.conn, start, end, 2_000_000))
        self._ensure_rows(table, start, end)
        clause, params = where(table, start, end)
        exclude = self.losers(table, start, end)
        join = ""
        if exclude:
            clause += (" AND " if clause else " WHERE ") + f"NOT {exclude}"
            join = "" if table.parent else " LEFT JOIN sources AS s ON s.id = t.source_id"
        try:
            return self.conn.execute(f"SELECT count(*) FROM {table.name} AS t{join}{clause}", params).fetchone()[0]
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read {table.name} from the vault: {exc}") from exc

    def plan(
        self, tables: list[Table], start: date | None, end: date | None, result: ExportResult,
        progress: ProgressCallback | None,
    ) -> list[tuple[Table, int]]:
        """Row counts of the tables that have rows in range; the others are noted in ``result``."""
        planned, empty, missing = [], [], []
        for table in tables:
            if table.name not in self.present:
                missing.append(table.name)
                continue
            total = self.count(table, start, end)
            if total:
                planned.append((table, total))
            else:
                empty.append(table.name)
        if missing:
            result.notes.append(f"not in this vault (older schema): {', '.join(missing)}")
        if empty:
            result.notes.append(f"no rows in range, nothing written: {', '.join(empty)}")
        if progress:
            for table, total in planned:
                progress(ExportProgress(table.name, 0, total))
        return planned

    def rows(
        self, sql: str, params: list, *, chunk_rows: int = CHUNK_ROWS, table: str = "",
        total: int = 0, progress: ProgressCallback | None = None,
    ) -> Iterator[list[tuple]]:
        """Chunks of at most ``chunk_rows`` rows; progress is reported once each chunk is handled."""
        done = 0
        try:
            cursor = self.conn.execute(sql, params)
            while True:
                chunk = cursor.fetchmany(chunk_rows)
                if not chunk:
                    return
                yield chunk
                done += len(chunk)
                if progress:
                    progress(ExportProgress(table, done, max(total, done)))
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read {table or 'the vault'}: {exc}") from exc


def prefetch(chunks: Iterator[T], depth: int = 2, *, several: bool = True) -> Iterator[T]:
    """``chunks``, produced on a thread of their own up to ``depth`` ahead: reading and shaping
    the next chunk (SQLite, zstd and numpy release the GIL) overlaps writing this one (pyarrow's
    writers release it too). An error while producing is raised here, in order. Not
    ``several`` (a table of one chunk): nothing would overlap, so no thread is started (a
    thread's start costs milliseconds on a busy machine, more than a small table's work)."""
    import queue

    if not several:
        yield from chunks
        return

    items: queue.Queue = queue.Queue(depth)
    stop = threading.Event()
    end = object()

    def produce() -> None:
        try:
            for chunk in chunks:
                if stop.is_set():
                    return
                items.put((chunk, None))
            items.put((end, None))
        except BaseException as exc:  # handed to the consumer, raised there
            items.put((end, exc))

    worker = threading.Thread(target=produce, name="fitvault-export-read", daemon=True)
    worker.start()
    try:
        while True:
            chunk, error = items.get()
            if error is not None:
                raise error
            if chunk is end:
                return
            yield chunk
    finally:
        stop.set()
        while worker.is_alive():  # let a producer blocked on a full queue finish
            try:
                items.get_nowait()
            except queue.Empty:
                worker.join(0.05)


class ExportStopped(Exception):
    """Raised inside a table's job by :func:`each_table` when another job failed or the export
    was interrupted: the job stops at its next chunk, its half-written output removed."""


def each_table(jobs: list[tuple[int, Callable[[ProgressCallback], T]]], progress: ProgressCallback | None,
               workers: int = 2) -> list[T]:
    """Run one job per table, ``workers`` at a time, and return their results in the order given.

    Each job is ``(rows, job)``; the largest start first, so a year of heart rate is written
    beside all the small tables rather than after them: one table's reading (SQLite, zstd and
    numpy release the GIL) overlaps another's writing (pyarrow releases it too). A job is called
    with a progress callback to call after every chunk: it reports to ``progress`` (one call at a
    time, whatever thread) and raises :class:`ExportStopped` once a job has failed or the export
    was interrupted, so the others stop at their next chunk. Once every started job has ended,
    the first failure in the order given is raised (one that is not merely a stop).
    """
    from concurrent.futures import ThreadPoolExecutor, wait

    stop = threading.Event()
    lock = threading.Lock()

    def report(p: ExportProgress) -> None:
        if stop.is_set():
            raise ExportStopped("the export stopped")
        if progress:
            with lock:
                progress(p)

    def run(job: Callable[[ProgressCallback], T]) -> T:
        try:
            return job(report)
        except BaseException:
            stop.set()
            raise

    with ThreadPoolExecutor(workers, thread_name_prefix="fitvault-export") as pool:
        by_size = sorted(range(len(jobs)), key=lambda i: -jobs[i][0])
        started = {i: pool.submit(run, jobs[i][1]) for i in by_size}
        futures = [started[i] for i in range(len(jobs))]
        try:
            wait(futures)
        finally:  # interrupted while waiting: stop the running jobs, drop the others
            stop.set()
            for future in futures:
                future.cancel()
    errors = [error for f in futures if not f.cancelled() and (error := f.exception()) is not None]
    if errors:
        raise next((e for e in errors if not isinstance(e, ExportStopped)), errors[0])
    return [f.result() for f in futures]


@contextmanager
def open_snapshot(vault_dir: Path | str) -> Iterator[Snapshot]:
    """Open a vault read-only (:func:`fitvault.store.readonly.open_read_only`), in one read
    transaction. Never creates or migrates anything."""
    conn = open_read_only(vault_dir, temp_tables=True)  # heart rate is read through a TEMP table
    try:
        conn.execute("BEGIN")
        yield Snapshot(conn, vault_database(vault_dir).parent)
    finally:
        try:
            conn.close()
        except sqlite3.Error:
            pass


@lru_cache(maxsize=1)
def fitvault_version() -> str:
    """The installed fitvault version (not imported from the package: no import cycle)."""
    try:
        return metadata.version("fitvault")
    except metadata.PackageNotFoundError:
        return "0.0.0"

