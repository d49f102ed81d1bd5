"""Export ceilings for ``bench/run.py``: pyarrow writing the very tables an export wrote, from memory.

``fitvault export parquet`` and ``export csv`` run as commands (fresh processes, start-up
included, their peak memory measured). The ceiling reads what each wrote back, row group by row
group (so memory stays bounded), and times only pyarrow writing those row groups again into a
fresh folder: Parquet with the same compression (zstd), one file per table or partition and
the same row groups (each read back is written as one); CSV with
pyarrow's CSV writer (``pyarrow.csv.CSVWriter``, every column read back as text, so the same
characters are written). Reading back is not timed.
"""

from __future__ import annotations

import time
from pathlib import Path


def parquet_ceiling_s(folder: Path, scratch: Path, csv: bool = False) -> tuple[float, int]:
    """Seconds pyarrow takes to write every Parquet file under ``folder`` again (or, ``csv``,
    to write its tables with pyarrow's CSV writer), and the rows."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    seconds, rows = 0.0, 0
    for i, path in enumerate(sorted(folder.rglob("*.parquet"))):
        source = pq.ParquetFile(path)
        target = scratch / f"{i}.parquet"
        writer = None
        for group in range(source.num_row_groups):  # the export's row groups, one at a time
            batch = source.read_row_group(group)
            began = time.perf_counter()
            if writer is None:
                writer = (pacsv.CSVWriter(str(target), source.schema_arrow) if csv else
                          pq.ParquetWriter(target, source.schema_arrow, compression="zstd"))
            writer.write_table(batch)
            seconds += time.perf_counter() - began
            rows += batch.num_rows
        if writer is not None:
            began = time.perf_counter()
            writer.close()
            seconds += time.perf_counter() - began
        target.unlink(missing_ok=True)
    return seconds, rows


def csv_ceiling_s(folder: Path, scratch: Path) -> tuple[float, int]:
    """Seconds pyarrow's CSV writer takes to write every CSV file under ``folder`` again (each
    column read back as text, written unquoted; a file whose text needs quotes with pyarrow's
    ``needed`` quoting, which quotes every text value), and the rows."""
    import pyarrow as pa

    seconds, rows = 0.0, 0
    for i, path in enumerate(sorted(folder.glob("*.csv"))):
        try:
            s, n = _csv_again(path, scratch / f"{i}.csv", "none")
        except pa.ArrowInvalid:  # a value holds a comma, quote or line break
            s, n = _csv_again(path, scratch / f"{i}.csv", "needed")
        seconds, rows = seconds + s, rows + n
    return seconds, rows


def _csv_again(path: Path, target: Path, quoting: str) -> tuple[float, int]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    header = path.open(encoding="utf-8").readline().rstrip("\n").split(",")
    convert = pacsv.ConvertOptions(column_types={name: pa.string() for name in header},
                                   strings_can_be_null=False, quoted_strings_can_be_null=False)
    reader = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=16 << 20), convert_options=convert)
    seconds, rows = 0.0, 0
    try:
        with pacsv.CSVWriter(str(target), reader.schema, write_options=pacsv.WriteOptions(quoting_style=quoting)) as writer:
            for batch in reader:
                began = time.perf_counter()
                writer.write_batch(batch)
                seconds += time.perf_counter() - began
                rows += batch.num_rows
    finally:
        target.unlink(missing_ok=True)
    return seconds, rows


def export_in_child(fmt: str, vault: Path, out: Path) -> dict:
    """``fitvault.export.export_parquet`` / ``export_csv`` of every table in a fresh process: its
    seconds (the library call the command wraps; interpreter start-up left out) and peak memory."""
    from _common import BENCH, run_json

    return run_json([str(BENCH / "_exports.py"), fmt, str(vault), str(out)])


def _child(fmt: str, vault: str, out: str) -> dict:
    from _common import own_peak_rss_mib

    from fitvault.export import export_csv, export_parquet

    began = time.perf_counter()
    result = (export_parquet if fmt == "parquet" else export_csv)(vault, out)
    return {"seconds": time.perf_counter() - began, "rows": result.rows, "peak_rss_mib": own_peak_rss_mib()}


if __name__ == "__main__":
    import json
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    print(json.dumps(_child(*sys.argv[1:4])))
