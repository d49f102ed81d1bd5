"""The benchmark suite of issues #6 and #17: every performance figure beside its ceiling, in one run.

    python bench/run.py [--quick] [--json FILE] [--days 365] [--only sync,ingest,...] [--md FILE]

Prints a line per figure as it completes, then the table; writes the figures to ``--json`` and
the table, the machine and how each figure is measured to ``docs/performance.md``. A missed
target prints MISSED but the exit status stays 0: this is a benchmark, not a test.

Parts (``--only``): ``sync`` (the 1-year backfill against the simulator with realistic latency,
then its vault's size, its exports beside pyarrow, ``fitvault sql`` beside DuckDB, status and
the next day's incremental sync), ``import`` (a synthetic Takeout archive beside parsing it, and
its peak memory), ``ingest`` (raw pages into the vault), ``query`` (a year into a DataFrame) and
``demo`` (``fitvault demo --days 365``, for its peak memory). ``--quick`` imports a 60-day
archive instead of a year; everything else is the same, about 25 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
import time
import zlib
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402  # noqa: E402
    NOW,
    ROOT,
    Row,
    Section,
    at_least,
    at_most,
    best_of,
    fitvault_cli,
    sqlite_bytes,
    table_bytes,
    timed,
    tree_bytes,
)

PARTS = ("sync", "import", "ingest", "query", "demo")
LATENCY_MS, LATENCY_PER_KIB_MS = 150.0, 0.02
CONCURRENCY = 4  # the CLI's default


def _say(text: str) -> None:
    print(text, flush=True)


# -- sync: the backfill, its vault and the incremental sync that follows ----------------------
def backfill(vault: Path, days: int) -> dict:
    """A backfill of ``days`` days of every type, in its own process (see ``bench/_sync.py``)."""
    from _sync import sync_in_child

    since = (NOW - timedelta(days=days)).date()
    return sync_in_child(vault, NOW, since=since, latency_ms=LATENCY_MS, per_kib_ms=LATENCY_PER_KIB_MS,
                         concurrency=CONCURRENCY)


def sync_figures(bf: dict, days: int) -> Section:
    requests_ratio = bf["requests"] / bf["minimum_requests"]
    bound = max(bf["quota_bound_s"], bf["latency_bound_s"])
    wall_ratio = bf["wall_s"] / bound
    which = "quota" if bf["quota_bound_s"] >= bf["latency_bound_s"] else "latency"
    section = Section(
        "Sync (`sync_requests_ratio`, `sync_wall_ratio`)",
        f"A backfill of {days} days of every type (`make_plan` + `run_plan` with {CONCURRENCY} requests in "
        f"flight, as `fitvault sync --since`) in a process of its own, against `fitvault simulator` in "
        f"another process with `--latency-ms {LATENCY_MS:g} --latency-per-kib-ms {LATENCY_PER_KIB_MS:g}` "
        "(about 220 ms for a 3.5 MB heart-rate page) and the API's quota of 300 requests a minute. "
        "Requests are data requests (list, `dailyRollUp` and follow-ups such as an exercise's TCX route, "
        "retries included; not settings, profile or paired devices), counted by an httpx response hook. "
        "The minimum is, per stream, as if each list stream were one window over its planned span: the "
        "pages the API's largest page size (10,000; 25 for sleep and exercise) forces for the records "
        "actually received, at least one, or one `dailyRollUp` call per range cap (90 days; 14 for "
        "heart-rate, total-calories, active-minutes and calories-in-heart-rate-zone) of the planned span, "
        "plus one follow-up request per exercise route the vault did not hold (the API has no batch call). "
        "The quota bound is that minimum ÷ 300 per minute; the latency bound is the larger of the "
        f"minimum's requests at the simulator's latency ({LATENCY_MS:g} ms plus {LATENCY_PER_KIB_MS:g} ms per "
        f"KiB of their stream's bytes) spread over {CONCURRENCY} requests in flight and the longest chain of "
        "them that must run in sequence (a list stream's pages, each needing the previous page's token, "
        "with its follow-ups). Wall time is `run_plan`'s (the account's settings and devices, then every "
        "window); planning (one profile call) and authorisation are left out. See `bench/_sync.py`.",
        {
            "sync_requests_ratio": round(requests_ratio, 3), "sync_wall_ratio": round(wall_ratio, 3),
            "requests": bf["requests"], "minimum_requests": bf["minimum_requests"],
            "wall_s": round(bf["wall_s"], 2), "quota_bound_s": round(bf["quota_bound_s"], 2),
            "latency_bound_s": round(bf["latency_bound_s"], 2), "mean_request_s": round(bf["mean_request_s"], 3),
            "detail_requests": bf["detail_requests"], "detail_requests_minimum": bf["detail_requests_minimum"],
            "backfill_days": days, "backfill_all_requests": bf["all_requests"],
            "backfill_client_cpu_s": round(bf["client_cpu_s"], 2),
            "backfill_simulator_cpu_s": round(bf["simulator_cpu_s"], 2),
            "backfill_streams": bf["streams"],
        },
    )
    section.rows = [
        Row("sync_requests_ratio", f"{requests_ratio:.3f}",
            f"{bf['requests']} requests / {bf['minimum_requests']} minimum", "≤ 1.05", at_most(requests_ratio, 1.05)),
        Row("sync_wall_ratio", f"{wall_ratio:.3f}",
            f"{bf['wall_s']:.1f} s / {bound:.1f} s {which} bound (quota {bf['quota_bound_s']:.1f} s, "
            f"latency {bf['latency_bound_s']:.1f} s)", "≤ 1.15", at_most(wall_ratio, 1.15)),
    ]
    return section


def heart_rate_samples(vault: Path) -> int:
    """Heart-rate samples the vault holds, through the Python API."""
    import fitvault

    with fitvault.open(vault) as v:
        return len(v.heart_rate())


def heart_rate_only_vault(vault: Path, folder: Path) -> Path:
    """A fresh vault holding the backfill's heart-rate samples, replayed from its raw pages
    through the sync's path; returns its database file."""
    from fitvault.datatypes import STREAMS_BY_NAME
    from fitvault.store.vault import Vault

    stream = STREAMS_BY_NAME["heart-rate"]
    with Vault(vault) as source, Vault(folder) as target:
        for _id, _name, _request, body in source.raw_pages([stream.name]):
            target.save_page(stream, stream.parse_bytes(body))
        target.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return target.paths.database


