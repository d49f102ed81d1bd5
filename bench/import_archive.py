"""Benchmark: importing a synthetic multi-part Google Takeout (default 60 days).

    python bench/import_archive.py [--days 60] [--hr-step 5] [--parts 2] [--json out.json]

The archive and the import of ``bench/run.py``'s peak-memory figure (``bench/_import.py``):
Global Export heart rate (one JSON file a day, a sample every ``--hr-step`` seconds), per-minute
steps, distance and calories (30-day chunks), sleep and resting heart rate, plus GoogleData heart
rate for the last 30 days, so the clock cross-matching runs too. Clocks as in real exports: heart
rate, steps and distance stamped in UTC, calories and sleep in local time. Imports it twice in fresh
processes (the second import must change nothing) and prints wall time, records per second,
compressed MiB per second and the process's peak resident memory: it should stay flat when
``--days`` grows (streaming, one file at a time).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _import import import_in_child, synthetic_takeout  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=60, help="days of data in the archive")
    parser.add_argument("--hr-step", type=int, default=5, help="seconds between heart-rate samples")
    parser.add_argument("--parts", type=int, default=2, help="zip parts of the Takeout set")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="fitvault-bench-") as tmp:
        began = time.perf_counter()
        paths, counts = synthetic_takeout(Path(tmp) / "takeout", args.days, hr_step_s=args.hr_step, parts=args.parts)
        size = sum(p.stat().st_size for p in paths)
        print(f"built {len(paths)} zip parts, {size / 2**20:.1f} MiB, in {time.perf_counter() - began:.1f} s: "
              + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        results = []
        for run in ("first", "again"):
            res = import_in_child(Path(tmp) / "vault", paths)
            res["run"] = run
            res["mib_per_s"] = round(size / 2**20 / res["seconds"], 2)
            results.append(res)
            print(f"{run:6} {res['records']:>11,} records  {res['seconds']:7.2f} s  {res['records_per_s']:>9,} rec/s  "
                  f"{res['mib_per_s']:6.2f} MiB/s (compressed)  {res['changed']:>11,} rows changed  "
                  f"peak RSS {res['peak_rss_mib']:.0f} MiB")
        for note in results[0]["notes"]:
            print("note:", note)
        if args.json:
            args.json.write_text(json.dumps({"days": args.days, "zip_bytes": size, "counts": counts,
                                             "results": results}, indent=2))


if __name__ == "__main__":
    main()
