"""Child process of ``bench/run.py``: import archives into a vault, report time and peak memory.

    python bench/_import.py VAULT ARCHIVE...

Like ``bench/import_archive.py --one``, but the peak memory is this program's own (``VmHWM``, see
``_common.own_peak_rss_mib``), not one inherited from the process that started it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import own_peak_rss_mib  # noqa: E402

ZONE = "America/New_York"  # the synthetic archive's home zone


def main() -> None:
    from fitvault.importers import import_paths
    from fitvault.store.vault import Vault

    vault, *paths = sys.argv[1:]
    began = time.perf_counter()
    with Vault(Path(vault)) as v:
        report = import_paths(v, [Path(p) for p in paths], tz=ZONE)
    seconds = time.perf_counter() - began
    print(json.dumps({"seconds": round(seconds, 2), "records": report.records, "changed": report.changed,
                      "files": len(report.imported), "skipped": len(report.skipped),
                      "peak_rss_mib": round(own_peak_rss_mib(), 1)}))


if __name__ == "__main__":
    main()
