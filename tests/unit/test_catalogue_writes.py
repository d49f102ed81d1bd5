"""The catalogue drives every write: each table's generated upsert matches the migrated schema,
writes only what changed, and keeps the rules a table declares (``ranked``, ``quiet``).

These are the tests ``docs/adding-a-data-type.md`` points at: a table added to the catalogue but
not the migration (or the reverse), a key that is no UNIQUE index, or a hand-written upsert
beside the generated ones fails here.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from fitvault.datatypes import STREAMS
from fitvault.datatypes.tables import SIDE_TABLES, TABLES, Table
from fitvault.store import origins, upsert
from fitvault.store.vault import Vault

ALL = TABLES + SIDE_TABLES
SRC = Path(__file__).resolve().parents[2] / "src" / "fitvault"
#: Modules besides the generator that may still say ON CONFLICT / INSERT OR, and how often: the
#: vault's bookkeeping (source registry, quarantine, sync jobs and state, account settings: no
#: catalogue tables) and the heart-rate day blocks (see ``upsert.NOT_ROWS``).
HAND_WRITTEN = {"store/vault.py": 5, "store/sample_blocks.py": 1, "status_days.py": 2}  # the last: a cache, no data
ROWS = tuple(t for t in ALL if t.name not in upsert.NOT_ROWS)
DAY_MS = 86_400_000
T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z


@pytest.fixture(scope="module")
def conn(tmp_path_factory):
    with Vault(tmp_path_factory.mktemp("v") / "vault") as vault:
        yield vault.conn


def _unique_indexes(conn: sqlite3.Connection, table: str) -> list[tuple[str, ...]]:
    found = []
    for _seq, name, unique, _origin, _partial in conn.execute(f"PRAGMA index_list({table})"):
        if unique:
            found.append(tuple(r[2] for r in conn.execute(f"PRAGMA index_info({name})")))
    return found


def _kinds(table: Table) -> dict[str, str]:
    return {c.name: c.kind for c in table.columns}


def _value(table: Table, column: str, n: int, source_id: int) -> object:
    """A storable value of ``column`` for row ``n`` (distinct keys for distinct ``n``)."""
    if column == "source_id":
        return source_id
    if column in ("session_id", "exercise_id"):
        return f"p{n}"
    if column == "date":
        return f"2026-01-{n:02d}"
    if column == "id":
        return f"r{n}"
    if column.endswith("_ms"):
        return T0 + n * DAY_MS
    if column.endswith("_offset_s"):
        return 3600 * n
    kind = _kinds(table).get(column, "int")
    return {"text": f"v{n}", "bool": 1, "int": n, "float": n + 0.5}[kind]


def _row(table: Table, n: int, source_id: int) -> tuple:
    return tuple(_value(table, c, n, source_id) for c in table.row_columns)


def _parents(conn: sqlite3.Connection, table: Table, source_id: int) -> None:
    """Sessions p1 and p2, for the foreign keys of a session's child or side table."""
    if not {"session_id", "exercise_id"} & set(table.row_columns):
        return
    for name in ("sleep_sessions", "exercises"):
        session = upsert.table_of(name)
        rows = [(f"p{n}",) + _row(session, n, source_id)[1:] for n in (1, 2)]
        upsert.write(conn, name, rows)


def _changes(conn: sqlite3.Connection, name: str, rows: list[tuple], **kw) -> int:
    before = conn.total_changes
    written = upsert.write(conn, name, rows, **kw)
    assert written == conn.total_changes - before
    return written


def test_every_table_has_an_upsert_on_a_unique_index(conn):
    for table in ROWS:
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table.name})")]
        assert columns, f"{table.name}: in the catalogue, not in the migrations"
        assert sorted(table.row_columns) == sorted(columns), table.name
        assert sorted(table.natural_key) in [sorted(i) for i in _unique_indexes(conn, table.name)], table.name
        sql = upsert.statement(table.name)
        assert f"ON CONFLICT ({', '.join(table.natural_key)})" in sql


def test_heart_rate_is_stored_in_day_blocks(conn):
    assert upsert.NOT_ROWS == {"heart_rate": "heart_rate_blocks"}
    assert ("day", "source_id") in _unique_indexes(conn, "heart_rate_blocks")
    with pytest.raises(ValueError, match="heart_rate_blocks"):
        upsert.statement("heart_rate")


def test_every_migrated_data_table_is_in_the_catalogue(conn):
    names = {t.name for t in ALL} | set(upsert.NOT_ROWS.values())
    bookkeeping = {"sources", "sync_state", "sync_jobs", "sync_runs", "account", "quarantine", "raw_pages",
                   "schema_migrations", "status_days", "status_block_days"}  # the last two: status's cache
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables - bookkeeping - {n for n in tables if n.startswith("sqlite_")} <= names


def test_declared_streams_write_the_catalogue_columns():
    declared = [s for s in STREAMS if hasattr(s, "lead_columns") and s.table != "daily_heart_rate_zones"]
    assert len(declared) > 30
    for stream in declared:
        upsert.statement(stream.table, stream.lead_columns + stream.value_columns())  # raises if not
        assert set(upsert.table_of(stream.table).natural_key) <= set(stream.lead_columns + stream.value_columns())


def test_a_statement_must_name_every_column():
    with pytest.raises(ValueError, match="every column"):
        upsert.statement("steps", ("start_ms", "source_id", "count"))
    with pytest.raises(KeyError):
        upsert.table_of("no_such_table")