def storage_figures(vault: Path, work: Path) -> Section:
    from fitvault.config import VaultPaths
    from fitvault.datatypes import STREAMS_BY_NAME

    paths = VaultPaths(vault)
    samples = heart_rate_samples(vault)
    fitvault_cli(vault, "export", "csv", "--per-day", "--types", "heart-rate", "--out", str(work / "per-day"))
    fitvault_cli(vault, "export", "parquet", "--types", "heart-rate", "--out", str(work / "hr-parquet"))
    per_sample = {
        "vault": sqlite_bytes(heart_rate_only_vault(vault, work / "hr-vault")) / samples,
        "vault_all_types": sqlite_bytes(paths.database) / samples,
        "vault_heart_rate": table_bytes(paths.database, STREAMS_BY_NAME["heart-rate"].tables) / samples,
        "csv": tree_bytes(work / "per-day" / "heart", "heart*.csv") / samples,
        "parquet": tree_bytes(work / "hr-parquet", "*.parquet") / samples,
        "raw_archive": sqlite_bytes(paths.raw_archive) / samples,
    }
    section = Section(
        "Storage (`bytes_per_sample_*`)",
        "The same heart-rate samples in each form, ÷ their number (counted with "
        "`fitvault.open(...).heart_rate()` on the backfill's vault). `vault`: the size of a `vault.sqlite` "
        "holding exactly those samples, made by replaying the backfill's raw heart-rate pages through the "
        "sync's own path (`parse_bytes`, `save_page`) into a fresh vault (so: the full schema, every "
        "other table empty). Beside it, for context, the backfill's whole `vault.sqlite` with every "
        "type (`vault_all_types`, ÷ the same heart-rate samples) and the heart-rate blocks' pages "
        "alone in it (`vault_heart_rate`, SQLite's `dbstat`); "
        "beside the tutorial per-day CSVs (`fitvault export csv --per-day --types heart-rate`, the "
        "`heart/heartYYYYMMDD.csv` files), the Parquet export (`fitvault export parquet --types "
        "heart-rate`, zstd) and the raw archive of every response page (`raw.sqlite`, compressed as the vault stores it), "
        "each ÷ the same number of samples.",
        {f"bytes_per_sample_{k}": round(v, 2) for k, v in per_sample.items()} | {"heart_rate_samples": samples},
    )
    section.rows = [
        Row("bytes_per_sample_vault", f"{per_sample['vault']:.2f} B",
            f"CSV {per_sample['csv']:.2f} B ({samples:,} samples; the whole vault of every type "
            f"{per_sample['vault_all_types']:.2f} B)", "≤ CSV", at_most(per_sample["vault"], per_sample["csv"])),
        Row("bytes_per_sample_csv", f"{per_sample['csv']:.2f} B", "tutorial per-day CSV", "report"),
        Row("bytes_per_sample_parquet", f"{per_sample['parquet']:.2f} B", "Parquet export (zstd)", "report"),
        Row("bytes_per_sample_raw_archive", f"{per_sample['raw_archive']:.2f} B", "raw response pages, compressed", "report"),
    ]
    return section


