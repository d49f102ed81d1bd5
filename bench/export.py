"""Benchmark: exporting a synthetic heart-rate vault (1M samples by default) in every format.

    python bench/export.py [--rows 1000000] [--formats csv,parquet,per-day,xlsx] [--json out.json]

The vault is the one of ``bench/run.py``'s query figure (``bench/_query.fill_vault``: irregular
samples 1-5 s apart from 2026-01-01 in New York, both DST changes inside, written through
``Vault.save_page``). Each export runs in a fresh process, which prints wall time, rows per
second and its own peak resident memory (``VmHWM``: flat memory is the point of streaming, it
should not grow with ``--rows``). ``bench/run.py`` times ``fitvault export`` of its backfill's
vault of every type instead.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import own_peak_rss_mib, run_json, tree_bytes  # noqa: E402


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
    return {
        "format": fmt, "rows": result.rows, "seconds": round(seconds, 2),
        "rows_per_s": round(result.rows / max(seconds, 1e-6)), "bytes": tree_bytes(out),
        "peak_rss_mib": round(own_peak_rss_mib(), 1), "notes": result.notes,
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
    from _query import fill_vault

    with tempfile.TemporaryDirectory(prefix="fitvault-bench-") as tmp:
        vault = Path(tmp) / "vault"
        began = time.perf_counter()
        fill_vault(vault, args.rows)
        print(f"built a vault of {args.rows:,} heart-rate samples in {time.perf_counter() - began:.1f} s")
        results = []
        for fmt in args.formats.split(","):
            res = run_json([__file__, "--one", fmt, str(vault), str(Path(tmp) / f"out-{fmt}")])
            results.append(res)
            print(f"{fmt:8} {res['rows']:>10,} rows  {res['seconds']:7.2f} s  {res['rows_per_s']:>10,} rows/s  "
                  f"{res['bytes'] / 2**20:8.1f} MiB written  peak RSS {res['peak_rss_mib']:.0f} MiB")
        if args.json:
            args.json.write_text(json.dumps({"rows": args.rows, "results": results}, indent=2))


if __name__ == "__main__":
    main()