@pytest.mark.parametrize("table", ROWS, ids=lambda t: t.name)
def test_a_second_identical_write_changes_nothing(tmp_path, table):
    with Vault(tmp_path / "v") as vault, vault.transaction() as c:
        sid = vault.source_id(("", "", "", "", "", ""))
        _parents(c, table, sid)
        rows = [_row(table, n, sid) for n in (1, 2)]
        assert _changes(c, table.name, rows) == 2
        assert _changes(c, table.name, rows) == 0


@pytest.mark.parametrize("table", ROWS, ids=lambda t: t.name)
def test_a_changed_value_updates_exactly_that_row(tmp_path, table):
    changing = [c for c in table.row_columns if c not in table.natural_key and c not in table.quiet][-1]
    i = table.row_columns.index(changing)
    with Vault(tmp_path / "v") as vault, vault.transaction() as c:
        sid = vault.source_id(("", "", "", "", "", ""))
        _parents(c, table, sid)
        rows = [_row(table, n, sid) for n in (1, 2)]
        upsert.write(c, table.name, rows)
        new = rows[0][:i] + (_value(table, changing, 7, sid),) + rows[0][i + 1:]
        assert _changes(c, table.name, [new, rows[1]]) == 1
        key = ", ".join(table.natural_key)
        stored = c.execute(f"SELECT {', '.join(table.row_columns)} FROM {table.name} ORDER BY {key}").fetchall()
        assert stored == sorted([new, rows[1]], key=lambda r: [r[table.row_columns.index(k)] for k in table.natural_key])


def test_a_quiet_column_alone_is_no_change(tmp_path):
    with Vault(tmp_path / "v") as vault, vault.transaction() as c:
        _parents(c, upsert.table_of("exercise_tcx"), vault.source_id(("", "", "", "", "", "")))
        assert _changes(c, "exercise_tcx", [("p1", "<tcx/>", "2026-01-01T00:00:00Z")]) == 1
        assert _changes(c, "exercise_tcx", [("p1", "<tcx/>", "2026-02-01T00:00:00Z")]) == 0
        assert _changes(c, "exercise_tcx", [("p1", "<tcx>2</tcx>", "2026-03-01T00:00:00Z")]) == 1
        assert c.execute("SELECT tcx, fetched_at FROM exercise_tcx").fetchall() == [
            ("<tcx>2</tcx>", "2026-03-01T00:00:00Z")]


def test_a_ranked_table_keeps_the_better_origins_day(tmp_path):
    cols = ("date", "source_id", "distance_mm")
    with Vault(tmp_path / "v") as vault, vault.transaction() as c:
        ids = {o: vault.source_id(("", "", "", "", "", ""), origin=o) for o in origins.PRECEDENCE[:3]}
        api, fitbit, takeout = origins.PRECEDENCE[:3]

        def put(origin: str, value: int) -> int:
            return _changes(c, "daily_distance", [("2026-01-01", ids[origin], value)], columns=cols, origin=origin)

        assert put(takeout, 5) == 1           # fills an empty day
        assert put(takeout, 5) == 0           # the same again: nothing
        assert put(fitbit, 6) == 1            # a better origin replaces it
        assert put(takeout, 7) == 0           # a worse one does not
        assert put(fitbit, 6) == 0
        assert put(api, 8) == 1               # the best origin always writes
        assert c.execute("SELECT source_id, distance_mm FROM daily_distance").fetchall() == [(ids[api], 8)]
    assert "CASE" not in upsert.statement("daily_distance", cols)  # the best origin needs no check
    assert "CASE" not in upsert.statement("steps", origin=origins.ORIGIN_TUTORIAL_CSV)  # not ranked


def test_replace_children_rewrites_a_set_only_when_it_differs(tmp_path):
    cols = ("session_id", "stage", "minutes", "count")
    with Vault(tmp_path / "v") as vault, vault.transaction() as c:
        _parents(c, upsert.table_of("sleep_stage_summary"), vault.source_id(("", "", "", "", "", "")))

        def put(rows: list[tuple]) -> int:
            before = c.total_changes
            upsert.replace_children(c, "sleep_stage_summary", "p1", rows, cols)
            return c.total_changes - before

        assert put([("LIGHT", 200, 20), ("DEEP", 60, 3)]) == 2
        assert put([("DEEP", 60, 3), ("LIGHT", 200, 20)]) == 0     # the same set, another order
        assert put([("DEEP", 61, 3)]) == 3                          # deleted 2, wrote 1
        assert put([("REM", 1, 1), ("REM", 2, 1)]) == 3             # a repeated key: the last is kept
        assert c.execute("SELECT stage, minutes FROM sleep_stage_summary").fetchall() == [("REM", 2)]


def test_no_hand_written_upsert_outside_the_generator():
    pattern = re.compile(r"ON CONFLICT|INSERT OR ")
    found: dict[str, int] = {}
    for path in SRC.rglob("*.py"):
        if path.name == "upsert.py" and path.parent.name == "store":
            continue
        if path.relative_to(SRC).parts[0] == "study":  # the study's own PostgreSQL tables, not the vault's catalogue
            continue
        n = len(pattern.findall(path.read_text(encoding="utf-8")))
        if n:
            found[path.relative_to(SRC).as_posix()] = n
    assert found == HAND_WRITTEN
