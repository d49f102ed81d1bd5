"""Any catalogue table as a DataFrame, driven by its layout (``datatypes/tables.py``).

``table_frame`` is what every family method builds on: it selects the rows in range (see
``_time.Range``), reads them through ``_sql`` and shapes them by layout — time index, offsets,
local wall-clock times, ``device`` — with dtypes fixed by the schema, so empty frames and
chunks of ``iter_frames`` look alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np
import pandas as pd

from fitvault.datatypes.tables import TABLES, TABLES_BY_NAME, Table
from fitvault.datatypes.tables import convert as convert_column
from fitvault.errors import StoreError
from fitvault.query import _sql, _time
from fitvault.query._sql import Col
from fitvault.query.reader import InvalidQuery
from fitvault.store import origins, sample_blocks
from fitvault.store.readonly import open_read_only

if TYPE_CHECKING:
    from fitvault.query.reader import VaultReader

# The instant a session or child row is selected by: sleep by its end (the night), exercise by
# its start. Child and event rows are selected through their parent session.
_SESSION_TIME = {"sleep_sessions": ("end_ms", "end_offset_s"), "exercises": ("start_ms", "start_offset_s"),
                 **{t: ("start_ms", "start_offset_s") for t in ("hydration_log", "nutrition_log", "ecg_readings",
                                                                 "irn_alerts")}}
_PARENTS = {"sleep_stages": ("sleep_sessions", "session_id"), "exercise_splits": ("exercises", "exercise_id"),
            "exercise_events": ("exercises", "exercise_id")}
_WEARABLES = ("FITNESS_BAND", "WATCH", "RING", "CHEST_STRAP")
_SPANS = ("interval", "session", "child")
# Tables kept as compressed blocks instead of rows (store/sample_blocks.py): read in numpy.
_BLOCKS = {"heart_rate": sample_blocks.TABLE}


@dataclass(frozen=True)
class Spec:
    """How to read one table: selected columns, FROM clause, range columns, order, chunk key."""

    table: Table
    cols: tuple[Col, ...]
    values: tuple[str, ...]        # value column names, in catalogue order
    sql_from: str
    time: tuple[str, str] | None   # (instant column, offset column) the range applies to
    order: str
    key: str | None                # indexed integer column to read big tables in windows
    per_source: bool
    fk: str | None = None          # parent id column of child/event tables
    blocks: bool = False           # stored as compressed blocks (store/sample_blocks.py)


def spec(r: VaultReader, name: str) -> Spec:
    cached = r._cache.setdefault("specs", {})
    if name in cached:
        return cached[name]
    table = TABLES_BY_NAME.get(name)
    if table is None:
        raise InvalidQuery(f"unknown table {name!r}; the catalogue has: {', '.join(t.name for t in TABLES)}")
    blocks = name in _BLOCKS and bool(_sql.execute(r._conn, f"PRAGMA table_info({_BLOCKS[name]})").fetchall())
    if blocks:
        info = dict.fromkeys(sample_blocks.COLUMNS, True)
    else:  # a row table (or, in a vault of schema 3 opened read-only, heart rate as rows)
        info = {row[1]: bool(row[3]) or bool(row[5]) for row in _sql.execute(r._conn, f"PRAGMA table_info({name})")}
    if not info:
        raise InvalidQuery(f"table {name!r} is not in this vault (schema version {r.schema_version})")
    p = "c." if table.layout in ("child", "event") else ""

    def col(column: str, kind: str = "int", *, epoch: bool = False) -> Col:
        return Col(f"{p}{column}", column, kind, not info.get(column, False), epoch)  # type: ignore[arg-type]

    values = tuple(c.name for c in table.columns)
    value_cols = [col(c.name, c.kind) for c in table.columns]
    layout = table.layout
    # Rollups have one reconciled value per day: their source is always dailyRollUp.
    src = [col("source_id")] if "source_id" in info and layout != "rollup" else []
    fk = None
    if layout in ("sample", "event"):
        times = [col("time_ms", epoch=True), col("utc_offset_s")]
    elif layout in _SPANS:
        times = [col("start_ms", epoch=True), col("start_offset_s"), col("end_ms", epoch=True), col("end_offset_s")]
    else:
        times = [col("date", "text")]
    if layout == "sample" or layout == "interval":
        cols, sql_from, time, key = times + value_cols + src, name, (times[0].name, times[1].name), times[0].name
        order = f"{key}, source_id"
    elif layout == "session":
        cols = [col("id", "text"), *times, col("date", "text"), *value_cols, *src]
        sql_from, time, key, order = name, _SESSION_TIME[name], None, "start_ms, id"
    elif layout in ("child", "event"):
        parent, fk = _PARENTS[name]
        pt = _SESSION_TIME[parent]
        cols = [col(fk, "text"), *times, *value_cols]
        sql_from = f"{name} AS c JOIN {parent} AS p ON p.id = c.{fk}"
        time, key = (f"p.{pt[0]}", f"p.{pt[1]}"), None
        order = f"c.{times[0].name}, c.{fk}" + (", c.kind" if "kind" in values else "") + (", c.idx" if "idx" in values else "")
    else:  # daily, rollup
        cols, sql_from, time, key = times + value_cols + src, name, None, None
        order = "date" + (", source_id" if src else "") + (", zone" if "zone" in values else "")
    result = Spec(table, tuple(cols), values, sql_from, time, order, key, bool(src), fk, blocks)
    cached[name] = result
    return result


def where(r: VaultReader, s: Spec, rng: _time.Range) -> tuple[list[str], list[Any]]:
    """SQL clauses and parameters selecting the table's rows in ``rng``."""
    if s.time is not None:
        clauses, params = rng.where(*s.time)
        return clauses, list(params)
    clauses, days = rng.date_where("date", r.home_zone)
    return clauses, list(days)


