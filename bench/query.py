"""Benchmark: load a year of heart rate through the Python API, beside Parquet read by pyarrow.

    python bench/query.py [--rows 5000000] [--repeat 3] [--read-sql] [--json out.json]

Fills a fresh vault with ``--rows`` synthetic heart-rate samples (one device, 2-8 s apart from
2026-01-01, America/New_York offsets so DST is in the data) with ``executemany``, writes the same
rows to a Parquet file, then times (best of ``--repeat``):

* ``vault.heart_rate()`` — every sample as a DataFrame (tz index, offsets, local time, device);
* ``vault.heart_rate(resample="1h")`` — hourly wall-clock buckets;
* ``vault.heart_rate(one week)``;
* ``pyarrow.parquet.read_table`` and the same ``.to_pandas()`` (the floor for a columnar file);
* with ``--read-sql``, ``pd.read_sql_query`` of the same rows (the naive way, for contrast).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import fitvault
from fitvault.store.vault import Vault

START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
ZONE = "America/New_York"


def synthetic(rows: int, seed: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    time_ms = START_MS + np.cumsum(rng.integers(2_000, 8_000, rows, dtype=np.int64))
    wall = pd.DatetimeIndex(time_ms.view("M8[ms]")).tz_localize("UTC").tz_convert(ZONE).tz_localize(None)
    offset = (wall.as_unit("ms").asi8 - time_ms) // 1000
    bpm = (65 + 20 * np.sin(np.arange(rows) / 5000) + rng.integers(-5, 6, rows)).astype(np.int64)
    return {"time_ms": time_ms, "source_id": np.ones(rows, np.int64), "utc_offset_s": offset, "bpm": bpm}


def fill(folder: Path, data: dict[str, np.ndarray], batch: int = 500_000) -> None:
    with Vault(folder) as vault:
        with vault.transaction() as conn:
            conn.execute("INSERT INTO sources (id, origin, platform, device, form_factor, recording_method) "
                         "VALUES (1, 'google-health-api', 'FITBIT', 'Charge 6', 'FITNESS_BAND', 'PASSIVELY_MEASURED')")
            conn.execute("INSERT INTO account (key, value) VALUES ('time_zone', ?)", (ZONE,))
        columns = [data[c] for c in ("time_ms", "source_id", "utc_offset_s", "bpm")]
        for i in range(0, len(columns[0]), batch):
            with vault.transaction() as conn:
                conn.executemany("INSERT INTO heart_rate (time_ms, source_id, utc_offset_s, bpm) VALUES (?, ?, ?, ?)",
                                 zip(*(c[i:i + batch].tolist() for c in columns)))


def best(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--read-sql", action="store_true", help="also time pd.read_sql_query (slow)")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="fitvault-bench-") as tmp:
        folder = Path(tmp) / "vault"
        data = synthetic(args.rows)
        t0 = time.perf_counter()
        fill(folder, data)
        fill_s = time.perf_counter() - t0
        parquet = Path(tmp) / "heart_rate.parquet"
        pq.write_table(pa.table({k: pa.array(v) for k, v in data.items()}), parquet)

        results: dict[str, float] = {"rows": args.rows, "fill_s": round(fill_s, 2)}
        with fitvault.open(folder) as vault:
            results["heart_rate_s"], df = best(vault.heart_rate, args.repeat)
            if len(df) != args.rows:
                raise SystemExit(f"heart_rate() returned {len(df)} rows, expected {args.rows}")
            results["heart_rate_1h_s"], hourly = best(lambda: vault.heart_rate(resample="1h"), args.repeat)
            results["heart_rate_week_s"], week = best(lambda: vault.heart_rate("2026-02-01", "2026-02-07"), args.repeat)
        results["parquet_read_table_s"], _ = best(lambda: pq.read_table(parquet), args.repeat)
        results["parquet_to_pandas_s"], _ = best(lambda: pq.read_table(parquet).to_pandas(), args.repeat)
        if args.read_sql:
            import sqlite3

            conn = sqlite3.connect(folder / "vault.sqlite")
            results["read_sql_s"], _ = best(lambda: pd.read_sql_query(
                "SELECT time_ms, source_id, utc_offset_s, bpm FROM heart_rate ORDER BY time_ms", conn), 1)
            conn.close()

    print(f"rows: {args.rows:,}  (vault filled in {results['fill_s']:.1f} s; {len(week):,} rows in the week, "
          f"{len(hourly):,} hourly buckets; index {df.index.dtype})")
    for key, label in (("heart_rate_s", "vault.heart_rate() all rows"), ("heart_rate_1h_s", "vault.heart_rate(resample='1h')"),
                       ("heart_rate_week_s", "vault.heart_rate(one week)"),
                       ("parquet_read_table_s", "pyarrow.parquet.read_table"),
                       ("parquet_to_pandas_s", "pyarrow.parquet.read_table().to_pandas()"),
                       ("read_sql_s", "pd.read_sql_query (naive)")):
        if key in results:
            seconds = results[key]
            print(f"{label:45s} {seconds:7.3f} s  {seconds / args.rows * 1e9:7.1f} ns/row")
    if args.json:
        args.json.write_text(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in results.items()},
                                        indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
