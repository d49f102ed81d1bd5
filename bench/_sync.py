"""Syncs against the simulator beside the fewest requests the API's limits allow and the bounds
they set (issue #6): the one implementation behind ``bench/run.py`` (the 1-year backfill and the
next day's incremental sync) and ``bench/backfill.py``.

The simulator runs in a process of its own (as Google's servers would: no shared interpreter
lock) with realistic latency and the live heart-rate density (a sample every 2 s while worn,
~40,000 a day, docs/facts/google-health-api.md#settled-by-captured-payloads; its default ``heart_rate_interval_s``); fitvault authorises against it with the real code + PKCE flow.
The sync itself runs in a second child process (``python bench/_sync.py --vault ...``) so that
its peak memory is its own; the vault is kept, for the figures that follow.

* data requests: every request for data points (list, dailyRollUp, follow-ups such as an
  exercise's TCX route), retries included, counted by an httpx response hook; settings,
  profile, paired devices and tokens are not data requests;
* minimum requests: the fewest the API's limits allow for the data fetched, as if each list
  stream were one window over its planned span: ``ceil(records / max pageSize)`` per list
  stream (10000; 25 for sleep and exercise, docs/facts/google-health-api.md#list-and-paging), ``ceil(days / max range days)`` per
  dailyRollUp stream (90; 14 for heart-rate, total-calories, active-minutes and
  calories-in-heart-rate-zone, docs/facts/google-health-api.md#daily-rollups), plus one follow-up per record the vault did not hold that
  has one (a TCX route: the API has no batch call);
* quota bound: minimum requests / 300 per minute (the per-user quota, docs/facts/google-health-api.md#quota);
* latency bound: each of the minimum's requests costs the simulator's latency (``--latency-ms``
  plus ``--latency-per-kib-ms`` per KiB of its stream's bytes); the bound is the larger of their
  sum over the concurrency (4, the best safe one) and the longest chain that must run in
  sequence (a list stream's pages, each needing the previous page's token, with its follow-ups).

Child mode prints one JSON object: data requests, the minimum, wall time, the quota and latency
bounds, per-stream counts, CPU, the vault's size and the process's peak RSS.
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
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Iterator

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH, run_json  # noqa: E402

QUOTA_PER_MINUTE = 300  # the per-user quota (docs/facts/google-health-api.md#quota)
SEED = 7
DAY_MS = 86_400_000
DETAILS = ":details"  # the traffic of a stream's follow-up requests (an exercise's TCX route)


# -- the simulator and authorisation (parent) --------------------------------------------------
@dataclass
class RunningSimulator:
    url: str
    secrets: Path  # its client-secrets file
    pid: int


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        httpx.get(url + "/", timeout=1)
        return True
    except httpx.HTTPError:
        return False


@contextmanager
def simulator(now: datetime, latency_ms: float, per_kib_ms: float, seed: int = SEED) -> Iterator[RunningSimulator]:
    """A ``fitvault simulator`` process frozen at ``now``."""
    with tempfile.TemporaryDirectory(prefix="fitvault-bench-sim-") as tmp:
        port = _free_port()
        secrets = Path(tmp) / "client.json"
        proc = subprocess.Popen(
            [sys.executable, "-m", "fitvault", "simulator", "--port", str(port), "--seed", str(seed),
             "--latency-ms", str(int(latency_ms)), "--latency-per-kib-ms", str(per_kib_ms),
             "--now", now.strftime("%Y-%m-%dT%H:%M:%SZ"), "--write-client-secrets", str(secrets)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while not _answers(url) or not secrets.exists():
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the simulator did not start")
                time.sleep(0.1)
            yield RunningSimulator(url, secrets, proc.pid)
        finally:
            proc.terminate()
            proc.wait()


def _endpoints(url: str):
    from fitvault.config import GoogleEndpoints

    return GoogleEndpoints(url, url + "/o/oauth2/v2/auth", url + "/token", url + "/revoke")


def authorise(url: str, secrets: Path, vault_dir: Path) -> None:
    """The real code + PKCE consent against the simulator; the token is stored in the vault."""
    from fitvault import session
    from fitvault.config import VaultPaths
    from fitvault.demo import headless_browser
    from fitvault.sources.google.client_secrets import ClientSecrets
    from fitvault.sources.google.oauth import authorize

    token = authorize(ClientSecrets.from_file(secrets), _endpoints(url), open_browser=headless_browser)
    paths = VaultPaths(vault_dir)
    paths.root.mkdir(parents=True, exist_ok=True, mode=0o700)
    session.token_store(paths).save(token)


def sync_in_child(vault_dir: Path, now: datetime, *, since: date | None, latency_ms: float, per_kib_ms: float,
                  concurrency: int) -> dict:
    """Start a simulator at ``now``, authorise, and run one sync of every type in a child process
    (a backfill from ``since``, or an incremental sync without it); the child's figures."""
    with simulator(now, latency_ms, per_kib_ms) as sim:
        authorise(sim.url, sim.secrets, vault_dir)
        argv = [str(BENCH / "_sync.py"), "--vault", str(vault_dir), "--api", sim.url, "--now", now.isoformat(),
                "--concurrency", str(concurrency), "--latency-ms", str(int(latency_ms)),
                "--latency-per-kib-ms", str(per_kib_ms), "--simulator-pid", str(sim.pid)]
        if since is not None:
            argv += ["--since", since.isoformat()]
        return run_json(argv)


# -- traffic (child) ---------------------------------------------------------------------------
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
    return _streams_by_path().get((data_type, operation), f"{data_type}:{operation}")


@cache
def _streams_by_path() -> dict[tuple[str, str], str]:
    from fitvault.datatypes import STREAMS

    return {(s.data_type, s.operation): s.name for s in STREAMS}


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

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self.bytes.clear()


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc), 0.0 where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


