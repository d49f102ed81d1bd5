"""The vault: one SQLite database of typed records plus a raw archive beside it.

``vault.sqlite`` holds the tables of ``docs/schema.md`` (WAL mode, numbered migrations in
``store/migrations``). ``raw.sqlite`` holds every API response page, compressed, so
``fitvault rebuild`` can re-derive the tables without downloading again. They are two files so
that the typed store stays compact; a page is committed to the archive *before* its rows and
cursor are committed to the vault, so a crash between the two leaves an extra archived page
(harmless: replays are idempotent upserts) and never a row without its raw page.

Thread safety: one lock serialises every use of the two connections from worker threads
(writes); ``raw_pages`` reads through a connection of its own.
"""

from __future__ import annotations

import json
import sqlite3
import struct
import threading
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Callable, Iterator

from fitvault.config import VaultPaths
from fitvault.errors import StoreError, VaultCorrupt
from fitvault.store import zstd
from fitvault.stream import ParsedPage, SourceKey, Stream

# PRAGMA application_id marks our files so a foreign SQLite file is refused, not migrated.
VAULT_APPLICATION_ID = 0x46695456  # "FiTV"
RAW_APPLICATION_ID = 0x46695241    # "FiRA"
ORIGIN_API = "google-health-api"

_RAW_SCHEMA = """
CREATE TABLE IF NOT EXISTS raw_pages (
    id         INTEGER PRIMARY KEY,
    fetched_at TEXT NOT NULL,
    stream     TEXT NOT NULL,
    request    TEXT NOT NULL,   -- JSON: method, path, params / body (never a token)
    codec      TEXT NOT NULL,   -- 'zstd' (8-byte size, then the frame) or 'zlib' (older pages)
    body       BLOB NOT NULL
);
"""


# Raw pages: zstd since schema 4 (a 3.5 MB heart-rate page: ~1.5 ms, against 10 ms for zlib -6
# and a smaller result); the size first, as the decompressor wants it. Older pages stay zlib.
_RAW_SIZE = struct.Struct("<Q")
_RAW_ZSTD_LEVEL = 1


def _unpack_raw(page_id: int, codec: str, blob: bytes) -> bytes:
    try:
        if codec == "zlib":
            return zlib.decompress(blob)
        if codec == "zstd":
            (size,) = _RAW_SIZE.unpack_from(blob)
            return zstd.decompress(memoryview(blob)[_RAW_SIZE.size:], size, asbytes=True)
    except Exception as exc:  # zlib.error, struct.error, pyarrow's errors: all mean damage
        raise VaultCorrupt(f"raw page {page_id} is damaged: {exc}") from None
    raise VaultCorrupt(f"raw page {page_id} has an unknown codec {codec!r}")


def _utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Job:
    """One window of one stream. A newest-first walk has [lower, resume_upper) left to fetch."""

    stream: str
    lower: str
    upper: str
    resume_upper: str
    page_size: int
    done: bool = False  # set by the engine when the walk ends; open_jobs returns only open ones