def export_figures(vault: Path, work: Path, days: int) -> tuple[Section, dict]:
    """The exports beside pyarrow writing their own tables, the vault beside the Parquet export,
    and ``fitvault sql`` beside DuckDB on that export."""
    from _exports import csv_ceiling_s, export_in_child, parquet_ceiling_s
    from _sqlday import day_avg_side_by_side

    from fitvault.config import VaultPaths

    pq, csv = export_in_child("parquet", vault, work / "parquet"), export_in_child("csv", vault, work / "csv")
    scratch = work / "ceiling"
    scratch.mkdir(exist_ok=True)
    pq_ceiling, pq_rows = parquet_ceiling_s(work / "parquet", scratch)
    csv_ceiling, csv_rows = parquet_ceiling_s(work / "parquet", scratch, csv=True)
    text_floor, text_rows = csv_ceiling_s(work / "csv", scratch)
    vault_bytes = sqlite_bytes(VaultPaths(vault).database)
    parquet_bytes = tree_bytes(work / "parquet", "*.parquet")
    sql = day_avg_side_by_side(vault, work / "parquet" / "heart_rate")
    ratios = {"export_parquet_ratio": pq["seconds"] / pq_ceiling, "export_csv_ratio": csv["seconds"] / csv_ceiling,
              "export_csv_vs_text_ratio": csv["seconds"] / text_floor,
              "vault_bytes_vs_parquet": vault_bytes / parquet_bytes,
              "sql_day_avg_ratio": sql["sql_day_avg_s"] / sql["sql_day_avg_parquet_s"]}
    section = Section(
        "Exports, size and SQL (`export_parquet_ratio`, `export_csv_ratio`, `vault_bytes_vs_parquet`, "
        "`sql_day_avg_ratio`)",
        f"Of the backfill's vault ({days} days, every type). **Exports**: `fitvault.export.export_parquet` and "
        "`export_csv` of every table (what `fitvault export parquet|csv --out DIR` runs), each in a fresh process "
        "(its peak memory measured; the interpreter's start-up left out), beside the ceiling: pyarrow writing the "
        "very tables the export wrote, from memory (`bench/_exports.py`: the Parquet export's tables read back "
        "row group by row group, untimed; timed, pyarrow writing them again: `pyarrow.parquet.ParquetWriter` with "
        "the same zstd compression and the same row groups, one file per table or partition, and "
        "`pyarrow.csv.CSVWriter`, which formats the "
        "timestamps itself). Beside the CSV, for context, the floor of writing our very text "
        "(`export_csv_vs_text_ratio`: the CSV files' columns read back as text and written again by pyarrow's CSV "
        "writer, so the same characters, no formatting at all). **Size**: "
        "the whole `vault.sqlite` (every type, WAL included) against the Parquet export of every type (the same "
        "folder). **SQL**: the daily mean heart rate over the year, `SELECT CAST(epoch_ms(time_ms + utc_offset_s * "
        "1000) AS DATE) AS day, avg(bpm) FROM heart_rate GROUP BY day` through `fitvault.query.sql.run_sql` (what "
        "`fitvault sql` runs: the vault opened read-only, heart rate decoded from its blocks into Arrow, DuckDB), "
        "against `duckdb.sql` of the same query on the Parquet export's `heart_rate/**/*.parquet` (its "
        "`local_time` column); both in the benchmark's process, in turn, warm, the fastest of 5, and their answers must agree "
        "(`bench/_sqlday.py`).",
        {k: round(v, 3) for k, v in ratios.items()} | {
            "export_parquet_s": round(pq["seconds"], 2), "export_parquet_ceiling_s": round(pq_ceiling, 2),
            "export_csv_s": round(csv["seconds"], 2), "export_csv_ceiling_s": round(csv_ceiling, 2),
            "export_csv_text_floor_s": round(text_floor, 2),
            "export_rows": pq["rows"], "export_csv_bytes": tree_bytes(work / "csv"), "export_parquet_bytes": parquet_bytes,
            "vault_bytes": vault_bytes, "peak_rss_export_parquet_mb": round(pq["peak_rss_mib"], 1),
            "peak_rss_export_csv_mb": round(csv["peak_rss_mib"], 1),
            "sql_day_avg_s": round(sql["sql_day_avg_s"], 3), "sql_day_avg_parquet_s": round(sql["sql_day_avg_parquet_s"], 3),
            "sql_day_avg_days": sql["sql_day_avg_days"]},
    )
    if pq_rows != pq["rows"] or csv_rows != csv["rows"] or text_rows != csv["rows"]:
        raise RuntimeError(f"the ceilings wrote {pq_rows:,} / {csv_rows:,} rows, the exports {pq['rows']:,} / {csv['rows']:,}")
    section.rows = [
        Row("export_parquet_ratio", f"{ratios['export_parquet_ratio']:.2f} ({pq['seconds']:.1f} s)",
            f"pyarrow writing its tables {pq_ceiling:.1f} s ({pq['rows']:,} rows, every type)", "≤ 2",
            at_most(ratios["export_parquet_ratio"], 2)),
        Row("export_csv_ratio", f"{ratios['export_csv_ratio']:.2f} ({csv['seconds']:.1f} s)",
            f"pyarrow's CSV writer on those tables {csv_ceiling:.1f} s ({csv['rows']:,} rows)", "≤ 2",
            at_most(ratios["export_csv_ratio"], 2)),
        Row("export_csv_vs_text_ratio", f"{ratios['export_csv_vs_text_ratio']:.2f}",
            f"pyarrow's CSV writer on our finished text {text_floor:.1f} s (no formatting)", "report"),
        Row("vault_bytes_vs_parquet", f"{ratios['vault_bytes_vs_parquet']:.2f}",
            f"vault.sqlite {vault_bytes / 1e6:.1f} MB / Parquet export {parquet_bytes / 1e6:.1f} MB (every type)",
            "≤ 1.0", at_most(ratios["vault_bytes_vs_parquet"], 1.0)),
        Row("sql_day_avg_ratio", f"{ratios['sql_day_avg_ratio']:.2f} ({sql['sql_day_avg_s']:.2f} s)",
            f"DuckDB on the Parquet export {sql['sql_day_avg_parquet_s']:.2f} s ({sql['sql_day_avg_days']} days)",
            "≤ 1.5", at_most(ratios["sql_day_avg_ratio"], 1.5)),
    ]
    return section, {"parquet": pq["peak_rss_mib"], "csv": csv["peak_rss_mib"]}


