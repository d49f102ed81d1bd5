"""Archive imports for ``bench/run.py`` and ``bench/import_archive.py``: a synthetic Takeout set,
and its import in a child process that reports time and peak memory.

    python bench/_import.py VAULT ARCHIVE...          (the child: prints one JSON object)
    python bench/_import.py --parse-only ARCHIVE...   (the ceiling, in a fresh process too)

The peak memory is the child's own (``VmHWM``, see ``_common.own_peak_rss_mib``), not one
inherited from the process that started it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH, ROOT, own_peak_rss_mib, run_json  # noqa: E402

ZONE = "America/New_York"  # the synthetic archive's home zone


def synthetic_takeout(folder: Path, days: int, *, hr_step_s: int = 5, parts: int = 2) -> tuple[list[Path], dict]:
    """A ``days``-day multi-part Takeout in ``folder`` (``tests/support/takeout.scaled_takeout``,
    streamed into the zips): its zip parts and the records of each kind."""
    sys.path.insert(0, str(ROOT / "tests"))
    from support.takeout import scaled_takeout

    folder.mkdir(parents=True, exist_ok=True)
    return scaled_takeout(folder, days, hr_step_s=hr_step_s, parts=parts)


def import_in_child(vault: Path, paths: list[Path]) -> dict:
    """Import ``paths`` into ``vault`` in a fresh process; its figures."""
    return run_json([str(BENCH / "_import.py"), str(vault), *map(str, paths)])


def parse_in_child(paths: list[Path]) -> dict:
    """:func:`parse_only` in a fresh process, as the import runs: neither side inherits the other's
    heap or warm caches (in the benchmark's own process, after writing the archive, parsing ran
    25-60 % slower, which flattered the ratio)."""
    return run_json([str(BENCH / "_import.py"), "--parse-only", *map(str, paths)])


def parse_only(paths: list[Path]) -> dict:
    """The ceiling of ``import_ratio``: every file of the archive's zips read and parsed with the
    fastest parser fitvault uses for its format (``msgspec`` for JSON, as the sync parses pages;
    ``csv`` for CSV, as the importers do), nothing stored. Records: a JSON file's top-level
    array elements, a CSV file's rows after the header."""
    import csv
    import io
    import zipfile

    import msgspec

    decode = msgspec.json.Decoder().decode
    records = 0
    began = time.perf_counter()
    for path in paths:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                with zf.open(info) as fh:
                    if info.filename.endswith(".json"):
                        value = decode(fh.read())
                        records += len(value) if isinstance(value, list) else 1
                    elif info.filename.endswith(".csv"):
                        rows = csv.reader(io.TextIOWrapper(fh, encoding="utf-8-sig", newline=""))
                        records += max(sum(1 for _ in rows) - 1, 0)
    return {"seconds": round(time.perf_counter() - began, 2), "records": records}


def main() -> None:
    from fitvault.importers import import_paths
    from fitvault.store.vault import Vault

    if sys.argv[1] == "--parse-only":
        print(json.dumps(parse_only([Path(p) for p in sys.argv[2:]])))
        return
    vault, *paths = sys.argv[1:]
    began = time.perf_counter()
    with Vault(Path(vault)) as v:
        report = import_paths(v, [Path(p) for p in paths], tz=ZONE)
    seconds = time.perf_counter() - began
    print(json.dumps({"seconds": round(seconds, 2), "records": report.records, "changed": report.changed,
                      "records_per_s": round(report.records / max(seconds, 1e-6)), "files": len(report.imported),
                      "skipped": len(report.skipped), "notes": [str(n) for n in report.notes],
                      "peak_rss_mib": round(own_peak_rss_mib(), 1)}))


if __name__ == "__main__":
    main()