def read(r: VaultReader, s: Spec, rng: _time.Range, extra: tuple[list[str], list[Any]] = ([], []),
         conn: Any = None, chunk_rows: int = 1_000_000, exact: bool = False) -> Iterator[dict[str, Any]]:
    """Column arrays of the rows in range; ``exact`` chunks hold at most ``chunk_rows`` rows."""
    if s.blocks:
        if extra[0]:
            raise InvalidQuery(f"{s.table.name} takes no extra conditions")
        return _read_blocks(conn or r._conn, rng, chunk_rows, exact)
    clauses, params = where(r, s, rng)
    span = rng.span() if s.key else (None, None)
    return _sql.read_chunks(conn or r._conn, s.cols, s.sql_from, clauses + extra[0], params + extra[1],
                            order=s.order, key=s.key, span=span, chunk_rows=chunk_rows, exact=exact)


def _read_blocks(conn: Any, rng: _time.Range, chunk_rows: int, exact: bool) -> Iterator[dict[str, Any]]:
    """Like :func:`_sql.read_chunks`: ``exact`` chunks hold ``chunk_rows`` rows each, the last
    fewer (blocks come in whole days and the local range cuts them: the rows are regrouped)."""
    lo, hi = rng.span()
    pending: list[dict[str, Any]] = []
    count = 0
    try:
        for a in sample_blocks.read_chunks(conn, lo, hi, chunk_rows=chunk_rows):
            keep = rng.mask(a["time_ms"], a["utc_offset_s"])
            if keep is not None:
                a = {k: v[keep] for k, v in a.items()}
            if not exact:
                yield a
                continue
            pending.append(a)
            count += len(a["time_ms"])
            while count >= chunk_rows:
                joined = _join(pending)
                yield {k: v[:chunk_rows] for k, v in joined.items()}
                pending = [{k: v[chunk_rows:] for k, v in joined.items()}]
                count -= chunk_rows
        if count:
            yield _join(pending)
    except sample_blocks.BlockError as exc:
        raise StoreError(str(exc)) from exc