def time_status(vault: Path) -> float:
    """Seconds of ``vault_status`` (what ``fitvault status`` shows) on the vault, in this process."""
    from fitvault.status import vault_status
    from fitvault.store.vault import Vault

    with Vault(vault) as v:
        seconds, _ = timed(lambda: vault_status(v))
    return seconds


def status_figure(cold_s: float, after_sync_s: float) -> Section:
    section = Section(
        "Status (`status_s`)",
        "`fitvault.status.vault_status` (what `fitvault status` shows, start-up left out) on the backfill's vault, "
        "timed once after the backfill (`status_cold_s`: no cached days yet, every table read) and, the figure, "
        "once right after the next day's incremental sync (`status_s`), as a cron job would open it: the local "
        "days of each table come from the cache status keeps in the vault, and only what the sync added is read "
        "(`src/fitvault/status_days.py`).",
        {"status_s": round(after_sync_s, 3), "status_cold_s": round(cold_s, 3)},
    )
    section.rows = [Row("status_s", f"{after_sync_s:.2f} s", f"after the incremental sync; {cold_s:.2f} s the first time",
                        "≤ 0.5 s", at_most(after_sync_s, 0.5))]
    return section


def incremental_figure(vault: Path) -> Section:
    from _sync import sync_in_child

    inc = sync_in_child(vault, NOW + timedelta(days=1), since=None, latency_ms=LATENCY_MS,
                        per_kib_ms=LATENCY_PER_KIB_MS, concurrency=CONCURRENCY)
    section = Section(
        "Incremental sync (`incremental_requests`)",
        "One day after the backfill, a second simulator (same seed, `--now` one day later) and a "
        "plain incremental sync of every type into the backfill's vault (no `--since`: each stream "
        "re-reads its overlap window behind its cursor plus the new day). Beside its data requests, "
        "the minimum for those windows, counted as for the backfill.",
        {"incremental_requests": inc["requests"], "incremental_minimum_requests": inc["minimum_requests"],
         "incremental_wall_s": round(inc["wall_s"], 2), "incremental_streams": inc["streams"]},
    )
    section.rows = [Row("incremental_requests", str(inc["requests"]),
                        f"{inc['minimum_requests']} minimum ({len(inc['streams'])} streams, {inc['wall_s']:.1f} s)",
                        "report")]
    return section