# -- the minimum and the bounds ----------------------------------------------------------------
@dataclass
class Need:
    """The minimum of one stream: requests, how many of them form one sequential chain, bytes."""

    requests: int
    chain: int
    kib: float


def span_days(stream, window: tuple[str, str]) -> int:
    """Days between a planned window's bounds (as stored: dates or instants)."""
    lower, upper = (stream.parse_bound(b) for b in window)
    return math.ceil(stream.axis.days(lower, upper))


def minimum_requests(stream, records: int, days: int) -> int:
    """The fewest requests the API's limits allow for ``records`` records of one stream over
    ``days`` days: one list window walked with the largest page (at least one request, to
    learn it is empty), or dailyRollUp windows as long as the range cap allows. (Follow-up
    requests, one per new record that has one, are added by the caller.)"""
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


# -- the child process -------------------------------------------------------------------------
def _details_held(vault, planned: dict) -> dict[str, int]:
    """Follow-up records (exercise routes) the vault holds, per planned stream that has them."""
    return {name: vault.conn.execute(f"SELECT count(*) FROM {sp.stream.details_table}").fetchone()[0]
            for name, sp in planned.items() if sp.stream.details_table}


def _child(args: argparse.Namespace) -> dict:
    from _common import own_peak_rss_mib, sqlite_bytes

    from fitvault import session
    from fitvault.config import VaultPaths
    from fitvault.sources.google import make_plan, run_plan
    from fitvault.store.vault import Vault
    from fitvault.sync import SyncOptions

    now_ms = int(datetime.fromisoformat(args.now).timestamp() * 1000)
    paths = VaultPaths(args.vault)
    timings: list[float] = []
    traffic = Traffic()
    with Vault(paths.root) as vault:
        scopes = session.granted_scopes(paths)
        client = session.api_client(paths, _endpoints(args.api), concurrency=args.concurrency,
                                    on_request=lambda method, path, status, elapsed: timings.append(elapsed))
        client.http.event_hooks["response"].append(traffic.hook)
        with client:
            since = date.fromisoformat(args.since) if args.since else None
            options = SyncOptions(since=since, concurrency=args.concurrency)
            plan = make_plan(vault, client, options, granted_scopes=scopes, now_ms=now_ms)
            planned = {sp.stream.name: sp for sp in plan.streams if sp.jobs and not sp.skipped}
            details_before = _details_held(vault, planned)
            timings.clear()  # planning (one profile call) is not part of the sync
            traffic.clear()
            sim_cpu0 = process_cpu_s(args.simulator_pid) if args.simulator_pid else 0.0
            began, cpu0 = time.monotonic(), time.process_time()
            report = run_plan(vault, client, plan)
            wall = time.monotonic() - began
            cpu = time.process_time() - cpu0
            sim_cpu = process_cpu_s(args.simulator_pid) - sim_cpu0 if args.simulator_pid else 0.0
        details_after = _details_held(vault, planned)

    needs: dict[str, Need] = {}
    streams = {}
    for name, progress in report.streams.items():
        sp = planned.get(name)
        if sp is None:
            continue
        need = minimum_requests(sp.stream, progress.records, span_days(sp.stream, sp.window))
        follow = details_after.get(name, 0) - details_before.get(name, 0)
        kib = (traffic.bytes[name] + traffic.bytes[name + DETAILS]) / 1024
        chain = 1 if sp.stream.operation == "dailyRollUp" else need + follow
        needs[name] = Need(need + follow, chain, kib)
        streams[name] = {"records": progress.records, "requests": traffic.requests[name] + traffic.requests[name + DETAILS],
                         "minimum": need + follow, "windows": len(sp.jobs), "error": progress.error}
    requests = sum(traffic.requests.values())
    minimum = sum(n.requests for n in needs.values())
    return {
        "requests": requests, "all_requests": report.requests, "minimum_requests": minimum,
        "detail_requests": sum(n for k, n in traffic.requests.items() if k.endswith(DETAILS)),
        "detail_requests_minimum": sum(details_after[k] - details_before.get(k, 0) for k in details_after),
        "wall_s": wall, "client_cpu_s": cpu, "simulator_cpu_s": sim_cpu,
        "mean_request_s": sum(timings) / max(1, len(timings)),
        "quota_bound_s": minimum / QUOTA_PER_MINUTE * 60.0,
        "latency_bound_s": latency_bound(needs, args.latency_ms / 1000, args.latency_per_kib_ms / 1000,
                                         args.concurrency),
        "heart_rate_records": report.streams["heart-rate"].records if "heart-rate" in report.streams else 0,
        "incomplete": [str(x) for x in getattr(report, "incomplete", []) or []],
        "vault_bytes": sqlite_bytes(paths.database), "raw_archive_bytes": sqlite_bytes(paths.raw_archive),
        "peak_rss_mib": own_peak_rss_mib(), "streams": streams,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="One sync of every type (a child of bench/run.py and bench/backfill.py).")
    parser.add_argument("--vault", type=Path, required=True)
    parser.add_argument("--api", required=True, help="the simulator's URL")
    parser.add_argument("--now", required=True, help="the run's now, ISO 8601 UTC")
    parser.add_argument("--since", help="first local date (a backfill); none: incremental")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--latency-ms", type=float, required=True, help="the simulator's latency per request")
    parser.add_argument("--latency-per-kib-ms", type=float, required=True, help="and per KiB of response")
    parser.add_argument("--simulator-pid", type=int, help="the simulator's process, for its CPU time")
    print(json.dumps(_child(parser.parse_args())))


if __name__ == "__main__":
    main()
