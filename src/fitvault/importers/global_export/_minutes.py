"""Placing one file of Global Export minute records (heart rate, steps, distance, calories) in time.

The records' ``MM/DD/YY HH:MM:SS`` stamps carry no zone, and their clock differs between export
vintages (reference §4.4). When the same import holds the family's ``*_GoogleData`` CSV (true
UTC), each local day of the file is matched against it (``_fingerprint``):

* the first days that match decide the family's clock: matching at offset 0 while the zone is
  elsewhere means the stamps are UTC; matching at the zone's offset means local;
* in a local family, a day that matches at an offset that is not the zone's is a travel day: the
  offset is recorded as evidence for that local day and used for every local record of it.

Without a UTC counterpart the stamps are read as local (what most vintages hold).
"""

from __future__ import annotations

import numpy as np

from fitvault.importers._base import Job
from fitvault.importers._clock import DAY_MS, Sequence


DUPLICATE = "same instant as an earlier record (a wall time the clock skipped)"


def first_of_each_instant(job: Job, utc: np.ndarray) -> np.ndarray:
    """Indices of the records to keep: the first of those that land on the same instant (wall
    times inside a spring-forward gap land on real ones). Keeps a re-import from rewriting them."""
    _unique, first = np.unique(utc, return_index=True)
    if len(first) < len(utc):
        job.drop(DUPLICATE, len(utc) - len(first))
    return np.sort(first)


def place(job: Job, family: str, walls: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(UTC ms, offset s) of each record (``walls`` in wall ms, any order)."""
    state, clock = job.state, job.clock
    fp = state.fingerprints
    n = len(walls)
    if not n:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    days = walls // DAY_MS
    unique_days = np.unique(days)
    best: dict[int, int] = {}
    if fp.has(family):
        for day in unique_days:
            sel = days == day
            offsets = clock.zone.day_offsets(int(day))
            found, _matches = fp.best_offset(family, walls[sel], values[sel], tuple(sorted(offsets)) + (0,))
            if found is not None:
                best[int(day)] = found
        _decide(job, family, best)
    if state.family_clock.get(family) == "utc":
        utc = walls.astype(np.int64)
        offs = np.fromiter((clock.instant(int(t)) for t in utc), dtype=np.int64, count=n)
        return utc, offs
    for day, offset in best.items():
        clock.evidence.add(day, offset, f"Global Export {family} matched against GoogleData")
    return _local(job, walls, days, unique_days)


def _decide(job: Job, family: str, best: dict[int, int]) -> None:
    state = job.state
    if family in state.family_clock or not best:
        return
    utc_votes = local_votes = 0
    for day, offset in best.items():
        zone_offsets = job.clock.zone.day_offsets(day)
        if offset == 0 and 0 not in zone_offsets:
            utc_votes += 1
        else:
            local_votes += 1
    if not utc_votes and not local_votes:
        return
    verdict = "utc" if utc_votes > local_votes else "local"
    state.family_clock[family] = verdict
    state.note(f"clock:{family}", (
        f"Global Export {family}: minute stamps matched the GoogleData CSV as "
        f"{'UTC' if verdict == 'utc' else 'local time'} on {max(utc_votes, local_votes)} of {len(best)} days "
        f"compared; read as {'UTC' if verdict == 'utc' else 'local time'}"))


def _local(job: Job, walls: np.ndarray, days: np.ndarray, unique_days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    clock = job.clock
    offs = np.empty(len(walls), dtype=np.int64)
    transition_days = []
    for day in unique_days:
        d = int(day)
        override = clock.evidence.override(d)
        if override is not None:
            offs[days == day] = override
            continue
        day_offsets = clock.zone.day_offsets(d)
        if len(day_offsets) == 1:
            offs[days == day] = next(iter(day_offsets))
        else:
            transition_days.append(d)
    if transition_days:  # DST: record by record in file order, following a repeated hour
        seq = Sequence()
        on = np.isin(days, transition_days)
        for i in np.flatnonzero(on):
            offs[i] = clock.local(int(walls[i]), seq)[1]
    return walls - offs * 1000, offs