# -- import: a scaled Takeout archive, for peak memory -----------------------------------------
def import_archive(days: int, work: Path) -> dict:
    """Import a synthetic ``days``-day Takeout in a child process (``bench/_import.py``), and
    parse the same files without storing them (the ceiling)."""
    from _import import import_in_child, parse_in_child, synthetic_takeout

    paths, counts = synthetic_takeout(work / "takeout", days, hr_step_s=5, parts=2)
    result = import_in_child(work / "import-vault", paths)
    result["days"], result["counts"] = days, counts
    result["parse"] = parse_in_child(paths)
    return result


def import_figure(imp: dict) -> Section:
    ours = imp["records"] / imp["seconds"]
    parse = imp["parse"]["records"] / imp["parse"]["seconds"]
    ratio = ours / parse
    section = Section(
        "Import (`import_ratio`)",
        f"`fitvault.importers.import_paths` of a synthetic {imp['days']}-day Takeout "
        "(`tests/support/takeout.scaled_takeout`, two zip parts) into a fresh vault, in a fresh process, "
        "records per second, beside merely parsing the same files, in a fresh process too (`bench/_import.py parse_only`: every zip "
        "member read and parsed with the fastest parser fitvault uses for its format, `msgspec` for JSON as the "
        "sync parses pages, `csv` for CSV; nothing stored).",
        {"import_ratio": round(ratio, 3), "import_records_per_s": round(ours), "import_parse_records_per_s": round(parse),
         "import_parse_s": imp["parse"]["seconds"], "import_parse_records": imp["parse"]["records"]},
    )
    section.rows = [Row("import_ratio", f"{ratio:.2f} ({ours:,.0f}/s)",
                        f"parsing only {parse:,.0f}/s ({imp['records']:,} records, {imp['days']} days)", "≥ 0.5",
                        at_least(ratio, 0.5))]
    return section


