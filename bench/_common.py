"""What the scripts of ``bench/`` share: the row ``bench/run.py`` prints, timing, memory and size helpers."""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
# The simulated "now" of every sync in the suite (after the synthetic person's DST change and
# Tokyo trip, as in the tests); the incremental sync runs one day later.
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)


@dataclass
class Row:
    """One line of the results table: a figure beside its ceiling, and whether its target holds.

    ``ok`` is None for figures that are only reported (no target).
    """

    figure: str
    measured: str
    ceiling: str
    target: str
    ok: bool | None = None

    def line(self) -> str:
        mark = {True: "ok", False: "MISSED", None: "report"}[self.ok]
        return f"{self.figure:<28} {self.measured:>16}   vs {self.ceiling:<44} target {self.target:<10} {mark}"


@dataclass
class Section:
    """The result of one measurement: its JSON figures, its table rows and how it was measured."""

    title: str
    how: str
    figures: dict = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    seconds: float = 0.0  # how long the measurement took, set by the runner


def at_most(value: float, limit: float) -> bool:
    return value <= limit


def at_least(value: float, limit: float) -> bool:
    return value >= limit


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """(seconds, result) of one call."""
    began = time.perf_counter()
    result = fn()
    return time.perf_counter() - began, result


def best_of(fn: Callable[[], object], repeat: int, warmup: int = 1) -> tuple[float, object]:
    """The fastest of ``repeat`` calls after ``warmup`` untimed ones, and the last result."""
    result = None
    for _ in range(warmup):
        result = fn()
        del result
    times = []
    for _ in range(repeat):
        seconds, result = timed(fn)
        times.append(seconds)
    return min(times), result


def own_peak_rss_mib() -> float:
    """This process's peak resident memory, in MiB.

    Linux: ``VmHWM`` of ``/proc/self/status``, the high-water mark of this program's own address
    space. Not ``ru_maxrss``: Linux carries it across ``execve``, so a child spawned by a big
    parent reports the parent's size (``subprocess`` forks, or vforks sharing the parent's memory).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 2**20


def run_json(argv: list[str], *, env: dict[str, str] | None = None) -> dict:
    """Run a child Python script that prints one JSON object as its last stdout line."""
    proc = subprocess.run([sys.executable, *argv], capture_output=True, text=True, env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:2])} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fitvault_cli(vault: Path, *args: str) -> float:
    """Wall seconds of one ``fitvault --vault VAULT ...`` command in a fresh process."""
    env = dict(os.environ, COLUMNS="200")
    began = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "fitvault", "--vault", str(vault), *args],
                          capture_output=True, text=True, env=env, cwd=ROOT)
    seconds = time.perf_counter() - began
    if proc.returncode != 0:
        raise RuntimeError(f"fitvault {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return seconds


def tree_bytes(folder: Path, pattern: str = "*") -> int:
    """Total size of the files under ``folder`` matching ``pattern``."""
    return sum(p.stat().st_size for p in folder.rglob(pattern) if p.is_file())


def sqlite_bytes(path: Path) -> int:
    """A SQLite database's size on disk, its WAL included (normally checkpointed on close)."""
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def table_bytes(database: Path, tables: tuple[str, ...]) -> int:
    """Bytes of the pages of ``tables`` and their indexes (SQLite's ``dbstat``), 0 without it."""
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        marks = ", ".join("?" * len(tables))
        names = [r[0] for r in conn.execute(f"SELECT name FROM sqlite_master WHERE tbl_name IN ({marks})", tables)]
        return conn.execute(f"SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN ({', '.join('?' * len(names))})",
                            names).fetchone()[0] if names else 0
    except sqlite3.Error:
        return 0
    finally:
        conn.close()
