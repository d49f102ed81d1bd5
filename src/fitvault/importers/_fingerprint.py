"""Cross-matching a local-time source against a UTC source to learn its clock (docs/facts/archives.md#clocks).

Takeout holds most minute data twice: as ``Global Export Data`` JSON (naive times, whose clock
differs between export vintages: heart rate local, steps and distance UTC in one verified
export) and as ``*_GoogleData`` CSV (true UTC). A fingerprint keeps, for each family, the first
UTC record of every quarter hour (instant + value): a few kilobytes per day. The JSON records of
one local day are then tried against it at candidate offsets (quarter hours from UTC−12 to
UTC+14, the zone's own offsets first): the offset under which most fingerprint records match
is that day's clock.

What it decides (see ``docs/importing.md``):

* a family whose days match at offset 0 while the zone is elsewhere is read as **UTC**;
* a local family's day that matches at an offset that is not the zone's is a **travel day**: the
  offset becomes evidence for that local day (:class:`fitvault.importers._clock.Evidence`).
"""

from __future__ import annotations

from array import array

import numpy as np

QUARTER_S = 900
_WINDOW_S = 60           # records kept: those in the first minute of a quarter hour
_VALUE_BITS = 20
_MIN_MATCHES = 5         # a day needs this many matching records ...
_MIN_SHARE = 0.5         # ... and this share of the fingerprint's records of that day
CANDIDATES = tuple(range(-12 * 3600, 14 * 3600 + 1, QUARTER_S))


def _key(utc_s: np.ndarray | int, value: np.ndarray | int):
    return (utc_s << _VALUE_BITS) + (value & ((1 << _VALUE_BITS) - 1))


class Fingerprints:
    """Per family, sorted keys of the UTC records kept."""

    def __init__(self) -> None:
        self._raw: dict[str, array] = {}
        self._last: dict[str, int] = {}
        self._sorted: dict[str, np.ndarray] = {}

    def add(self, family: str, utc_ms: int, value: int) -> None:
        utc_s = utc_ms // 1000
        if utc_s % QUARTER_S >= _WINDOW_S:
            return
        quarter = utc_s // QUARTER_S
        if self._last.get(family) == quarter:
            return
        self._last[family] = quarter
        self._raw.setdefault(family, array("q")).append(int(_key(utc_s, int(value))))

    def add_many(self, family: str, utc_ms: np.ndarray, values: np.ndarray) -> None:
        """:meth:`add` of many records in file order (int64 arrays)."""
        utc_s = utc_ms // 1000
        window = utc_s % QUARTER_S < _WINDOW_S
        utc_s, values = utc_s[window], values[window]
        if not len(utc_s):
            return
        quarter = utc_s // QUARTER_S
        before = np.empty_like(quarter)  # the quarter of the record before (add's _last)
        before[1:] = quarter[:-1]
        last = self._last.get(family)
        before[0] = quarter[0] - 1 if last is None else last
        new = quarter != before
        self._last[family] = int(quarter[-1])
        self._raw.setdefault(family, array("q")).extend(_key(utc_s[new], values[new]).tolist())

    def freeze(self) -> None:
        for family, keys in self._raw.items():
            self._sorted[family] = np.unique(np.frombuffer(keys, dtype=np.int64))
        self._raw.clear()

    def has(self, family: str) -> bool:
        return family in self._sorted and len(self._sorted[family]) > 0

    def best_offset(self, family: str, walls_ms: np.ndarray, values: np.ndarray, first: tuple[int, ...]
                    ) -> tuple[int | None, int]:
        """The offset (s) under which one local day's records (wall ms, values) match the
        fingerprint, and the number of matches; (None, 0) when no offset matches well enough.
        ``first`` are tried before the other candidates."""
        keys = self._sorted.get(family)
        if keys is None or not len(walls_ms):
            return None, 0
        wall_s = walls_ms // 1000
        keep = wall_s % QUARTER_S < _WINDOW_S
        wall_s, vals = wall_s[keep], values[keep].astype(np.int64)
        if not len(wall_s):
            return None, 0
        day_lo, day_hi = int(wall_s.min()), int(wall_s.max()) + 1
        near = np.searchsorted(keys, [_key(day_lo - CANDIDATES[-1], 0), _key(day_hi - CANDIDATES[0], 0)])
        if near[1] - near[0] < _MIN_MATCHES:
            return None, 0  # the UTC source has nothing around this day

        def score(offset: int) -> tuple[int, int]:
            probe = _key(wall_s - offset, vals)
            pos = np.searchsorted(keys, probe)
            pos[pos >= len(keys)] = len(keys) - 1
            matches = int(np.count_nonzero(keys[pos] == probe))
            lo, hi = np.searchsorted(keys, [_key(day_lo - offset, 0), _key(day_hi - offset, 0)])
            return matches, int(hi - lo)

        best, best_matches, runner_up = None, 0, 0
        tried = set()
        for group in (first, CANDIDATES):
            for offset in group:
                if offset in tried:
                    continue
                tried.add(offset)
                matches, possible = score(offset)
                if matches >= _MIN_MATCHES and matches >= _MIN_SHARE * possible:
                    if matches > best_matches:
                        best, best_matches, runner_up = offset, matches, best_matches
                    else:
                        runner_up = max(runner_up, matches)
            # An offset is believed only when no other matches nearly as well (periodic data
            # could match at several).
            if best is not None:
                return (best, best_matches) if runner_up * 2 <= best_matches else (None, 0)
        return None, 0
