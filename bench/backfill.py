"""Benchmark: a backfill against the simulator with realistic latency, beside its ceilings.

    python bench/backfill.py [--days 90] [--latency-ms 150] [--latency-per-kib-ms 0.02] [--json out.json]

The simulator runs in its own process (as Google's servers would: no shared interpreter lock);
fitvault authorises against it with the real code + PKCE flow and syncs ``--days`` days of every
type it knows. Printed beside the measurements:

* minimum requests: the pages the API's page limits force for the records actually fetched
  (``ceil(records / pageSize)`` per list window, one dailyRollUp call per 90 days);
* quota bound: minimum requests / 300 per minute (the per-user quota, reference §4.1);
* latency bound: the longest chain of sequential requests (a window's pages depend on each
  other's page tokens) times the mean measured request time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from fitvault import session
from fitvault.auth.client_secrets import ClientSecrets
from fitvault.auth.google import authorize
from fitvault.config import GoogleEndpoints, VaultPaths
from fitvault.datatypes import STREAMS_BY_NAME
from fitvault.demo import headless_browser
from fitvault.store.vault import Vault
from fitvault.sync import SyncOptions, make_plan, run_plan

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
QUOTA = 300


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_simulator(port: int, latency_ms: float, per_kib_ms: float, secrets: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "fitvault", "simulator", "--port", str(port), "--latency-ms", str(int(latency_ms)),
         "--latency-per-kib-ms", str(per_kib_ms), "--now", NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
         "--write-client-secrets", str(secrets)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            if secrets.exists():
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("the simulator did not start")


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc), 0.0 where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--latency-ms", type=float, default=150.0)
    parser.add_argument("--latency-per-kib-ms", type=float, default=0.02)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        secrets_file = Path(tmp) / "client.json"
        sim = start_simulator(port, args.latency_ms, args.latency_per_kib_ms, secrets_file)
        try:
            url = f"http://127.0.0.1:{port}"
            endpoints = GoogleEndpoints(url, url + "/o/oauth2/v2/auth", url + "/token", url + "/revoke")
            token = authorize(ClientSecrets.from_file(secrets_file), endpoints, open_browser=headless_browser)
            paths = VaultPaths(Path(tmp) / "vault")
            timings: list[float] = []
            with Vault(paths.root) as vault:
                session.token_store(paths).save(token)
                client = session.api_client(
                    paths, endpoints, concurrency=args.concurrency,
                    on_request=lambda method, path, status, elapsed: timings.append(elapsed),
                )
                with client:
                    options = SyncOptions(since=(NOW - timedelta(days=args.days)).date(), concurrency=args.concurrency)
                    now_ms = int(NOW.timestamp() * 1000)
                    plan = make_plan(vault, client, options, granted_scopes=set(token.scopes), now_ms=now_ms)
                    jobs = {sp.stream.name: len(sp.jobs) for sp in plan.streams}
                    timings.clear()  # the profile call of planning is not part of the backfill
                    started, cpu0, sim_cpu0 = time.monotonic(), time.process_time(), process_cpu_s(sim.pid)
                    report = run_plan(vault, client, plan)
                    wall = time.monotonic() - started
                    client_cpu = time.process_time() - cpu0
                    sim_cpu = process_cpu_s(sim.pid) - sim_cpu0
                vault_bytes = paths.database.stat().st_size
                raw_bytes = paths.raw_archive.stat().st_size
        finally:
            sim.terminate()
            sim.wait()

    minimum = 0
    longest_chain = 0
    rows = []
    for name, p in report.streams.items():
        stream = STREAMS_BY_NAME[name]
        if stream.operation == "dailyRollUp":
            need = math.ceil((args.days + 2) / (stream.max_window_days or 90))
        else:
            need = max(1, math.ceil(p.records / stream.page_size))
        minimum += need
        longest_chain = max(longest_chain, math.ceil(p.requests / max(1, jobs[name])))
        rows.append((name, p.records, p.requests, need, jobs[name]))
    mean_request = sum(timings) / len(timings)
    quota_bound = minimum / QUOTA * 60.0
    latency_bound = longest_chain * mean_request
    figures = {
        "days": args.days,
        "latency_ms": args.latency_ms,
        "latency_per_kib_ms": args.latency_per_kib_ms,
        "requests": report.requests,
        "minimum_requests": minimum,
        "sync_requests_ratio": round(report.requests / minimum, 3),
        "wall_s": round(wall, 2),
        "quota_bound_s": round(quota_bound, 2),
        "latency_bound_s": round(latency_bound, 2),
        "sync_wall_ratio": round(wall / max(quota_bound, latency_bound), 3),
        "mean_request_s": round(mean_request, 3),
        "client_cpu_s": round(client_cpu, 2),
        "simulator_cpu_s": round(sim_cpu, 2),
        "cores": os.cpu_count(),
        "heart_rate_samples": report.streams["heart-rate"].records,
        "vault_bytes": vault_bytes,
        "raw_archive_bytes": raw_bytes,
        "streams": {name: {"records": r, "requests": q, "minimum": m, "windows": w} for name, r, q, m, w in rows},
    }
    print(f"{'stream':<26}{'records':>10}{'requests':>10}{'minimum':>9}{'windows':>9}")
    for name, r, q, m, w in rows:
        print(f"{name:<26}{r:>10}{q:>10}{m:>9}{w:>9}")
    print(f"\nrequests {report.requests} vs minimum {minimum} (ratio {figures['sync_requests_ratio']})")
    print(f"wall {wall:.1f} s vs quota bound {quota_bound:.1f} s and latency bound {latency_bound:.1f} s "
          f"(mean request {mean_request * 1000:.0f} ms) -> ratio {figures['sync_wall_ratio']}")
    print(f"CPU: fitvault {client_cpu:.1f} s, simulator {sim_cpu:.1f} s on {os.cpu_count()} cores")
    print(f"vault {vault_bytes / 1e6:.1f} MB ({vault_bytes / max(1, figures['heart_rate_samples']):.1f} B per HR sample), "
          f"raw archive {raw_bytes / 1e6:.1f} MB")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