def peak_rss_figure(bf: dict | None, imp: dict | None, exports: dict | None, demo: dict | None) -> Section:
    measured = {"backfill": bf and bf["peak_rss_mib"], "import": imp and imp["peak_rss_mib"],
                "export parquet": exports and exports["parquet"], "export csv": exports and exports["csv"],
                "demo": demo and demo["peak_rss_mib"]}
    peak = max(v for v in measured.values() if v is not None)
    section = Section(
        "Peak memory (`peak_rss_mb`)",
        "Peak resident memory (`VmHWM`, the high-water mark of the process's own memory, in MiB) of the "
        "backfill's sync process (the simulator runs elsewhere), of an import, in a fresh process, of a synthetic "
        "Takeout archive (`tests/support/takeout.scaled_takeout`: Global Export heart rate every 5 s, "
        "per-minute steps, distance and calories, sleep, resting heart rate, GoogleData heart rate), of each "
        "export of the backfill's vault (fresh processes) and of `fitvault demo --days 365` (the command in a "
        "fresh process: the simulator runs in it). `peak_rss_mb` is the largest.",
        {"peak_rss_mb": round(peak, 1)},
    )
    parts = [f"{name} {mib:.0f} MiB" for name, mib in measured.items() if mib is not None]
    if bf is not None:
        section.figures["peak_rss_backfill_mb"] = round(bf["peak_rss_mib"], 1)
    if imp is not None:
        section.figures["peak_rss_import_mb"] = round(imp["peak_rss_mib"], 1)
        section.figures["import_days"], section.figures["import_records"] = imp["days"], imp["records"]
        section.figures["import_s"] = imp["seconds"]
    if demo is not None:
        section.figures["peak_rss_demo_mb"] = round(demo["peak_rss_mib"], 1)
        section.figures["demo_s"] = demo["seconds"]
    section.rows = [Row("peak_rss_mb", f"{peak:.0f} MiB", ", ".join(parts), "≤ 500", at_most(peak, 500))]
    return section


# -- ingest and query -------------------------------------------------------------------------
def ingest_figure(samples: int) -> Section:
    from _ingest import fetch_pages, ingest_side_by_side

    pages = fetch_pages(samples, NOW)
    n_ours, steps, n_raw, raw_s = ingest_side_by_side(pages)
    ours_s = sum(steps.values())
    ours, raw = n_ours / ours_s, n_raw / raw_s
    ratio = ours / raw
    section = Section(
        "Ingest (`ingest_samples_per_s`, `ingest_ratio`)",
        f"{len(pages)} heart-rate list pages of 10,000 samples ({n_ours:,} samples), fetched from an "
        "in-process simulator and kept zlib-compressed in memory; each is decompressed outside the "
        "timer. Timed per page, what the sync engine does with it: `vault.archive_page_soon(...)` (the raw "
        "page, compressed and made durable on the vault's archive thread) while `stream.parse_bytes(body)` "
        "parses it, then waiting for the archive and `vault.save_page(stream, page)` (one transaction), "
        "into a fresh vault. The ceiling: the same pages' rows, prepared beforehand "
        "as `(time_ms, source_id, utc_offset_s, bpm)` tuples, inserted with `executemany` into a fresh "
        "SQLite file (WAL, `synchronous=NORMAL`) holding a plain `WITHOUT ROWID` table keyed on "
        "`(time_ms, source_id)`, one transaction a page. The two run page by page in turn, so a "
        "machine whose speed drifts during the run (a shared VM) affects both alike. The JSON also splits our time into its "
        "steps (`ingest_parse_s`; `ingest_archive_s`, the wait for the archive after parsing; "
        "`ingest_save_s`).",
        {"ingest_samples_per_s": round(ours), "ingest_ratio": round(ratio, 3),
         "ingest_raw_sqlite_samples_per_s": round(raw), "ingest_samples": n_ours, "ingest_pages": len(pages)}
        | {f"ingest_{step}_s": round(seconds, 3) for step, seconds in steps.items()},
    )
    # The absolute rate is reported, the ratio is the target (as issue #17 states it): the rate
    # follows the machine (raw SQLite's own rate moved 1.8x between two days on the same kind of
    # VM) and the payload (live pages carry civilTime: 349 B a sample, against 249 B without it
    # (measured on the same page), and JSON decoding is the largest step of the parse, ~40 %).
    page_bytes = sum(len(zlib.decompress(blob)) for blob in pages)
    section.figures["ingest_page_bytes_per_sample"] = round(page_bytes / max(n_ours, 1), 1)
    section.rows = [
        Row("ingest_samples_per_s", f"{ours:,.0f}/s",
            f"{n_ours:,} samples in {ours_s:.2f} s (" + ", ".join(f"{k} {v:.2f}" for k, v in steps.items())
            + f"); pages of {page_bytes / max(n_ours, 1):.0f} B a sample",
            "report"),
        Row("ingest_ratio", f"{ratio:.2f}", f"raw sqlite3 executemany {raw:,.0f}/s", "≥ 0.5", at_least(ratio, 0.5)),
    ]
    return section


