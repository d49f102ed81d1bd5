"""Benchmark: a backfill against the simulator with realistic latency, beside its ceilings.

    python bench/backfill.py [--days 90] [--latency-ms 150] [--latency-per-kib-ms 0.02] [--json out.json]

The simulator runs in its own process (as Google's servers would: no shared interpreter lock);
fitvault authorises against it with the real code + PKCE flow and syncs ``--days`` days of every
type it knows. Printed beside the measurements (issue #6):

* data requests: every request for data points (list, dailyRollUp, follow-ups such as an
  exercise's TCX route), retries included; settings, profile, paired devices and tokens are not
  data requests;
* minimum requests: the fewest the API's limits allow for the data fetched, as if each list
  stream were one window over the whole range: ``ceil(records / max pageSize)`` per list stream
  (10000; 25 for sleep and exercise, reference §1.3), ``ceil(days / max range days)`` per
  dailyRollUp stream (90; 14 for heart-rate, total-calories, active-minutes and
  calories-in-heart-rate-zone, §1.7), plus one follow-up per record that has one (a TCX route);
* quota bound: minimum requests / 300 per minute (the per-user quota, reference §4.1);
* latency bound: each of the minimum's requests costs the simulator's latency (``--latency-ms``
  plus ``--latency-per-kib-ms`` per KiB of its stream's bytes); the bound is the larger of their
  sum over ``--concurrency`` workers and the longest chain that must run in sequence (a list
  stream's pages, each needing the previous page's token, with its follow-ups).
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
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from fitvault import session
from fitvault.auth.client_secrets import ClientSecrets
from fitvault.auth.google import authorize
from fitvault.config import GoogleEndpoints, VaultPaths
from fitvault.datatypes import STREAMS, STREAMS_BY_NAME
from fitvault.datatypes.base import Stream
from fitvault.demo import headless_browser
from fitvault.store.vault import Vault
from fitvault.sync import SyncOptions, make_plan, run_plan

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
QUOTA = 300
DETAILS = ":details"  # the traffic of a stream's follow-up requests (an exercise's TCX route)


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


# -- traffic ---------------------------------------------------------------------------------
_BY_PATH = {(s.data_type, s.operation): s.name for s in STREAMS}


def stream_of(path: str) -> str | None:
    """The stream a request path belongs to (``exercise:details`` for a TCX export), or None
    for a request that is not for data (settings, profile, paired devices)."""
    parts = path.split("/dataTypes/", 1)
    if len(parts) < 2:
        return None
    data_type, _, rest = parts[1].partition("/")
    if rest.endswith(":exportExerciseTcx"):
        return data_type + DETAILS
    operation = "dailyRollUp" if rest.endswith(":dailyRollUp") else "list"
    return _BY_PATH.get((data_type, operation), f"{data_type}:{operation}")


class Traffic:
    """Data requests and response bytes per stream, recorded by an httpx response hook."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.bytes: Counter[str] = Counter()
        self._lock = threading.Lock()

    def hook(self, response: httpx.Response) -> None:
        name = stream_of(response.request.url.path)
        if name is None:
            return
        size = int(response.headers.get("content-length") or 0)
        with self._lock:
            self.requests[name] += 1
            self.bytes[name] += size


# -- the minimum and the bounds --------------------------------------------------------------
@dataclass
class Need:
    """The minimum of one stream: requests, how many of them form one sequential chain, bytes."""

    requests: int
    chain: int
    kib: float


def minimum_requests(stream: Stream, records: int, days: int) -> int:
    """The fewest requests the API's limits allow for ``records`` records of one stream over
    ``days`` days: one list window walked with the largest page (at least one request, to
    learn it is empty), or dailyRollUp windows as long as the range cap allows."""
    if stream.operation == "dailyRollUp":
        return max(1, math.ceil(days / (stream.max_window_days or 90)))
    return max(1, math.ceil(records / stream.page_size))


