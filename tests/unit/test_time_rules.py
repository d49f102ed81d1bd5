"""The one wall-time rule, the one local-day range rule and the one read-only opener
(``fitvault.timeutil``, ``fitvault.store.readonly``), pinned on their own: DST gaps and folds,
fixed offsets, never the host's zone, a local day across a DST change, writes refused."""

from __future__ import annotations

import sqlite3
import time
from datetime import date, datetime, timezone

import pytest

from fitvault import timeutil
from fitvault.datatypes.tables import TABLES_BY_NAME
from fitvault.errors import StoreError, VaultCorrupt
from fitvault.export.common import where as export_where
from fitvault.importers._clock import Clock
from fitvault.query._time import parse_range
from fitvault.store.readonly import open_read_only
from fitvault.store.vault import Vault
from fitvault.timeutil import Sequence, Zone, local_days, wall_at

H = 3_600_000
EDT, EST = -4 * 3600, -5 * 3600


def utc_ms(*args: int) -> int:
    return timeutil.to_ms(datetime(*args, tzinfo=timezone.utc))


# -- wall time to instant ---------------------------------------------------------------------

def test_a_lone_wall_time_in_the_repeated_hour_is_its_first_occurrence():
    ny = Zone("America/New_York")
    assert ny.resolve(wall_at(date(2026, 11, 1), "01:30")) == (utc_ms(2026, 11, 1, 5, 30), EDT)
    assert ny.resolve(wall_at(date(2026, 11, 1), "01:30"), fold=1) == (utc_ms(2026, 11, 1, 6, 30), EST)


def test_a_series_that_steps_back_in_the_repeated_hour_is_in_its_second_pass():
    ny = Zone("America/New_York")
    walls = [wall_at(date(2026, 11, 1), t) for t in ("00:59", "01:40", "01:10", "01:50", "02:10")]
    assert ny.sequence(walls) == [
        (utc_ms(2026, 11, 1, 4, 59), EDT), (utc_ms(2026, 11, 1, 5, 40), EDT),
        (utc_ms(2026, 11, 1, 6, 10), EST), (utc_ms(2026, 11, 1, 6, 50), EST), (utc_ms(2026, 11, 1, 7, 10), EST)]
    # Seeded with an instant of the second pass (a sleep's start): the same wall time is the second pass too.
    assert ny.sequence(walls[2:3], utc_ms(2026, 11, 1, 6, 5)) == [(utc_ms(2026, 11, 1, 6, 10), EST)]
    assert ny.sequence(walls[2:3], utc_ms(2026, 11, 1, 5, 5)) == [(utc_ms(2026, 11, 1, 5, 10), EDT)]


def test_a_wall_time_in_the_gap_is_pushed_forward_even_in_a_series_that_steps_back():
    ny = Zone("America/New_York")
    gap = wall_at(date(2026, 3, 8), "02:30")
    assert ny.resolve(gap) == (utc_ms(2026, 3, 8, 7, 30), EDT)  # 03:30 EDT: the offset in force there
    walls = [wall_at(date(2026, 3, 8), "02:50"), gap]
    assert ny.sequence(walls) == [(utc_ms(2026, 3, 8, 7, 50), EDT), (utc_ms(2026, 3, 8, 7, 30), EDT)]


def test_the_importers_and_the_legacy_source_read_wall_times_alike():
    ny = Zone("America/New_York")
    walls = [wall_at(date(2026, 11, 1), f"{h:02d}:{m:02d}") for h in (0, 1, 1, 2) for m in (0, 20, 40)]
    walls += [wall_at(date(2026, 3, 8), t) for t in ("01:59", "02:30", "03:00")]
    clock, seq = Clock(ny), Sequence()
    assert [clock.local(w, seq) for w in walls] == ny.sequence(walls)


def test_offsets_of_instants_named_zones_and_fixed_offsets():
    ny = Zone("America/New_York")
    change = utc_ms(2026, 11, 1, 6)  # 02:00 EDT becomes 01:00 EST
    assert [ny.offset_at(change - 1), ny.offset_at(change)] == [EDT, EST]
    assert ny.day_offsets(wall_at(date(2026, 11, 1), "00:00") // timeutil.DAY_MS) == {EDT, EST}
    assert ny.today(utc_ms(2026, 11, 21, 3)) == date(2026, 11, 20)
    for fixed in (Zone("Not/AZone", fallback_offset_s=19800), Zone(None, 19800)):  # no DST, ever
        assert fixed.resolve(wall_at(date(2026, 7, 1), "12:00")) == (utc_ms(2026, 7, 1, 6, 30), 19800)
    assert Zone(None).offset_at(change) == 0


def test_the_host_zone_is_never_consulted(monkeypatch):
    wall = wall_at(date(2026, 11, 1), "01:30")
    expected = Zone("Europe/Berlin").resolve(wall), Zone(None, -3600).resolve(wall)
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    try:
        assert (Zone("Europe/Berlin").resolve(wall), Zone(None, -3600).resolve(wall)) == expected
        assert timeutil.local_date(utc_ms(2026, 11, 1, 12), 0) == date(2026, 11, 1)
    finally:
        monkeypatch.undo()  # the host's own TZ again, whatever it was
        time.tzset()


def test_wall_time_texts():
    assert timeutil.parse_iso_wall("2026-06-15T08:00:00.250") == utc_ms(2026, 6, 15, 8) + 250
    assert timeutil.parse_iso_wall("2026-06-15 08:00") == wall_at(date(2026, 6, 15), "08:00:00")
    for bad in ("2026-06-15T25:00:00", "15/06/2026", "2026-06-15T08:00:00Z"):
        with pytest.raises(ValueError):
            timeutil.parse_iso_wall(bad)
    with pytest.raises(ValueError):
        wall_at(date(2026, 1, 1), "12:60")


# -- local days to SQL ------------------------------------------------------------------------

def _rows_on(clauses: list[str], params: list, rows: list[tuple[int, int]], column: str = "") -> list[tuple]:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (time_ms INTEGER, utc_offset_s INTEGER, date TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?, ?)",
                     [(ms, off, timeutil.local_date(ms, off).isoformat()) for ms, off in rows])
    sql = "SELECT time_ms, utc_offset_s FROM t" + (" WHERE " + " AND ".join(clauses) if clauses else "")
    return conn.execute(sql + " ORDER BY time_ms", params).fetchall()


