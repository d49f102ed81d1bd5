"""Query for ``bench/run.py``: a year of heart rate into a DataFrame, beside Parquet read by pyarrow.

The vault is filled through the store's public write path (``Vault.save_page`` with the heart-rate
stream) with synthetic samples: one device, irregular 1-5 s apart from 2026-01-01, with the
America/New_York offsets of each instant (two DST changes in the data). The Parquet file holds
exactly the frame the API returned (same index and columns), zstd-compressed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
ZONE = "America/New_York"
SOURCE = ("FITBIT", "Charge 6", "Google", "FITNESS_BAND", "PASSIVELY_MEASURED", "")
CHUNK = 500_000


def synthetic(rows: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(time_ms, utc_offset_s, bpm) of ``rows`` irregular samples (mean 3 s apart: ~1 year per 10 M)."""
    rng = np.random.default_rng(seed)
    time_ms = START_MS + np.cumsum(rng.integers(1_000, 5_001, rows, dtype=np.int64))
    wall = pd.DatetimeIndex(time_ms.view("M8[ms]")).tz_localize("UTC").tz_convert(ZONE).tz_localize(None)
    offset = (wall.as_unit("ms").asi8 - time_ms) // 1000
    bpm = (65 + 20 * np.sin(np.arange(rows) / 5000) + rng.integers(-5, 6, rows)).astype(np.int64)
    return time_ms, offset, bpm


def fill_vault(folder: Path, rows: int) -> None:
    """A vault holding ``rows`` synthetic heart-rate samples, written as the sync writes pages."""
    from fitvault.datatypes import STREAMS_BY_NAME
    from fitvault.datatypes.base import ParsedPage
    from fitvault.store.vault import Vault

    stream = STREAMS_BY_NAME["heart-rate"]
    time_ms, offset, bpm = synthetic(rows)
    with Vault(folder) as vault:
        vault.set_account(time_zone=ZONE)
        for i in range(0, rows, CHUNK):
            chunk = slice(i, i + CHUNK)
            page_rows = [(t, SOURCE, off, b) for t, off, b in
                         zip(time_ms[chunk].tolist(), offset[chunk].tolist(), bpm[chunk].tolist())]
            vault.save_page(stream, ParsedPage(rows=page_rows))


def read_api(folder: Path) -> pd.DataFrame:
    """Every heart-rate sample through the Python API, as a notebook would."""
    import fitvault

    with fitvault.open(folder) as vault:
        return vault.heart_rate()


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pandas(frame), path, compression="zstd")


def read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pandas()
