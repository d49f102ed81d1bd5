"""Benchmark: a backfill against the simulator with realistic latency, beside its ceilings.

    python bench/backfill.py [--days 90] [--latency-ms 150] [--latency-per-kib-ms 0.02] [--concurrency 4] [--json out.json]

The backfill of ``bench/run.py`` (see ``bench/_sync.py`` for how data requests, the minimum and
the quota and latency bounds are defined), with its own span, latency and concurrency, and a
table per stream: records, data requests, the minimum and the planned windows.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import NOW  # noqa: E402
from _sync import sync_in_child  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--latency-ms", type=float, default=150.0)
    parser.add_argument("--latency-per-kib-ms", type=float, default=0.02)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="fitvault-bench-") as tmp:
        bf = sync_in_child(Path(tmp) / "vault", NOW, since=(NOW - timedelta(days=args.days)).date(),
                           latency_ms=args.latency_ms, per_kib_ms=args.latency_per_kib_ms,
                           concurrency=args.concurrency)

    requests, minimum, wall = bf["requests"], bf["minimum_requests"], bf["wall_s"]
    quota_bound, lat_bound = bf["quota_bound_s"], bf["latency_bound_s"]
    samples = bf["heart_rate_records"]
    figures = {
        "days": args.days, "latency_ms": args.latency_ms, "latency_per_kib_ms": args.latency_per_kib_ms,
        "concurrency": args.concurrency, "requests": requests, "all_requests": bf["all_requests"],
        "minimum_requests": minimum, "sync_requests_ratio": round(requests / minimum, 3),
        "wall_s": round(wall, 2), "quota_bound_s": round(quota_bound, 2), "latency_bound_s": round(lat_bound, 2),
        "sync_wall_ratio": round(wall / max(quota_bound, lat_bound), 3),
        "mean_request_s": round(bf["mean_request_s"], 3), "client_cpu_s": round(bf["client_cpu_s"], 2),
        "simulator_cpu_s": round(bf["simulator_cpu_s"], 2),
        "simulator_cpu_ms_per_request": round(bf["simulator_cpu_s"] / max(1, requests) * 1000, 1),
        "cores": os.cpu_count(), "heart_rate_samples": samples, "vault_bytes": bf["vault_bytes"],
        "raw_archive_bytes": bf["raw_archive_bytes"], "peak_rss_mib": round(bf["peak_rss_mib"], 1),
        "incomplete": bf["incomplete"], "streams": bf["streams"],
    }
    print(f"{'stream':<36}{'records':>10}{'requests':>10}{'minimum':>9}{'windows':>9}")
    for name, s in bf["streams"].items():
        print(f"{name:<36}{s['records']:>10}{s['requests']:>10}{s['minimum']:>9}{s['windows']:>9}")
    print(f"\ndata requests {requests} vs minimum {minimum} (ratio {figures['sync_requests_ratio']}); "
          f"all requests {bf['all_requests']}")
    print(f"wall {wall:.1f} s vs quota bound {quota_bound:.1f} s and latency bound {lat_bound:.1f} s "
          f"(mean request {bf['mean_request_s'] * 1000:.0f} ms) -> ratio {figures['sync_wall_ratio']}")
    print(f"CPU: fitvault {bf['client_cpu_s']:.1f} s, simulator {bf['simulator_cpu_s']:.1f} s "
          f"({figures['simulator_cpu_ms_per_request']} ms per request) on {os.cpu_count()} cores; "
          f"sync peak RSS {bf['peak_rss_mib']:.0f} MiB")
    print(f"vault {bf['vault_bytes'] / 1e6:.1f} MB ({bf['vault_bytes'] / max(1, samples):.1f} B per HR sample), "
          f"raw archive {bf['raw_archive_bytes'] / 1e6:.1f} MB")
    if bf["incomplete"]:
        print("INCOMPLETE:", *bf["incomplete"], sep="\n  ")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