def query_figure(rows: int, work: Path, repeat: int = 3) -> Section:
    from _query import fill_vault, read_api, read_parquet, write_parquet

    folder, parquet = work / "query-vault", work / "heart_rate.parquet"
    _say(f"  filling a vault with {rows:,} synthetic samples ...")
    fill_vault(folder, rows)
    query_s, frame = best_of(lambda: read_api(folder), repeat)
    if len(frame) != rows:
        raise RuntimeError(f"heart_rate() returned {len(frame):,} rows, expected {rows:,}")
    write_parquet(frame, parquet)
    columns = ", ".join([frame.index.name or "index", *map(str, frame.columns)])
    del frame
    parquet_s, again = best_of(lambda: read_parquet(parquet), repeat)
    if len(again) != rows:
        raise RuntimeError(f"the Parquet file holds {len(again):,} rows, expected {rows:,}")
    del again
    ratio = query_s / parquet_s
    section = Section(
        "Query (`query_ratio`, `query_s`, `parquet_s`)",
        f"A vault of {rows:,} synthetic heart-rate samples (one device, irregular 1-5 s apart from "
        "2026-01-01, New York offsets with both DST changes), filled through `Vault.save_page`. "
        "Timed: `fitvault.open(vault).heart_rate()`, every sample as a DataFrame "
        f"({columns}). The comparison: `pyarrow.parquet.read_table(file).to_pandas()` of a file holding "
        "that very frame, zstd-compressed. Best of 3 warm runs each (one untimed run first).",
        {"query_s": round(query_s, 3), "parquet_s": round(parquet_s, 3), "query_ratio": round(ratio, 3),
         "query_rows": rows, "query_parquet_bytes": parquet.stat().st_size},
    )
    section.rows = [Row("query_ratio", f"{ratio:.2f} ({query_s:.2f} s)",
                        f"Parquet + pyarrow {parquet_s:.2f} s, {rows:,} rows", "≤ 3.0", at_most(ratio, 3.0))]
    return section