def test_a_local_day_across_the_fall_back_change_has_its_25_hours():
    ny = Zone("America/New_York")
    rows = [(ms, ny.offset_at(ms)) for ms in range(utc_ms(2026, 10, 31, 20), utc_ms(2026, 11, 2, 12), H)]
    clauses, params = timeutil.wall_range_sql("time_ms", "utc_offset_s", *local_days(date(2026, 11, 1), date(2026, 11, 1)))
    got = _rows_on(clauses, params, rows)
    assert len(got) == 25
    assert got[0] == (utc_ms(2026, 11, 1, 4), EDT) and got[-1] == (utc_ms(2026, 11, 2, 4), EST)
    # A traveller's row keeps its own offset: 23:30 in Tokyo on 1 November is on 1 November.
    tokyo = (utc_ms(2026, 11, 1, 14, 30), 9 * 3600)
    assert tokyo in _rows_on(clauses, params, [tokyo])


def test_exports_and_the_query_api_select_the_same_local_day():
    ny = Zone("America/New_York")
    rows = [(ms, ny.offset_at(ms)) for ms in range(utc_ms(2026, 3, 7, 0), utc_ms(2026, 3, 10, 0), H // 2)]
    day = date(2026, 3, 8)  # spring forward: 23 hours
    clause, params = export_where(TABLES_BY_NAME["spo2"], day, day)
    exported = _rows_on([clause.replace(" WHERE ", "").replace("t.", "")], params, rows)
    queried = _rows_on(*parse_range("2026-03-08", "2026-03-08").where("time_ms", "utc_offset_s"), rows)
    assert exported == queried and len(queried) == 46
    assert {timeutil.local_date(ms, off) for ms, off in queried} == {day}


def test_date_keyed_rows_by_local_midnight():
    assert timeutil.date_range_sql("date", *local_days(date(2026, 3, 8), date(2026, 3, 9))) == (
        ["date >= ?", "date < ?"], ["2026-03-08", "2026-03-10"])
    assert timeutil.date_range_sql("date", None, wall_at(date(2026, 3, 8), "00:00:01")) == (["date < ?"], ["2026-03-09"])
    assert timeutil.date_range_sql("date", None, None) == ([], [])
    assert export_where(TABLES_BY_NAME["daily_steps"], date(2026, 3, 8), date(2026, 3, 9)) == (
        " WHERE t.date >= ? AND t.date < ?", ["2026-03-08", "2026-03-10"])


# -- the read-only opener ---------------------------------------------------------------------

def test_the_read_only_opener_refuses_every_write(tmp_path):
    with Vault(tmp_path / "v"):
        pass
    conn = open_read_only(tmp_path / "v")
    for sql in ("INSERT INTO account (key, value) VALUES ('x', 'y')", "CREATE TABLE x (y)", "CREATE TEMP TABLE x (y)"):
        with pytest.raises(sqlite3.OperationalError):
            conn.execute(sql)
    conn.execute("PRAGMA query_only = OFF")
    with pytest.raises(sqlite3.OperationalError, match="readonly"):  # the file itself is opened mode=ro
        conn.execute("INSERT INTO account (key, value) VALUES ('x', 'y')")
    conn.close()
    exporting = open_read_only(tmp_path / "v" / "vault.sqlite", temp_tables=True)
    exporting.execute("CREATE TEMP TABLE x (y)")  # what exports need for heart rate, and no more
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        exporting.execute("INSERT INTO account (key, value) VALUES ('x', 'y')")
    exporting.close()


def test_a_missing_or_foreign_vault_gives_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match=r"no fitvault vault at .*nowhere.*does not exist.*fitvault sync"):
        open_read_only(tmp_path / "nowhere")
    assert not (tmp_path / "nowhere").exists()  # nothing created
    (tmp_path / "junk.sqlite").write_bytes(b"not sqlite" * 100)
    with pytest.raises(VaultCorrupt, match="not a fitvault vault"):
        open_read_only(tmp_path / "junk.sqlite")
    sqlite3.connect(tmp_path / "other.sqlite").execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(VaultCorrupt, match="not a fitvault vault"):
        open_read_only(tmp_path / "other.sqlite")
