"""SQL for ``bench/run.py``: the daily mean heart rate over the vault with ``fitvault sql``'s
engine, beside DuckDB on the Parquet export of the same samples.

Both run in this process, in turn, warm, the fastest of 5 after one untimed run each: ours is
:func:`fitvault.query.sql.run_sql` (what ``fitvault sql`` calls: the vault opened read-only,
heart rate decoded from its day blocks into Arrow, the query run by DuckDB); the ceiling is
``duckdb.sql`` over the ``fitvault export parquet --types heart-rate`` folder. Their answers
must agree (same days, same means to 1e-9), or the figure is refused.
"""

from __future__ import annotations

from pathlib import Path

OURS = ("SELECT CAST(epoch_ms(time_ms + utc_offset_s * 1000) AS DATE) AS day, avg(bpm) AS bpm "
        "FROM heart_rate GROUP BY day ORDER BY day")
PARQUET = ("SELECT CAST(local_time AS DATE) AS day, avg(bpm) AS bpm "
           "FROM read_parquet('{folder}/**/*.parquet') GROUP BY day ORDER BY day")


def day_avg_side_by_side(vault: Path, parquet_folder: Path, repeat: int = 5) -> dict:
    """Ours and DuckDB on Parquet, in turn (so a machine whose load drifts affects both alike),
    after one untimed run each; the fastest of ``repeat`` runs of each."""
    import time

    import duckdb

    from fitvault.query.sql import run_sql

    sql = PARQUET.format(folder=parquet_folder)
    ours, theirs = run_sql(vault, OURS).rows, duckdb.sql(sql).fetchall()
    if len(ours) != len(theirs) or any(a[0] != b[0] or abs(a[1] - b[1]) > 1e-9 for a, b in zip(ours, theirs)):
        raise RuntimeError(f"fitvault sql and DuckDB on Parquet disagree: {ours[:3]} vs {theirs[:3]}")
    ours_s, ceiling_s = [], []
    for _ in range(repeat):
        began = time.perf_counter()
        run_sql(vault, OURS)
        ours_s.append(time.perf_counter() - began)
        began = time.perf_counter()
        duckdb.sql(sql).fetchall()
        ceiling_s.append(time.perf_counter() - began)
    return {"sql_day_avg_s": min(ours_s), "sql_day_avg_parquet_s": min(ceiling_s), "sql_day_avg_days": len(ours)}