# -- the run ----------------------------------------------------------------------------------
def run(args: argparse.Namespace, work: Path) -> list[Section]:
    clock = [time.monotonic()]

    def done(section: Section) -> Section:
        now = time.monotonic()
        section.seconds, clock[0] = now - clock[0], now
        for row in section.rows:
            _say(row.line())
        _say(f"  ({section.seconds:.0f} s)")
        return section

    sections: dict[str, Section] = {}
    bf = imp = exports = demo = None
    if "sync" in args.only:
        vault = work / "vault"
        _say(f"backfilling {args.days} days of every type against the simulator "
             f"(latency {LATENCY_MS:g} ms + {LATENCY_PER_KIB_MS:g} ms/KiB) ...")
        bf = backfill(vault, args.days)
        sections["sync"] = done(sync_figures(bf, args.days))
        _say("measuring the vault against the CSV and Parquet exports ...")
        sections["storage"] = done(storage_figures(vault, work))
        _say("exporting the year, beside pyarrow; fitvault sql beside DuckDB on the export ...")
        sections["export"], exports = export_figures(vault, work, args.days)
        done(sections["export"])
        cold_s = time_status(vault)
        _say("incremental sync one day later ...")
        sections["incremental"] = done(incremental_figure(vault))
        sections["status"] = done(status_figure(cold_s, time_status(vault)))
    if "import" in args.only:
        _say(f"importing a synthetic {args.import_days}-day Takeout archive, beside parsing it ...")
        imp = import_archive(args.import_days, work)
        sections["import"] = done(import_figure(imp))
    if "demo" in args.only:
        from _demo import demo_in_child

        _say(f"fitvault demo --days {args.demo_days} in a process of its own ...")
        demo = demo_in_child(work / "demo-vault", args.demo_days)
    if any(x is not None for x in (bf, imp, exports, demo)):
        sections["rss"] = done(peak_rss_figure(bf, imp, exports, demo))
    if "ingest" in args.only:
        _say(f"ingesting {args.ingest_samples:,} heart-rate samples from raw pages ...")
        sections["ingest"] = done(ingest_figure(args.ingest_samples))
    if "query" in args.only:
        _say(f"loading {args.query_rows:,} samples into a DataFrame ...")
        sections["query"] = done(query_figure(args.query_rows, work))
    order = ("sync", "ingest", "query", "storage", "export", "status", "import", "rss", "incremental")
    return [sections[k] for k in order if k in sections]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="a 60-day archive import instead of a year (about 15 minutes on 2 cores)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the figures here")
    parser.add_argument("--md", type=Path, metavar="FILE", default=ROOT / "docs" / "performance.md",
                        help="the Markdown page to write (default: docs/performance.md)")
    parser.add_argument("--days", type=int, default=365, help="days of the backfill (default 365)")
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts of {', '.join(PARTS)}")
    parser.add_argument("--ingest-samples", type=int, default=1_000_000, help="heart-rate samples to ingest")
    parser.add_argument("--query-rows", type=int, default=10_000_000, help="samples in the query vault")
    parser.add_argument("--import-days", type=int, help="days of the synthetic archive (365; quick 60)")
    parser.add_argument("--demo-days", type=int, default=365, help="days of `fitvault demo` (default 365)")
    args = parser.parse_args(argv)
    args.only = set(args.only.split(","))
    if args.only - set(PARTS):
        parser.error(f"unknown parts: {', '.join(sorted(args.only - set(PARTS)))}")
    args.import_days = args.import_days or (60 if args.quick else 365)

    from _report import machine, markdown

    command = "python bench/run.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    info = machine()
    _say(f"{info['cpu']}, {info['cores']} cores, {info['ram_gib']} GiB; Python {info['python']}, "
         f"SQLite {info['sqlite']}")
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fitvault-bench-") as tmp:
        sections = run(args, Path(tmp))
    total_s = time.monotonic() - began

    rows = [row for s in sections for row in s.rows]
    _say(f"\n{'figure':<28} {'measured':>16}   {'ceiling / comparison':<47} {'target':<17} ok")
    for row in rows:
        _say(row.line())
    for row in rows:
        if row.ok is False:
            _say(f"MISSED: {row.figure} = {row.measured} (target {row.target})")
    _say(f"\n{len(rows)} figures in {total_s / 60:.1f} min")

    figures = {"machine": info, "command": command, "total_s": round(total_s, 1),
               "section_s": {s.title.split(" (")[0]: round(s.seconds, 1) for s in sections}}
    for s in sections:
        figures.update(s.figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    if args.md:
        args.md.parent.mkdir(parents=True, exist_ok=True)
        args.md.write_text(markdown(sections, info, command, total_s))
        _say(f"wrote {args.md}" + (f" and {args.json}" if args.json else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