def _migrations() -> list[tuple[int, str]]:
    folder = resources.files("fitvault.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)


def _rows_to_blocks(conn: sqlite3.Connection) -> None:
    """Migration 4's Python step: heart-rate rows of an older vault into day blocks."""
    import numpy as np

    from fitvault.store import sample_blocks

    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'heart_rate'").fetchone():
        return
    for (source_id,) in conn.execute("SELECT DISTINCT source_id FROM heart_rate").fetchall():
        cur = conn.execute("SELECT time_ms, utc_offset_s, bpm FROM heart_rate WHERE source_id = ? ORDER BY time_ms",
                           (source_id,))
        while rows := cur.fetchmany(1_000_000):
            t, off, bpm = (np.array(col, dtype=np.int64) for col in zip(*rows))
            sample_blocks.upsert(conn, source_id, sample_blocks.Samples(t, off, bpm))
    conn.execute("DROP TABLE heart_rate")


# Python steps run after a migration's SQL, in its transaction.
_MIGRATION_STEPS: dict[int, Callable[[sqlite3.Connection], None]] = {4: _rows_to_blocks}


def _connect(path: Path, application_id: int, what: str) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.OperationalError as exc:
        # Not a damaged file: it cannot be opened (a read-only folder: WAL needs its -shm file;
        # no space; locked). Saying "damaged" here would send people to restore a good vault.
        raise StoreError(f"cannot open {path}: {exc} (is the vault folder read-only, or the disk full?)") from exc
    except sqlite3.DatabaseError as exc:
        raise VaultCorrupt(f"{path} is not a fitvault {what} (or it is damaged): {exc}") from exc
    if app_id != application_id and (app_id != 0 or tables):
        conn.close()
        raise VaultCorrupt(f"{path} is an SQLite file but not a fitvault {what}; refusing to touch it")
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        if app_id == 0:
            conn.execute(f"PRAGMA application_id = {application_id}")
    except sqlite3.OperationalError as exc:
        conn.close()
        raise StoreError(f"cannot open {path} for writing: {exc}") from exc
    return conn


class VaultView:
    """What reading a vault's bookkeeping needs: the two connections and the reads over them.
    :class:`Vault` writes as well; :class:`fitvault.store.readonly.ReadOnlyVault` only reads."""

    paths: VaultPaths
    conn: sqlite3.Connection
    raw: sqlite3.Connection

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def raw_page_count(self) -> int:
        return self.raw.execute("SELECT count(*) FROM raw_pages").fetchone()[0]

    def open_jobs(self, stream: str) -> list[Job]:
        rows = self.conn.execute(
            "SELECT stream, lower, upper, resume_upper, page_size FROM sync_jobs "
            "WHERE stream = ? AND done = 0 ORDER BY upper DESC",
            (stream,),
        ).fetchall()
        return [Job(*r[:5]) for r in rows]

    def sync_state(self, stream: str) -> dict:
        row = self.conn.execute(
            "SELECT synced_from, synced_until, last_sync, last_error FROM sync_state WHERE stream = ?",
            (stream,),
        ).fetchone()
        keys = ("synced_from", "synced_until", "last_sync", "last_error")
        return dict(zip(keys, row)) if row else dict.fromkeys(keys)

    def account(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT key, value FROM account"))

    def quarantine_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM quarantine").fetchone()[0]


class Vault(VaultView):
    """An open vault folder. Use as a context manager or call :meth:`close`."""

    def __init__(self, root: Path | str) -> None:
        self.paths = VaultPaths(Path(root))
        try:
            self.paths.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StoreError(f"cannot create the vault folder {self.paths.root}: {exc}") from exc
        if self.paths.database.exists() and self.paths.database.is_dir():
            raise VaultCorrupt(f"{self.paths.database} is a folder, not a vault database")
        self.conn = _connect(self.paths.database, VAULT_APPLICATION_ID, "vault")
        self.raw = _connect(self.paths.raw_archive, RAW_APPLICATION_ID, "raw archive")
        # The archive page must be durable before its rows are committed, even on power loss.
        self.raw.execute("PRAGMA synchronous = FULL")
        self._lock = threading.RLock()
        self._source_ids: dict[tuple, int] = {}
        self._sources_added = 0  # so row counts can leave new source rows out
        self._archiver: ThreadPoolExecutor | None = None
        try:
            self._migrate()
        except BaseException:
            self.close()
            raise

    # -- lifecycle -------------------------------------------------------------------------
    def _migrate(self) -> None:
        current = self.conn.execute("PRAGMA user_version").fetchone()[0]
        known = _migrations()
        if known and current > known[-1][0]:
            # Written by a newer fitvault: this one would write rows the newer schema does not
            # expect (and skip its migrations), so it touches nothing.
            raise StoreError(
                f"{self.paths.database} has schema version {current}, newer than this fitvault knows "
                f"({known[-1][0]}); upgrade fitvault to use this vault"
            )
        for number, sql in known:
            if number <= current:
                continue
            try:
                self.conn.executescript(f"BEGIN;\n{sql}")
                step = _MIGRATION_STEPS.get(number)
                if step is not None:
                    step(self.conn)
                self.conn.execute(f"PRAGMA user_version = {number}")
                self.conn.execute("COMMIT")
            except (sqlite3.Error, ValueError) as exc:  # ValueError: sample_blocks.BlockError
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise StoreError(f"migration {number} failed: {exc}") from exc
        if current and current < 4 <= (known[-1][0] if known else 0):
            # Heart-rate rows became blocks: give the freed space (~90 % of an old vault) back.
            self.conn.execute("VACUUM")
        self.raw.executescript(_RAW_SCHEMA)

    def close(self) -> None:
        if self._archiver is not None:
            self._archiver.shutdown(wait=True)
            self._archiver = None
        for conn in (self.conn, self.raw):
            try:
                conn.close()
            except sqlite3.Error:
                pass

    def __enter__(self) -> "Vault":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT on the vault database, rolled back on any exception."""
        with self._lock:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreError(f"cannot write to the vault: {exc}") from exc
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise StoreError(f"vault write failed, nothing was written: {exc}") from exc
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        self._source_ids.clear()  # ids created in the rolled-back transaction are gone
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    # -- provenance ------------------------------------------------------------------------
    def source_id(self, key: SourceKey, origin: str = ORIGIN_API) -> int:
        """The id of a source row, created on first use. Call inside a transaction."""
        full = (origin,) + tuple(key)
        cached = self._source_ids.get(full)
        if cached is not None:
            return cached
        self._sources_added += self.conn.execute(
            "INSERT OR IGNORE INTO sources (origin, platform, device, manufacturer, form_factor, "
            "recording_method, application) VALUES (?, ?, ?, ?, ?, ?, ?)",
            full,
        ).rowcount
        row = self.conn.execute(
            "SELECT id FROM sources WHERE origin = ? AND platform = ? AND device = ? AND "
            "manufacturer = ? AND form_factor = ? AND recording_method = ? AND application = ?",
            full,
        ).fetchone()
        self._source_ids[full] = row[0]
        return row[0]

    # -- raw archive -----------------------------------------------------------------------
    def archive_page(self, stream: str, request: dict, body: bytes) -> int:
        """Store one raw response page (compressed). Committed (and synced to disk) on return."""
        blob = _RAW_SIZE.pack(len(body)) + zstd.compress(body, _RAW_ZSTD_LEVEL)  # outside the lock
        with self._lock:
            try:
                cur = self.raw.execute(
                    "INSERT INTO raw_pages (fetched_at, stream, request, codec, body) VALUES (?, ?, ?, ?, ?)",
                    (_utc_now(), stream, json.dumps(request, sort_keys=True), "zstd", blob),
                )
            except sqlite3.Error as exc:
                raise StoreError(f"cannot write the raw archive: {exc}") from exc
            return cur.lastrowid or 0  # an INSERT always sets it; 0 only satisfies the type

    def archive_page_soon(self, stream: str, request: dict, body: bytes) -> Future:
        """:meth:`archive_page` on the archive's own thread (compressing and syncing to disk
        release the GIL), so the caller can parse the page meanwhile. Wait for the result before
        committing the page's rows: the raw page must be durable first."""
        with self._lock:
            if self._archiver is None:
                self._archiver = ThreadPoolExecutor(1, thread_name_prefix="fitvault-archive")
        return self._archiver.submit(self.archive_page, stream, request, body)

    def raw_pages(self, streams: list[str] | None = None) -> Iterator[tuple[int, str, dict, bytes]]:
        """(id, stream, request, decompressed body) of archived pages, oldest fetch first."""
        sql = "SELECT id, stream, request, codec, body FROM raw_pages"
        params: tuple = ()
        if streams:
            sql += f" WHERE stream IN ({', '.join('?' * len(streams))})"
            params = tuple(streams)
        reader = sqlite3.connect(self.paths.raw_archive)
        try:
            for page_id, stream, request, codec, blob in reader.execute(sql + " ORDER BY id", params):
                yield page_id, stream, json.loads(request), _unpack_raw(page_id, codec, blob)
        finally:
            reader.close()

    # -- writing parsed pages --------------------------------------------------------------
    def save_page(
        self,
        stream: Stream,
        page: ParsedPage,
        job: Job | None = None,
        *,
        on_stream_complete: Callable[[sqlite3.Connection, tuple[str, str]], None] | None = None,
    ) -> int:
        """Upsert a page's rows, quarantine its bad points and move the job's cursor, atomically.

        When this page finishes the stream's last open job, ``on_stream_complete(conn, (lower,
        upper))`` runs in the same transaction with the span of all the stream's jobs, and the
        jobs are deleted: a crash can never separate "last page saved" from "cursor advanced".

        Returns the number of rows inserted or changed.
        """
        with self.transaction() as conn:
            before, sources_before = conn.total_changes, self._sources_added
            counted = stream.save(conn, page.rows, self.source_id) if page.rows else None
            changed = counted if counted is not None else conn.total_changes - before - (self._sources_added - sources_before)
            if page.details:
                stream.save_details(conn, page.details)
            if page.bad:
                self.quarantine(conn, stream.name, page.bad)
            if job is not None:
                conn.execute(
                    "UPDATE sync_jobs SET resume_upper = ?, done = ?, page_size = ? "
                    "WHERE stream = ? AND lower = ? AND upper = ?",
                    (job.resume_upper, int(job.done), job.page_size, job.stream, job.lower, job.upper),
                )
                if job.done and on_stream_complete is not None:
                    open_left, lo, hi = conn.execute(
                        "SELECT sum(done = 0), min(lower), max(upper) FROM sync_jobs WHERE stream = ?", (job.stream,)
                    ).fetchone()
                    if not open_left:
                        on_stream_complete(conn, (lo, hi))
                        conn.execute("DELETE FROM sync_jobs WHERE stream = ?", (job.stream,))
            return changed

    @staticmethod
    def quarantine(conn: sqlite3.Connection, stream: str, bad: list[tuple[str, dict]]) -> None:
        """Keep points that failed to parse, once each (the overlap window re-reads them)."""
        now = _utc_now()
        conn.executemany(
            "INSERT OR IGNORE INTO quarantine (stream, reason, payload, seen_at) VALUES (?, ?, ?, ?)",
            ((stream, reason, json.dumps(point, sort_keys=True), now) for reason, point in bad),
        )

    # -- sync bookkeeping ------------------------------------------------------------------
    def jobs_upper(self, stream: str) -> str | None:
        """The highest upper bound of the stream's unfinished run (done windows included)."""
        return self.conn.execute("SELECT max(upper) FROM sync_jobs WHERE stream = ?", (stream,)).fetchone()[0]

    def drop_jobs(self, stream: str) -> None:
        """Forget a stream's open windows (the server does not support it)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM sync_jobs WHERE stream = ?", (stream,))

    def keys_present(self, table: str, column: str, keys: list[str]) -> set[str]:
        """Which of ``keys`` already have a row in ``table`` (our constant names only)."""
        if not keys:
            return set()
        with self._lock:
            rows = self.conn.execute(
                f"SELECT {column} FROM {table} WHERE {column} IN ({', '.join('?' * len(keys))})", keys
            ).fetchall()
        return {r[0] for r in rows}

    def add_jobs(self, jobs: list[Job]) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO sync_jobs (stream, lower, upper, resume_upper, page_size, done) "
                "VALUES (?, ?, ?, ?, ?, 0)",
                ((j.stream, j.lower, j.upper, j.resume_upper, j.page_size) for j in jobs),
            )

    def set_sync_state(self, stream: str, conn: sqlite3.Connection | None = None, **values: str | None) -> None:
        """Update some of a stream's sync state (inside ``conn``'s transaction when given)."""
        if conn is None:
            with self.transaction() as own:
                self.set_sync_state(stream, own, **values)
            return
        state = self.sync_state(stream)
        state.update(values)
        conn.execute(
            "INSERT INTO sync_state (stream, synced_from, synced_until, last_sync, last_error) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (stream) DO UPDATE SET synced_from = excluded.synced_from, "
            "synced_until = excluded.synced_until, last_sync = excluded.last_sync, "
            "last_error = excluded.last_error",
            (stream, state["synced_from"], state["synced_until"], state["last_sync"], state["last_error"]),
        )

    def start_run(self) -> int:
        with self.transaction() as conn:
            return conn.execute("INSERT INTO sync_runs (started) VALUES (?)", (_utc_now(),)).lastrowid or 0

    def finish_run(self, run_id: int, outcome: str, requests: int, records: int, detail: str = "") -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE sync_runs SET finished = ?, outcome = ?, requests = ?, records = ?, detail = ? WHERE id = ?",
                (_utc_now(), outcome, requests, records, detail, run_id),
            )

    def set_account(self, **values: str | None) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO account (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                list(values.items()),
            )
