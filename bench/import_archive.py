"""Benchmark: importing a synthetic multi-part Google Takeout (default 60 days).

    python bench/import_archive.py [--days 60] [--hr-step 5] [--parts 2] [--json out.json]

Builds the archive with ``tests/test_import_synth.scaled_takeout`` (streamed into the zips):
Global Export heart rate (one JSON file a day, a sample every ``--hr-step`` seconds), per-minute
steps, distance and calories (30-day chunks), sleep and resting heart rate, plus GoogleData heart
rate (UTC) for the last 30 days, so the clock cross-matching runs too. Then imports it twice in
fresh processes (the second import must change nothing) and prints wall time, records per
second, compressed MiB per second and the process's peak resident memory: it should stay flat
when ``--days`` grows (streaming, one file at a time).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_one(vault: Path, paths: list[Path]) -> dict:
    """One import in this process; its time and this process's peak memory."""
    from fitvault.importers import import_paths
    from fitvault.store.vault import Vault

    began = time.perf_counter()
    with Vault(vault) as v:
        report = import_paths(v, paths, tz="America/New_York")
    seconds = time.perf_counter() - began
    return {
        "seconds": round(seconds, 2), "records": report.records, "changed": report.changed,
        "records_per_s": round(report.records / seconds), "files": len(report.imported),
        "skipped": len(report.skipped), "notes": report.notes,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=60, help="days of data in the archive")
    parser.add_argument("--hr-step", type=int, default=5, help="seconds between heart-rate samples")
    parser.add_argument("--parts", type=int, default=2, help="zip parts of the Takeout set")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--one", nargs="+", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(Path(args.one[0]), [Path(p) for p in args.one[1:]])))
        return
    sys.path.insert(0, str(ROOT / "tests"))
    from test_import_synth import scaled_takeout

    with tempfile.TemporaryDirectory(prefix="fitvault-bench-") as tmp:
        began = time.perf_counter()
        paths, counts = scaled_takeout(Path(tmp), args.days, hr_step_s=args.hr_step, parts=args.parts)
        size = sum(p.stat().st_size for p in paths)
        print(f"built {len(paths)} zip parts, {size / 2**20:.1f} MiB, in {time.perf_counter() - began:.1f} s: "
              + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        results = []
        for run in ("first", "again"):
            proc = subprocess.run([sys.executable, __file__, "--one", str(Path(tmp) / "vault"), *map(str, paths)],
                                  capture_output=True, text=True, check=True)
            res = json.loads(proc.stdout)
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
