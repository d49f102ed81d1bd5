"""Heart rate: samples, or buckets of the local wall clock computed straight from the arrays."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import Day, Tick

from fitvault.query import _time
from fitvault.query._frames import read_ranked, spec, table_frame
from fitvault.query.reader import InvalidQuery

if TYPE_CHECKING:
    from fitvault.query.reader import VaultReader

BUCKET_COLUMNS = ("bpm_mean", "bpm_min", "bpm_max", "samples")


def heart_rate(r: VaultReader, start: Any, end: Any, tz: Any, resample: str | None) -> pd.DataFrame:
    if resample is None:
        return table_frame(r, "heart_rate", start, end, tz, False)
    offset = _offset(resample)
    s = spec(r, "heart_rate")
    rng = _time.parse_range(start, end)
    tz = _time.check_tz(tz)
    with r._snapshot():
        a = read_ranked(r, s, rng)
    wall = a["time_ms"] + a["utc_offset_s"] * 1000 if tz is None else _time.wall_ms(a["time_ms"], tz)
    return buckets(wall, a["bpm"], offset)


def _offset(freq: str) -> Any:
    try:
        return to_offset(freq)
    except (ValueError, TypeError) as exc:
        raise InvalidQuery(f"resample must be a pandas frequency such as '1min', '1h' or '1D', not {freq!r}") from exc


def buckets(wall: np.ndarray, values: np.ndarray, offset: Any) -> pd.DataFrame:
    """Mean / min / max / count of ``values`` per wall-clock bucket (``wall`` in wall ms).

    Fixed-length frequencies are bucketed with integer arithmetic from the first day's
    midnight (pandas' ``origin="start_day"``); calendar ones (weeks, months) by ``resample``.
    Every bucket from the first to the last is present, empty ones with NaN and 0 samples.
    """
    if not len(wall):
        index = pd.DatetimeIndex(np.empty(0, "M8[ms]"), name="local_time")
        return pd.DataFrame({"bpm_mean": np.empty(0), "bpm_min": np.empty(0), "bpm_max": np.empty(0),
                             "samples": np.empty(0, np.int64)}, index=index)
    if not isinstance(offset, (Tick, Day)):
        series = pd.Series(values, index=pd.DatetimeIndex(wall.view("M8[ms]"))).sort_index(kind="stable")
        g = series.resample(offset)
        out = pd.DataFrame({"bpm_mean": g.mean(), "bpm_min": g.min().astype("float64"),
                            "bpm_max": g.max().astype("float64"), "samples": g.count().astype("int64")})
        out.index.name = "local_time"
        return out
    step = int(pd.Timedelta(offset) // pd.Timedelta(1, "ms"))
    if step <= 0:
        raise InvalidQuery(f"resample must be at least one millisecond, not {offset!r}")
    origin = int(wall.min()) // _time.DAY_MS * _time.DAY_MS
    b = origin + (wall - origin) // step * step
    if not bool(np.all(b[1:] >= b[:-1])):  # travel or a fall-back hour: wall time goes back
        order = np.argsort(b, kind="stable")
        b, values = b[order], values[order]
    starts = np.flatnonzero(np.r_[True, b[1:] != b[:-1]])
    keys = b[starts]
    counts = np.diff(np.r_[starts, len(b)])
    n = int((keys[-1] - keys[0]) // step) + 1
    pos = (keys - keys[0]) // step
    mean, low, high = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    samples = np.zeros(n, dtype=np.int64)
    mean[pos] = np.add.reduceat(values.astype(np.float64), starts) / counts
    low[pos] = np.minimum.reduceat(values, starts)
    high[pos] = np.maximum.reduceat(values, starts)
    samples[pos] = counts
    index = pd.DatetimeIndex((keys[0] + np.arange(n, dtype=np.int64) * step).view("M8[ms]"), name="local_time")
    return pd.DataFrame({"bpm_mean": mean, "bpm_min": low, "bpm_max": high, "samples": samples}, index=index)
