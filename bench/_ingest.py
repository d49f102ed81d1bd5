"""Ingest for ``bench/run.py``: raw heart-rate API pages into the vault, beside raw ``sqlite3``.

The pages come from an in-process simulator (no latency, quota lifted), newest first as the API
sends them, and are kept zlib-compressed in memory; each is decompressed outside the timed
region. Timed per page is exactly what the sync engine does with a page: parse the bytes while
the vault archives them on its own thread (``archive_page_soon``; ``archive_page`` before it
existed), wait for the archive, save the rows (one transaction). The ceiling inserts the same parsed rows,
prepared beforehand as tuples, with ``executemany`` into a plain table, one transaction a page.
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
import zlib
from datetime import datetime
from pathlib import Path

HEART_RATE = "heart-rate"
PAGE_SIZE = 10_000
DAY_MS = 86_400_000

RAW_SCHEMA = """
CREATE TABLE heart_rate (
    time_ms INTEGER NOT NULL, source_id INTEGER NOT NULL, utc_offset_s INTEGER NOT NULL, bpm INTEGER NOT NULL,
    PRIMARY KEY (time_ms, source_id)
) WITHOUT ROWID
"""


def fetch_pages(samples: int, now: datetime, seed: int = 7) -> list[bytes]:
    """At least ``samples`` heart-rate samples as raw list pages (zlib-compressed), newest first."""
    from fitvault.auth.tokens import Token, TokenStore
    from fitvault.config import VaultPaths
    from fitvault.datatypes import STREAMS_BY_NAME
    from fitvault.demo import simulator_endpoints
    from fitvault.session import api_client
    from fitvault_simulator import Simulator, SimulatorConfig

    stream = STREAMS_BY_NAME[HEART_RATE]
    upper = int(now.timestamp() * 1000)
    lower = upper - (samples // 30_000 + 2) * DAY_MS  # the synthetic person records ~40,000 a day (2-s live density)
    pages: list[bytes] = []
    got = 0
    config = SimulatorConfig(seed=seed, now=now, quota_per_window=10**9)
    with Simulator(config) as sim, tempfile.TemporaryDirectory(prefix="fitvault-bench-") as tmp:
        secrets = sim.client_secrets()["installed"]
        token = Token.from_token_response(sim.issue_token(), client_id=secrets["client_id"],
                                          client_secret=secrets["client_secret"], token_uri=sim.token_url,
                                          now=time.time())
        paths = VaultPaths(Path(tmp))
        TokenStore(paths.google_token).save(token)
        with api_client(paths, simulator_endpoints(sim), quota_per_minute=10**9) as client:
            token_text = None
            while got < samples:
                response = client.list_page(HEART_RATE, filter_text=stream.filter_text(lower, upper),
                                            page_size=PAGE_SIZE, page_token=token_text)
                pages.append(zlib.compress(response.content, 1))
                got += len(response.data.get("dataPoints") or [])
                token_text = response.data.get("nextPageToken")
                if not token_text:
                    break
    return pages


def _parser(stream):
    """``stream.parse_bytes`` (what the engine calls), or ``parse(json.loads(...))`` before it."""
    import json

    parse_bytes = getattr(stream, "parse_bytes", None)
    return parse_bytes if parse_bytes is not None else (lambda body: stream.parse(json.loads(body)))


def ingest_side_by_side(pages: list[bytes]) -> tuple[int, dict[str, float], int, float]:
    """Ours and the ceiling, page by page in turn (so a machine that speeds up or slows down
    during the run affects both alike): (samples, seconds of each of our steps, samples,
    seconds of the ceiling).

    Ours, per page, is what the sync engine does: archive the page on the vault's thread while
    parsing it, wait for the archive, save the rows (one transaction) into a fresh vault. The
    ceiling inserts the same page's rows, prepared beforehand, with ``executemany``.
    """
    from fitvault.datatypes import STREAMS_BY_NAME
    from fitvault.store.vault import Vault

    stream = STREAMS_BY_NAME[HEART_RATE]
    parse = _parser(stream)
    rows_per_page = parsed_rows(pages)
    request = {"method": "GET", "data_type": HEART_RATE, "pageSize": PAGE_SIZE}
    samples, steps = 0, {"parse": 0.0, "archive": 0.0, "save": 0.0}
    raw_samples, raw_seconds = 0, 0.0
    clock = time.perf_counter
    with tempfile.TemporaryDirectory(prefix="fitvault-bench-") as tmp, Vault(Path(tmp) / "vault") as vault:
        raw = _raw_sqlite(Path(tmp) / "raw.sqlite")
        for blob, rows in zip(pages, rows_per_page):
            body = zlib.decompress(blob)
            t0 = clock()
            archived = vault.archive_page_soon(stream.name, request, body)
            page = parse(body)
            t1 = clock()
            archived.result()
            t2 = clock()
            vault.save_page(stream, page)
            t3 = clock()
            steps["parse"] += t1 - t0
            steps["archive"] += t2 - t1  # what archiving adds after parsing, when they overlap
            steps["save"] += t3 - t2
            samples += len(page.rows)
            raw_seconds += _insert_rows(raw, rows)
            raw_samples += len(rows)
        raw.close()
    return samples, steps, raw_samples, raw_seconds


def parsed_rows(pages: list[bytes]) -> list[list[tuple[int, int, int, int]]]:
    """Each page's rows as (time_ms, source_id, utc_offset_s, bpm) tuples, numbered sources."""
    from fitvault.datatypes import STREAMS_BY_NAME

    stream = STREAMS_BY_NAME[HEART_RATE]
    parse = _parser(stream)
    ids: dict = {}
    out = []
    for blob in pages:
        rows = parse(zlib.decompress(blob)).rows
        out.append([(t, ids.setdefault(src, len(ids) + 1), off, bpm) for t, src, off, bpm in rows])
    return out


def _raw_sqlite(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(RAW_SCHEMA)
    return conn


def _insert_rows(conn: sqlite3.Connection, rows: list[tuple]) -> float:
    """Seconds of one page's ``executemany`` in its own transaction."""
    began = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO heart_rate (time_ms, source_id, utc_offset_s, bpm) VALUES (?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    return time.perf_counter() - began
