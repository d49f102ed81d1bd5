"""Syncs against the simulator for ``bench/run.py``: the 1-year backfill and the next day's
incremental sync, each in its own process, beside the minimum the API's limits allow.

The simulator runs in a process of its own (as Google's servers would: no shared interpreter
lock) with realistic latency; fitvault authorises against it with the real code + PKCE flow.
The sync itself runs in a second child process (``python bench/_sync.py --vault ...``) so that
its peak memory is its own. The logic follows ``bench/backfill.py``; unlike it, the vault is
kept, for the storage, export and incremental figures that follow.

Child mode prints one JSON object: requests, the minimum, wall time, the quota and latency
bounds, per-stream counts and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import math
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Iterator

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH, run_json  # noqa: E402

QUOTA_PER_MINUTE = 300  # the per-user quota (reference §4.1)
SEED = 7


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def simulator(now: datetime, latency_ms: float, per_kib_ms: float, seed: int = SEED) -> Iterator[tuple[str, Path]]:
    """A ``fitvault simulator`` process frozen at ``now``; yields its URL and client-secrets file."""
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
            yield url, secrets
        finally:
            proc.terminate()
            proc.wait()


def _answers(url: str) -> bool:
    try:
        httpx.get(url + "/", timeout=1)
        return True
    except httpx.HTTPError:
        return False


def _endpoints(url: str):
    from fitvault.config import GoogleEndpoints

    return GoogleEndpoints(url, url + "/o/oauth2/v2/auth", url + "/token", url + "/revoke")


def authorise(url: str, secrets: Path, vault_dir: Path) -> None:
    """The real code + PKCE consent against the simulator; the token is stored in the vault."""
    from fitvault import session
    from fitvault.auth.client_secrets import ClientSecrets
    from fitvault.auth.google import authorize
    from fitvault.config import VaultPaths
    from fitvault.demo import headless_browser

    token = authorize(ClientSecrets.from_file(secrets), _endpoints(url), open_browser=headless_browser)
    paths = VaultPaths(vault_dir)
    paths.root.mkdir(parents=True, exist_ok=True, mode=0o700)
    session.token_store(paths).save(token)


def sync_in_child(vault_dir: Path, now: datetime, *, since: date | None, latency_ms: float, per_kib_ms: float,
                  concurrency: int) -> dict:
    """Start a simulator at ``now``, authorise, and run one sync of every type in a child process."""
    with simulator(now, latency_ms, per_kib_ms) as (url, secrets):
        authorise(url, secrets, vault_dir)
        argv = [str(BENCH / "_sync.py"), "--vault", str(vault_dir), "--api", url, "--now", now.isoformat(),
                "--concurrency", str(concurrency)]
        if since is not None:
            argv += ["--since", since.isoformat()]
        return run_json(argv)


# -- child process ---------------------------------------------------------------------------
def minimum_requests(stream, records: int, lower: str, upper: str) -> int:
    """The fewest requests the API's limits allow for ``records`` records of one stream over the
    planned span: ``ceil(records / pageSize)`` (at least one, to learn a window is empty), or
    one dailyRollUp call per ``max_window_days`` (90) days. (Follow-up requests, one per new
    exercise route, are added by the caller.)"""
    if stream.operation == "dailyRollUp":
        days = (stream.parse_bound(upper) - stream.parse_bound(lower)).days
        return max(1, math.ceil(days / (stream.max_window_days or 90)))
    return max(1, math.ceil(records / stream.page_size))


def _details_held(vault, plan) -> int:
    """Follow-up records (exercise routes) the vault holds, for the streams of a plan."""
    tables = {sp.stream.details_table for sp in plan.streams if sp.jobs and sp.stream.details_table}
    return sum(vault.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in sorted(tables))


def _child(args: argparse.Namespace) -> dict:
    from fitvault import session
    from fitvault.config import VaultPaths
    from fitvault.datatypes import STREAMS_BY_NAME
    from fitvault.store.vault import Vault
    from fitvault.sync import SyncOptions, make_plan, run_plan

    from _common import own_peak_rss_mib

    now = datetime.fromisoformat(args.now)
    now_ms = int(now.timestamp() * 1000)
    paths = VaultPaths(args.vault)
    timings: list[float] = []
    with Vault(paths.root) as vault:
        scopes = session.granted_scopes(paths)
        client = session.api_client(paths, _endpoints(args.api), concurrency=args.concurrency,
                                    on_request=lambda method, path, status, elapsed: timings.append(elapsed))
        with client:
            since = date.fromisoformat(args.since) if args.since else None
            options = SyncOptions(since=since, concurrency=args.concurrency)
            plan = make_plan(vault, client, options, granted_scopes=scopes, now_ms=now_ms)
            spans = {sp.stream.name: (len(sp.jobs), sp.window) for sp in plan.streams if sp.jobs}
            routes_before = _details_held(vault, plan)
            timings.clear()  # the profile call of planning is not part of the sync
            began, cpu0 = time.monotonic(), time.process_time()
            report = run_plan(vault, client, plan)
            wall = time.monotonic() - began
            cpu = time.process_time() - cpu0
            new_details = _details_held(vault, plan) - routes_before
    streams, minimum, longest_chain = {}, 0, 0
    for name, progress in report.streams.items():
        if name not in spans:
            continue
        windows, (lower, upper) = spans[name]
        need = minimum_requests(STREAMS_BY_NAME[name], progress.records, lower, upper)
        minimum += need
        longest_chain = max(longest_chain, math.ceil(progress.requests / max(1, windows)))
        streams[name] = {"records": progress.records, "requests": progress.requests, "minimum": need,
                         "windows": windows, "error": progress.error}
    # Follow-up requests (an exercise's GPS route) are one per record: the API has no batch call.
    minimum += new_details
    mean_request = sum(timings) / max(1, len(timings))
    return {
        "requests": report.requests, "minimum_requests": minimum,
        "detail_requests": report.requests - sum(s["requests"] for s in streams.values()),
        "detail_requests_minimum": new_details, "wall_s": wall, "client_cpu_s": cpu,
        "mean_request_s": mean_request, "longest_chain": longest_chain,
        "quota_bound_s": minimum / QUOTA_PER_MINUTE * 60.0, "latency_bound_s": longest_chain * mean_request,
        "heart_rate_records": report.streams["heart-rate"].records if "heart-rate" in report.streams else 0,
        "incomplete": [str(x) for x in getattr(report, "incomplete", []) or []],
        "peak_rss_mib": own_peak_rss_mib(), "streams": streams,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="One sync of every type (a child of bench/run.py).")
    parser.add_argument("--vault", type=Path, required=True)
    parser.add_argument("--api", required=True, help="the simulator's URL")
    parser.add_argument("--now", required=True, help="the run's now, ISO 8601 UTC")
    parser.add_argument("--since", help="first local date (a backfill); none: incremental")
    parser.add_argument("--concurrency", type=int, default=4)
    print(json.dumps(_child(parser.parse_args())))


if __name__ == "__main__":
    main()
