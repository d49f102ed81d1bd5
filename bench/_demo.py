"""``fitvault demo --days N`` for ``bench/run.py``'s peak-memory figure: the command itself, run
in a fresh process (simulator, consent, the year's sync and the status table all in it), which
prints its wall time and its own peak resident memory (``VmHWM``).

    python bench/_demo.py VAULT DAYS   (prints one JSON object)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH, own_peak_rss_mib, run_json  # noqa: E402


def demo_in_child(vault: Path, days: int) -> dict:
    return run_json([str(BENCH / "_demo.py"), str(vault), str(days)])


def main() -> None:
    import contextlib
    import io

    from fitvault.cli.main import cli

    vault, days = sys.argv[1], sys.argv[2]
    began = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        cli(["--vault", vault, "demo", "--days", days], prog_name="fitvault", standalone_mode=False)
    print(json.dumps({"seconds": round(time.perf_counter() - began, 1), "peak_rss_mib": round(own_peak_rss_mib(), 1)}))


if __name__ == "__main__":
    main()
