"""The vault compared with the simulator's ground truth: the vault's rows in the truth's shapes,
the truth's rows in the vault's, and the exact comparison of a `--since` run (shared by the sync,
metrics and reliability tests)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from fitvault import timeutil
from fitvault.datatypes.tables import TABLES_BY_NAME
from fitvault.store.vault import Vault
from support.heart_rows import heart_rate_sql

SINCE = date(2026, 10, 20)  # the window covers the DST change (11-01) and the Tokyo trip (11-10..15)


# -- what the vault holds, in the ground truth's shapes ---------------------------------------
def vault_heart_rate(v: Vault) -> list[tuple]:
    return heart_rate_sql(
        v.conn,
        "SELECT time_ms, utc_offset_s, bpm, s.device FROM heart_rate JOIN sources s ON s.id = source_id "
        "ORDER BY time_ms",
    ).fetchall()


def vault_steps(v: Vault) -> list[tuple]:
    return v.conn.execute(
        "SELECT start_ms, start_offset_s, end_ms, end_offset_s, count FROM steps ORDER BY start_ms"
    ).fetchall()


def vault_daily(v: Vault, table: str, cols: str) -> list[tuple]:
    return v.conn.execute(f"SELECT {cols} FROM {table} ORDER BY date").fetchall()


def vault_sleep(v: Vault) -> list[tuple]:
    sessions = []
    for row in v.conn.execute(
        "SELECT id, start_ms, start_offset_s, end_ms, end_offset_s, sleep_type, main_sleep, nap, processed "
        "FROM sleep_sessions ORDER BY end_ms"
    ).fetchall():
        stages = v.conn.execute(
            "SELECT start_ms, start_offset_s, end_ms, end_offset_s, stage FROM sleep_stages "
            "WHERE session_id = ? AND kind = 'stage' ORDER BY start_ms", (row[0],)
        ).fetchall()
        awakenings = v.conn.execute(
            "SELECT start_ms, start_offset_s, end_ms, end_offset_s, stage FROM sleep_stages "
            "WHERE session_id = ? AND kind = 'short_awakening' ORDER BY start_ms", (row[0],)
        ).fetchall()
        sessions.append(tuple(row) + (stages, awakenings))
    return sessions


def truth_sleep(person, since: date, upper_ms: int) -> list[tuple]:
    wide = person.sleep_sessions(
        datetime(since.year, since.month, since.day, tzinfo=timezone.utc) - timedelta(days=2),
        timeutil.from_ms(upper_ms), as_of=timeutil.from_ms(upper_ms),
    )
    out = []
    for s in wide:
        if timeutil.local_date(s.end_ms, s.end_offset_s) < since:
            continue
        out.append((
            s.id, s.start_ms, s.start_offset_s, s.end_ms, s.end_offset_s, s.sleep_type, int(s.main_sleep),
            int(s.nap), int(s.processed), [tuple(x) for x in s.stages], sorted(tuple(x) for x in s.short_awakenings),
        ))
    return out


def assert_vault_equals_truth(v: Vault, person, upper_ms: int, since: date = SINCE) -> None:
    """Every table equals the simulator's ground truth for a `--since` run up to ``upper_ms``."""
    upper = timeutil.from_ms(upper_ms)
    lower = datetime(since.year, since.month, since.day, tzinfo=timezone.utc) - timedelta(hours=14)
    hr = vault_heart_rate(v)
    assert hr == [tuple(x) for x in person.heart_rate(lower, upper)]
    assert vault_steps(v) == [tuple(x) for x in person.steps(lower, upper)]
    assert vault_daily(v, "resting_heart_rate", "date, bpm, calculation_method") == [
        (d.isoformat(), bpm, method) for d, bpm, method in person.resting_heart_rate(since, upper.date() + timedelta(days=2))
    ]
    assert vault_daily(v, "daily_steps", "date, count") == [
        (d.isoformat(), n) for d, n in person.daily_steps(since, upper.date() + timedelta(days=2))
    ]
    assert vault_sleep(v) == truth_sleep(person, since, upper_ms)


def dump(v: Vault) -> dict:
    tables = ["heart_rate", "steps", "resting_heart_rate", "daily_steps", "sleep_sessions", "sleep_stages",
              "sleep_stage_summary", "sources"]
    return {t: heart_rate_sql(v.conn, f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables}


def data_requests(sim) -> list:
    return [r for r in sim.requests if r.data_type]


FIRST_FOUR = {"heart_rate", "resting_heart_rate", "sleep_sessions", "sleep_stages", "steps", "daily_steps"}
SYNCED = {name for name, t in TABLES_BY_NAME.items() if t.stream}  # not the import-only tables
NEW_TABLES = sorted(SYNCED - FIRST_FOUR) + ["exercise_tcx"]
# The simulated person is a man (see simulator/person/logs.py): these are asked for, empty.
EMPTY = {"menstrual_periods", "ovulation_tests"}
CHILDREN = {"exercise_splits", "exercise_events", "exercise_tcx"}
HIDDEN = {"source_id", "fetched_at"}


def vault_rows(v: Vault, table: str, lo, hi) -> list[dict]:
    """Rows of ``table`` in [lo, hi) (epoch ms on the time column, or dates), shaped like the
    ground truth: every stored column but ``source_id``, plus the source's ``device``."""
    cols = [r[1] for r in v.conn.execute(f"PRAGMA table_info({table})") if r[1] not in HIDDEN]
    has_source = any(r[1] == "source_id" for r in v.conn.execute(f"PRAGMA table_info({table})"))
    select = ", ".join(f"t.{c}" for c in cols) + (", s.device" if has_source else "")
    sql = f"SELECT {select} FROM {table} t" + (" JOIN sources s ON s.id = t.source_id" if has_source else "")
    if table in CHILDREN:
        sql += " JOIN exercises e ON e.id = t.exercise_id WHERE e.start_ms >= ? AND e.start_ms < ?"
    elif isinstance(lo, date):
        sql += " WHERE t.date >= ? AND t.date < ?"
        lo, hi = lo.isoformat(), hi.isoformat()
    else:
        sql += f" WHERE t.{TABLES_BY_NAME[table].order_column} >= ? AND t.{TABLES_BY_NAME[table].order_column} < ?"
    names = cols + (["device"] if has_source else [])
    return [dict(zip(names, row)) for row in v.conn.execute(sql, (lo, hi))]


def truth_rows(person, table: str, lo, hi, as_of) -> list[dict]:
    rows = person.truth(table, lo, hi, as_of=as_of)
    out = []
    for r in rows:
        r = dict(r)
        if isinstance(r.get("date"), date):
            r["date"] = r["date"].isoformat()
        out.append(r)
    return out


def canonical(rows: list[dict]) -> list[tuple]:
    return sorted(tuple(sorted((k, repr(v)) for k, v in r.items())) for r in rows)