def _join(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return parts[0] if len(parts) == 1 else {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def time_pairs(s: Spec, a: dict[str, Any]) -> list[tuple[np.ndarray, np.ndarray]]:
    if s.table.layout in _SPANS:
        return [(a["start_ms"], a["start_offset_s"]), (a["end_ms"], a["end_offset_s"])]
    if s.table.layout in ("sample", "event"):
        return [(a["time_ms"], a["utc_offset_s"])]
    return []


# -- sources ---------------------------------------------------------------------------------

def source_info(r: VaultReader, need: int = -1) -> dict[str, Any]:
    """Device categories, rank and origin rank per source id, cached (refreshed when a new id
    turns up). Sources rank by origin first (``store/origins.py``), then wearables, other
    automatic sources, MANUAL entries, then id."""
    info = r._cache.get("sources")
    if info is None or need >= len(info["code"]):
        rows = _sql.execute(r._conn, "SELECT id, device, form_factor, recording_method, origin FROM sources").fetchall()
        size = max([row[0] for row in rows] + [need, 0]) + 1
        names = sorted({row[1] for row in rows if row[1]})
        code = np.full(size, -1, dtype=np.int8 if len(names) < 127 else np.int32)
        rank = np.full(size, len(rows), dtype=np.int64)
        origin_rank = np.full(size, origins.UNKNOWN_RANK, dtype=np.int64)
        klass = {i: (origins.origin_rank(o), 0 if ff in _WEARABLES else 2 if rm == "MANUAL" else 1)
                 for i, _d, ff, rm, o in rows}
        for position, sid in enumerate(sorted(klass, key=lambda i: (klass[i], i))):
            rank[sid] = position
        for sid, device, _ff, _rm, origin in rows:
            code[sid] = names.index(device) if device else -1
            origin_rank[sid] = origins.origin_rank(origin)
        info = {"names": names, "code": code, "rank": rank, "origin_rank": origin_rank}
        r._cache["sources"] = info
    return info


def devices_of(r: VaultReader, source_ids: np.ndarray) -> pd.Categorical:
    ids = np.asarray(source_ids, dtype=np.int64)
    info = source_info(r, int(ids.max()) if len(ids) else -1)
    return pd.Categorical.from_codes(info["code"][ids], categories=info["names"])


def ranks_of(r: VaultReader, source_ids: Any) -> np.ndarray:
    ids = np.asarray(source_ids, dtype=np.int64)
    info = source_info(r, int(ids.max()) if len(ids) else -1)
    return info["rank"][ids]


def origin_ranks_of(r: VaultReader, source_ids: Any) -> np.ndarray:
    ids = np.asarray(source_ids, dtype=np.int64)
    info = source_info(r, int(ids.max()) if len(ids) else -1)
    return info["origin_rank"][ids]


# -- origin precedence (store/origins.py): per table and local day, the best origin's rows --

@dataclass(frozen=True)
class Precedence:
    """What the rule leaves out of one read: rows of losing origins on their day (per-row
    tables), or the rows of losing sessions (stages, splits, events)."""

    spec: Spec
    days: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # conflict days, ascending
    best: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # best origin rank of each
    loser_ids: frozenset = frozenset()                                        # child tables: parents left out

    def mask(self, r: VaultReader, a: dict[str, Any]) -> np.ndarray | None:
        """Rows of ``a`` to keep; None keeps them all."""
        s = self.spec
        if s.fk:
            if not self.loser_ids:
                return None
            return ~pd.Series(a[s.fk], dtype=object).isin(self.loser_ids).to_numpy(dtype=bool)
        n = len(a[s.cols[0].name])
        if not len(self.days) or not n:
            return None
        days = day_numbers(s, a)
        pos = np.minimum(np.searchsorted(self.days, days), len(self.days) - 1)
        lose = (self.days[pos] == days) & (origin_ranks_of(r, a["source_id"]) > self.best[pos])
        return ~lose if lose.any() else None

    def apply(self, r: VaultReader, a: dict[str, Any]) -> dict[str, Any]:
        keep = self.mask(r, a)
        if keep is None:
            return a
        return {k: v[keep] for k, v in a.items()}


def day_numbers(s: Spec, a: dict[str, Any]) -> np.ndarray:
    """Local day numbers (days since 1970-01-01) of rows, as ``origins.day_sql`` computes them."""
    layout = s.table.layout
    if layout == "sample":
        return (a["time_ms"] // 1000 + a["utc_offset_s"]) // 86400
    if layout == "interval":
        return (a["start_ms"] // 1000 + a["start_offset_s"]) // 86400
    return np.asarray(a["date"], dtype="datetime64[D]").astype(np.int64)


def _whole_days(r: VaultReader, s: Spec, table: Table, time: tuple[str, str] | None,
                rng: _time.Range) -> tuple[list[str], list[Any]]:
    """Clauses selecting every row of the local days the range touches (so a day's winner
    does not depend on the hours asked for)."""
    if time is None:
        return where(r, s, rng)
    lo, hi = rng.span()
    clauses, params = [], []
    if lo is not None:
        clauses.append(f"{time[0]} >= ?")
        params.append(lo - 2 * _time.DAY_MS)
    if hi is not None:
        clauses.append(f"{time[0]} < ?")
        params.append(hi + 2 * _time.DAY_MS)
    return clauses, params


def precedence(r: VaultReader, s: Spec, rng: _time.Range, conn: Any = None) -> Precedence | None:
    """The origin precedence rule for one read of ``s`` over ``rng``; None when nothing loses."""
    conn = conn or r._conn
    table = s.table
    if not origins.several_origins(conn):
        return None
    if s.fk:
        parent_name = _PARENTS[table.name][0]
        parent = TABLES_BY_NAME[parent_name]
        pspec = spec(r, parent_name)
        found = origins.conflicts(conn, parent, *_whole_days(r, pspec, parent, _SESSION_TIME[parent_name], rng))
        sql = origins.loser_ids_sql(parent, found)
        if sql is None:
            return None
        losers = frozenset(row[0] for row in _sql.execute(conn, sql))
        return Precedence(s, loser_ids=losers) if losers else None
    if not s.per_source or origins.day_sql(table, "t") is None:
        return None
    if s.blocks:
        lo, hi = rng.span()
        pad = 2 * _time.DAY_MS
        found = sample_blocks.day_origins(conn, lambda ids: origin_ranks_of(r, ids),
                                          None if lo is None else lo - pad, None if hi is None else hi + pad)
    else:
        found = origins.conflicts(conn, table, *_whole_days(r, s, table, s.time, rng))
    if not found:
        return None
    days = np.array(sorted(found), dtype=np.int64)
    return Precedence(s, days, np.array([found[int(d)] for d in days], dtype=np.int64))


def read_ranked(r: VaultReader, s: Spec, rng: _time.Range, extra: tuple[list[str], list[Any]] = ([], [])
                ) -> dict[str, Any]:
    """Every row of ``s`` in ``rng`` (one array per column), the precedence rule applied."""
    chunk = 1 << 62 if s.blocks else 1_000_000  # blocks: one piece, no concatenation
    parts = [p for p in read(r, s, rng, extra, chunk_rows=chunk) if len(p[s.cols[0].name])]
    a = _sql.concat(parts, s.cols)
    rule = precedence(r, s, rng)
    return rule.apply(r, a) if rule is not None else a


def best_per_day(r: VaultReader, df: pd.DataFrame) -> pd.DataFrame:
    """Keep one row per index date: the best-ranked source's (``df`` has ``source_id``)."""
    if df.empty:
        return df
    ranked = df.assign(_rank=ranks_of(r, df["source_id"].to_numpy()), _day=df.index)
    ranked = ranked.sort_values(["_day", "_rank"], kind="stable")
    return ranked[~ranked.index.duplicated(keep="first")].drop(columns=["_rank", "_day"])


# -- shaping ---------------------------------------------------------------------------------

def build(r: VaultReader, s: Spec, a: dict[str, Any], zone: Any, *, source_id: bool = False,
          convert: bool = False) -> pd.DataFrame:
    """Column arrays -> the layout's frame (see ``VaultReader.frame``)."""
    layout = s.table.layout
    data: dict[str, Any] = {}
    if layout in ("daily", "rollup"):
        index = _time.day_index(a["date"])
    elif layout in ("sample", "event"):
        index = _time.aware(a["time_ms"], zone, "time")
    else:
        index = _time.aware(a["start_ms"], zone, "start")
    if layout == "session":
        data["id"] = a["id"]
    if layout in _SPANS:
        data["end"] = _time.aware(a["end_ms"], zone)
    if layout == "session":
        data["date"] = _time.day_index(a["date"])
    if s.fk:
        data[s.fk] = a[s.fk]
    for name in s.values:
        data[name] = a[name]
    if layout in ("sample", "event"):
        data["utc_offset_s"] = a["utc_offset_s"]
        data["local_time"] = _time.local(a["time_ms"], a["utc_offset_s"])
    elif layout in _SPANS:
        data["utc_offset_s"] = a["start_offset_s"]
        data["end_offset_s"] = a["end_offset_s"]
        data["local_time"] = _time.local(a["start_ms"], a["start_offset_s"])
        data["local_end"] = _time.local(a["end_ms"], a["end_offset_s"])
    if s.per_source:
        data["device"] = devices_of(r, a["source_id"])
        if source_id:
            data["source_id"] = a["source_id"]
    df = pd.DataFrame(_plain(data), index=index, copy=False)
    return convert_units(df, s.values) if convert else df


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    # DatetimeIndex values become columns as plain arrays (no index alignment).
    return {k: (v.array if isinstance(v, pd.Index) else v) for k, v in data.items()}


def convert_units(df: pd.DataFrame, columns: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """Apply ``tables.convert`` to the named value columns (floats after conversion)."""
    renames = {}
    for name in columns:
        new, factor = convert_column(name)
        if factor != 1.0 and name in df:
            df[name] = df[name].astype("float64") * factor
            renames[name] = new
    return df.rename(columns=renames) if renames else df


def table_frame(r: VaultReader, name: str, start: Any, end: Any, tz: Any, convert: bool, *,
                source_id: bool = False, extra: tuple[list[str], list[Any]] = ([], [])) -> pd.DataFrame:
    s = spec(r, name)
    rng = _time.parse_range(start, end)
    tz = _time.check_tz(tz)
    with r._snapshot():
        a = read_ranked(r, s, rng, extra)
    zone = _time.choose_tz(tz, r.home_zone, *time_pairs(s, a))
    return build(r, s, a, zone, source_id=source_id, convert=convert)


def iter_frames(r: VaultReader, name: str, start: Any, end: Any, chunk_rows: int, tz: Any,
                convert: bool) -> Iterator[pd.DataFrame]:
    if not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise InvalidQuery(f"chunk_rows must be a positive integer, not {chunk_rows!r}")
    s = spec(r, name)
    rng = _time.parse_range(start, end)
    tz = _time.check_tz(tz)
    return _iter(r, s, rng, chunk_rows, tz, convert)


def _iter(r: VaultReader, s: Spec, rng: _time.Range, chunk_rows: int, tz: Any, convert: bool) -> Iterator[pd.DataFrame]:
    conn = open_read_only(r.database)
    try:
        conn.execute("BEGIN")
        rule = precedence(r, s, rng, conn)
        if s.key is None:  # small tables (sessions, children, daily): one read, then slices
            a = _sql.concat(list(read(r, s, rng, conn=conn)), s.cols)
            if rule is not None:
                a = rule.apply(r, a)
            zone = _time.choose_tz(tz, r.home_zone, *time_pairs(s, a))
            df = build(r, s, a, zone, source_id=True, convert=convert)
            for i in range(0, max(len(df), 1), chunk_rows):
                yield df.iloc[i:i + chunk_rows]
            return
        zone = tz if tz is not None else _settle_zone(r, s, rng, conn, chunk_rows, rule)
        yielded = False
        for a in read(r, s, rng, conn=conn, chunk_rows=chunk_rows, exact=True):
            if rule is not None:
                a = rule.apply(r, a)
            if len(a[s.cols[0].name]) or not yielded:
                yielded = True
                yield build(r, s, a, zone, source_id=True, convert=convert)
        if not yielded:
            yield build(r, s, _sql.empty(s.cols), zone, source_id=True, convert=convert)
    finally:
        conn.close()


def _settle_zone(r: VaultReader, s: Spec, rng: _time.Range, conn: Any, chunk_rows: int,
                 ranked: Precedence | None = None) -> Any:
    """The time-index rule over the whole range, reading only instants and offsets (and the
    source, when the precedence rule leaves rows out)."""
    keep = {n for pair in (("time_ms", "utc_offset_s"), ("start_ms", "start_offset_s"), ("end_ms", "end_offset_s"))
            for n in pair}
    if ranked is not None:
        keep.add("source_id")
    timing = Spec(s.table, tuple(c for c in s.cols if c.name in keep), (), s.sql_from, s.time, s.order, s.key,
                  False, blocks=s.blocks)
    rule = _time.TzRule(r.home_zone)
    for a in read(r, timing, rng, conn=conn, chunk_rows=max(chunk_rows, 1_000_000)):
        if ranked is not None:
            a = ranked.apply(r, a)
        for ms, off in time_pairs(timing, a):
            rule.feed(ms, off)
    return rule.zone()


# -- small frames ----------------------------------------------------------------------------

def skin_temperature(r: VaultReader, start: Any, end: Any) -> pd.DataFrame:
    df = table_frame(r, "daily_skin_temperature", start, end, None, False)
    df.insert(df.columns.get_loc("device"), "relative_c", df["nightly_c"] - df["baseline_c"])
    return df


def tables(r: VaultReader) -> pd.DataFrame:
    rows = []
    with r._snapshot() as conn:
        existing = {row[0] for row in _sql.execute(conn, "SELECT name FROM sqlite_master WHERE type = 'table'")}
        for t in TABLES:
            count, first, last, measured = 0, None, None, None
            if t.name in _BLOCKS and _BLOCKS[t.name] in existing:
                count, first, last = _block_first_last(conn)
                measured = last  # heart rate: a 0 bpm is never stored
            elif t.name in existing:
                count = _sql.execute(conn, f"SELECT count(*) FROM {t.name}").fetchone()[0]
                if count:
                    first, last = _first_last(conn, t)
                    measured = _last_measured(conn, t, last)
            rows.append((t.name, t.type_id, t.title, t.layout, count, first, last, measured))
    df = pd.DataFrame(rows, columns=["table", "type_id", "title", "layout", "rows", "first", "last", "last_measured"])
    for c in ("type_id", "title", "layout"):
        df[c] = df[c].astype("str")
    df["rows"] = df["rows"].astype("int64")
    for c in ("first", "last", "last_measured"):
        df[c] = _time.day_index(df[c].tolist()).array
    return df.set_index("table")


def _block_first_last(conn: Any) -> tuple[int, str | None, str | None]:
    count, lo, hi = sample_blocks.stats(conn)
    if not count or lo is None or hi is None:
        return 0, None, None
    ends = [sample_blocks.read(conn, edge, edge + 1) for edge in (lo, hi)]
    days = [str(np.datetime64(int(a["time_ms"][0] // 1000 + a["utc_offset_s"][0]) // 86400, "D")) for a in ends]
    return count, days[0], days[1]


def _last_measured(conn: Any, t: Table, last: str | None) -> str | None:
    """The local date of ``t``'s last row holding a measurement: a numeric value column that is
    neither NULL nor 0. Placeholder rows (a day of 0 steps, 0 active minutes, a 0 kcal day, as
    old exports pad their last days) do not count. Tables without numeric columns, and sessions,
    count every row (``last``)."""
    numeric = [c.name for c in t.columns if c.kind in ("int", "float")]
    if not numeric or t.layout in ("session", "child", "event"):
        return last
    real = " OR ".join(f"({c} IS NOT NULL AND {c} != 0)" for c in numeric)
    if t.layout in ("daily", "rollup"):
        return _sql.execute(conn, f"SELECT max(date) FROM {t.name} WHERE {real}").fetchone()[0]
    ms, off = ("time_ms", "utc_offset_s") if t.layout == "sample" else ("start_ms", "start_offset_s")
    row = _sql.execute(conn, f"SELECT date({ms} / 1000 + {off}, 'unixepoch') FROM {t.name} WHERE {real} "
                             f"ORDER BY {ms} DESC LIMIT 1").fetchone()
    return row[0] if row else None


def _first_last(conn: Any, t: Table) -> tuple[str, str]:
    if t.layout in ("daily", "rollup", "session"):
        return tuple(_sql.execute(conn, f"SELECT min(date), max(date) FROM {t.name}").fetchone())  # type: ignore[return-value]
    ms, off = ("time_ms", "utc_offset_s") if t.layout in ("sample", "event") else ("start_ms", "start_offset_s")
    found = []
    for direction in ("ASC", "DESC"):
        found.append(_sql.execute(
            conn, f"SELECT date({ms} / 1000 + {off}, 'unixepoch') FROM {t.name} ORDER BY {ms} {direction} LIMIT 1"
        ).fetchone()[0])
    return found[0], found[1]


def devices(r: VaultReader) -> pd.DataFrame:
    cols = ["id", "device_version", "device_type", "battery_status", "battery_level", "last_sync_time",
            "seen_at", "mac_address", "features"]
    rows = _sql.execute(r._conn, f"SELECT {', '.join(cols)} FROM devices ORDER BY id").fetchall()
    df = pd.DataFrame(rows, columns=cols)
    for c in ("id", "device_version", "device_type", "battery_status", "mac_address", "features"):
        df[c] = df[c].astype("str")
    df["battery_level"] = df["battery_level"].astype("Int64")
    for c in ("last_sync_time", "seen_at"):
        df[c] = pd.to_datetime(df[c], utc=True, errors="coerce", format="ISO8601").astype("datetime64[ms, UTC]")
    return df.set_index("id")


def sources(r: VaultReader) -> pd.DataFrame:
    cols = ["id", "origin", "platform", "device", "manufacturer", "form_factor", "recording_method", "application"]
    rows = _sql.execute(r._conn, f"SELECT {', '.join(cols)} FROM sources ORDER BY id").fetchall()
    df = pd.DataFrame(rows, columns=cols)
    df["id"] = df["id"].astype("int64")
    for c in cols[1:]:
        df[c] = df[c].astype("str")
    df["rank"] = ranks_of(r, df["id"].to_numpy()) if len(df) else np.empty(0, np.int64)
    return df.set_index("id")
