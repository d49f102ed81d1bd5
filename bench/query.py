"""Benchmark: load heart rate through the Python API, beside Parquet read by pyarrow.

    python bench/query.py [--rows 5000000] [--repeat 3] [--json out.json]

The vault and the Parquet file of ``bench/run.py``'s query figure (``bench/_query.py``: synthetic
samples written through ``Vault.save_page``; the file holds the very frame the API returns), at
any size, with more reads timed (best of ``--repeat`` after one untimed run):

* ``vault.heart_rate()`` — every sample as a DataFrame (tz index, offsets, local time, device);
* ``vault.heart_rate(resample="1h")`` — hourly wall-clock buckets;
* ``vault.heart_rate(one week)``;
* ``pyarrow.parquet.read_table`` alone and with ``.to_pandas()`` (the floor for a columnar file).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_of  # noqa: E402
from _query import fill_vault, read_api, read_parquet, write_parquet  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)

    import pyarrow.parquet as pq

    import fitvault

    with tempfile.TemporaryDirectory(prefix="fitvault-bench-") as tmp:
        folder, parquet = Path(tmp) / "vault", Path(tmp) / "heart_rate.parquet"
        t0 = time.perf_counter()
        fill_vault(folder, args.rows)
        results: dict[str, float] = {"rows": args.rows, "fill_s": round(time.perf_counter() - t0, 2)}
        results["heart_rate_s"], df = best_of(lambda: read_api(folder), args.repeat)
        if len(df) != args.rows:
            raise SystemExit(f"heart_rate() returned {len(df)} rows, expected {args.rows}")
        write_parquet(df, parquet)
        with fitvault.open(folder) as vault:
            results["heart_rate_1h_s"], hourly = best_of(lambda: vault.heart_rate(resample="1h"), args.repeat)
            results["heart_rate_week_s"], week = best_of(lambda: vault.heart_rate("2026-02-01", "2026-02-07"),
                                                         args.repeat)
        results["parquet_read_table_s"], _ = best_of(lambda: pq.read_table(parquet), args.repeat)
        results["parquet_to_pandas_s"], _ = best_of(lambda: read_parquet(parquet), args.repeat)

    print(f"rows: {args.rows:,}  (vault filled in {results['fill_s']:.1f} s; {len(week):,} rows in the week, "
          f"{len(hourly):,} hourly buckets; index {df.index.dtype})")
    for key, label in (("heart_rate_s", "vault.heart_rate() all rows"), ("heart_rate_1h_s", "vault.heart_rate(resample='1h')"),
                       ("heart_rate_week_s", "vault.heart_rate(one week)"),
                       ("parquet_read_table_s", "pyarrow.parquet.read_table"),
                       ("parquet_to_pandas_s", "pyarrow.parquet.read_table().to_pandas()")):
        seconds = results[key]
        print(f"{label:45s} {seconds:7.3f} s  {seconds / args.rows * 1e9:7.1f} ns/row")
    if args.json:
        args.json.write_text(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in results.items()},
                                        indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
