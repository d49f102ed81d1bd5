"""Benchmark: exporting a synthetic heart-rate table (1M rows by default) in every format.

    python bench/export.py [--rows 1000000] [--formats csv,parquet,per-day,xlsx] [--json out.json]

Builds a vault with one sample every 5 s from 2025-06-01 in New York (two DST changes inside,
so offsets vary like real data), then runs each export in a fresh process and prints wall time,
rows per second and the process's peak resident memory (flat memory is the point of streaming:
it should not grow with ``--rows``).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from fitvault.store.vault import Vault

START = datetime(2025, 6, 1, tzinfo=timezone.utc)
ZONE = ZoneInfo("America/New_York")


def build(root: Path, rows: int) -> None:
    start_ms = int(START.timestamp() * 1000)

    def samples():
        offset_until, offset = -1, 0
        for i in range(rows):
            t = start_ms + i * 5000
            if t >= offset_until:  # offsets change at most hourly: recompute once an hour
                offset = int(datetime.fromtimestamp(t / 1000, ZONE).utcoffset().total_seconds())
                offset_until = t - t % 3_600_000 + 3_600_000
            yield t, 1 + (i % 97 == 0), offset, 55 + (i * 7919) % 90

    with Vault(root) as vault, vault.transaction() as conn:
        conn.executemany("INSERT INTO sources (id, origin, device) VALUES (?, 'google-health-api', ?)",
                         [(1, "Charge 6"), (2, "Pixel Watch 3")])
        conn.executemany("INSERT INTO heart_rate VALUES (?, ?, ?, ?)", samples())


def run_one(fmt: str, vault: Path, out: Path) -> dict:
    """One export in this process; its time and this process's peak memory."""
    from fitvault.export import export_csv, export_excel, export_parquet

    began = time.perf_counter()
    if fmt == "csv":
        result = export_csv(vault, out, types="heart-rate")
    elif fmt == "per-day":
        result = export_csv(vault, out, types="heart-rate", per_day=True)
    elif fmt == "parquet":
        result = export_parquet(vault, out, types="heart-rate")
    else:
        result = export_excel(vault, out, types="heart-rate")
    seconds = time.perf_counter() - began
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {
        "format": fmt, "rows": result.rows, "seconds": round(seconds, 2),
        "rows_per_s": round(result.rows / seconds), "bytes": size,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "notes": result.notes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="heart-rate samples in the vault")
    parser.add_argument("--formats", default="csv,parquet,per-day,xlsx", help="comma-separated formats to run")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--one", nargs=3, metavar=("FMT", "VAULT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        fmt, vault, out = args.one
        print(json.dumps(run_one(fmt, Path(vault), Path(out))))
        return
    with tempfile.TemporaryDirectory(prefix="fitvault-bench-") as tmp:
        vault = Path(tmp) / "vault"
        began = time.perf_counter()
        build(vault, args.rows)
        print(f"built a vault of {args.rows:,} heart-rate rows in {time.perf_counter() - began:.1f} s")
        results = []
        for fmt in args.formats.split(","):
            proc = subprocess.run(
                [sys.executable, __file__, "--one", fmt, str(vault), str(Path(tmp) / f"out-{fmt}")],
                capture_output=True, text=True, check=True,
            )
            res = json.loads(proc.stdout)
            results.append(res)
            print(f"{fmt:8} {res['rows']:>10,} rows  {res['seconds']:7.2f} s  {res['rows_per_s']:>10,} rows/s  "
                  f"{res['bytes'] / 2**20:8.1f} MiB written  peak RSS {res['peak_rss_mib']:.0f} MiB")
        if args.json:
            args.json.write_text(json.dumps({"rows": args.rows, "results": results}, indent=2))


if __name__ == "__main__":
    main()