def latency_bound(needs: dict[str, Need], latency_s: float, per_kib_s: float, concurrency: int) -> float:
    """The larger of (a) the minimum's requests at the simulator's latency spread over
    ``concurrency`` workers and (b) the longest chain of them that must run in sequence."""
    total = sum(n.requests * latency_s + n.kib * per_kib_s for n in needs.values())
    longest = max((n.chain * latency_s + n.kib * per_kib_s * n.chain / n.requests
                   for n in needs.values() if n.requests), default=0.0)
    return max(total / max(1, concurrency), longest)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--latency-ms", type=float, default=150.0)
    parser.add_argument("--latency-per-kib-ms", type=float, default=0.02)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()

    traffic = Traffic()
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
                client.http.event_hooks["response"].append(traffic.hook)
                with client:
                    options = SyncOptions(since=(NOW - timedelta(days=args.days)).date(), concurrency=args.concurrency)
                    now_ms = int(NOW.timestamp() * 1000)
                    plan = make_plan(vault, client, options, granted_scopes=set(token.scopes), now_ms=now_ms)
                    planned = {sp.stream.name: sp for sp in plan.streams}
                    timings.clear()  # the profile call of planning is not part of the backfill
                    started, cpu0, sim_cpu0 = time.monotonic(), time.process_time(), process_cpu_s(sim.pid)
                    report = run_plan(vault, client, plan)
                    wall = time.monotonic() - started
                    client_cpu = time.process_time() - cpu0
                    sim_cpu = process_cpu_s(sim.pid) - sim_cpu0
                details = {  # follow-up records the data forces (one request each: no batch call)
                    sp.stream.name: vault.conn.execute(f"SELECT count(*) FROM {sp.stream.details_table}").fetchone()[0]
                    for sp in plan.streams if sp.stream.details_table and sp.jobs
                }
                vault_bytes = paths.database.stat().st_size
                raw_bytes = paths.raw_archive.stat().st_size
        finally:
            sim.terminate()
            sim.wait()

    needs: dict[str, Need] = {}
    rows = []
    for name, p in report.streams.items():
        sp = planned[name]
        if sp.skipped or not sp.jobs:
            continue
        stream = STREAMS_BY_NAME[name]
        lower, upper = (stream.parse_bound(b) for b in sp.window)  # type: ignore[union-attr]
        days = (upper - lower).days if stream.bound == "date" else math.ceil((upper - lower) / 86_400_000)
        need = minimum_requests(stream, p.records, days)
        follow = details.get(name, 0)
        kib = (traffic.bytes[name] + traffic.bytes[name + DETAILS]) / 1024
        chain = 1 if stream.operation == "dailyRollUp" else need + follow
        needs[name] = Need(need + follow, chain, kib)
        sent = traffic.requests[name] + traffic.requests[name + DETAILS]
        rows.append((name, p.records, sent, need + follow, len(sp.jobs)))
    requests = sum(traffic.requests.values())
    minimum = sum(n.requests for n in needs.values())
    mean_request = sum(timings) / max(1, len(timings))
    quota_bound = minimum / QUOTA * 60.0
    lat_bound = latency_bound(needs, args.latency_ms / 1000, args.latency_per_kib_ms / 1000, args.concurrency)
    figures = {
        "days": args.days,
        "latency_ms": args.latency_ms,
        "latency_per_kib_ms": args.latency_per_kib_ms,
        "requests": requests,
        "minimum_requests": minimum,
        "sync_requests_ratio": round(requests / minimum, 3),
        "wall_s": round(wall, 2),
        "quota_bound_s": round(quota_bound, 2),
        "latency_bound_s": round(lat_bound, 2),
        "sync_wall_ratio": round(wall / max(quota_bound, lat_bound), 3),
        "mean_request_s": round(mean_request, 3),
        "client_cpu_s": round(client_cpu, 2),
        "simulator_cpu_s": round(sim_cpu, 2),
        "simulator_cpu_ms_per_request": round(sim_cpu / max(1, requests) * 1000, 1),
        "cores": os.cpu_count(),
        "heart_rate_samples": report.streams["heart-rate"].records,
        "vault_bytes": vault_bytes,
        "raw_archive_bytes": raw_bytes,
        "incomplete": report.incomplete,
        "streams": {name: {"records": r, "requests": q, "minimum": m, "windows": w} for name, r, q, m, w in rows},
    }
    print(f"{'stream':<36}{'records':>10}{'requests':>10}{'minimum':>9}{'windows':>9}")
    for name, r, q, m, w in rows:
        print(f"{name:<36}{r:>10}{q:>10}{m:>9}{w:>9}")
    print(f"\ndata requests {requests} vs minimum {minimum} (ratio {figures['sync_requests_ratio']}); "
          f"all requests {report.requests}")
    print(f"wall {wall:.1f} s vs quota bound {quota_bound:.1f} s and latency bound {lat_bound:.1f} s "
          f"(mean request {mean_request * 1000:.0f} ms) -> ratio {figures['sync_wall_ratio']}")
    print(f"CPU: fitvault {client_cpu:.1f} s, simulator {sim_cpu:.1f} s "
          f"({figures['simulator_cpu_ms_per_request']} ms per request) on {os.cpu_count()} cores")
    print(f"vault {vault_bytes / 1e6:.1f} MB ({vault_bytes / max(1, figures['heart_rate_samples']):.1f} B per HR sample), "
          f"raw archive {raw_bytes / 1e6:.1f} MB")
    if report.incomplete:
        print("INCOMPLETE:", *report.incomplete, sep="\n  ")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
