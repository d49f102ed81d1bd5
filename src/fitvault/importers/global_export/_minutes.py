"""Placing one file of Global Export minute records (heart rate, steps, distance, calories) in time.

The records' ``MM/DD/YY HH:MM:SS`` stamps carry no zone. Every real export examined writes
``heart_rate``, ``steps`` and ``distance`` in **UTC** and ``calories`` in **local time**
(docs/facts/archives.md#fact-2 and docs/facts/archives.md#fact-3: GoogleData matches, the heart-rate dip inside sleep logs, and
day files that begin at local midnight read as UTC). The clock of each family is still decided
by the import's own evidence, strongest first:

1. the family's ``*_GoogleData`` CSV (true UTC), when the import holds it: each local day of the
   file is matched against it (``_fingerprint``); matching at offset 0 while the zone is
   elsewhere means UTC, at the zone's offset local. In a local family, a day that matches at an
   offset that is not the zone's is a travel day, used for every local record of that day;
2. the files' own boundaries (:func:`prepare`): a ``heart_rate-DAY.json`` holds one local day,
   and 30-day chunks begin on the local day in their name, so a file whose first stamp is the
   local midnight of its day *read as UTC* (04:00 in New York in summer, 14:00 of the day
   before in Sydney) votes UTC, one whose first stamp is 00:00 of its day votes local;
3. else the clock every verified export used, said as such in the import's notes.
"""

from __future__ import annotations

import numpy as np

from fitvault.importers._base import Job, State
from fitvault.importers._clock import MAX_OFFSET_S, MIN_OFFSET_S, parse_mdy
from fitvault.importers._fingerprint import QUARTER_S
from fitvault.timeutil import DAY_MS, Sequence

DUPLICATE = "same instant as an earlier record (a wall time the clock skipped)"
#: The clock of each family in every export verified so far (docs/facts/archives.md#fact-2, docs/facts/archives.md#fact-3).
USUAL_CLOCK = {"heart_rate": "utc", "steps": "utc", "distance": "utc", "calories": "local"}
_BOUNDARY_MS = 5 * 60_000   # a file's first stamp this close after a midnight marks that midnight
_WORN_S = 15                # ... and this close after a quarter hour, a midnight worn (samples every 1-15 s)


def prepare(job: Job, family: str) -> None:
    """Evidence pass: the first stamp of the file against the local day in its name."""
    if job.file_day is None:
        return
    records = job.json(first_chunk=1 << 12)  # the first record only: not a whole chunk of the file
    try:
        first = next(records, None)
    finally:
        records.close()
    if first is None:
        return
    try:
        wall = parse_mdy(first["dateTime"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return
    midnight = job.file_day * DAY_MS
    as_utc = midnight - job.clock.zone.wall_offset(midnight) * 1000
    if as_utc == midnight:
        return  # the zone is at UTC+0 that day: both readings agree, nothing to learn
    if family == "heart_rate":
        job.state.day_starts[job.file_day] = wall
    votes = job.state.boundary_votes.setdefault(family, [0, 0])
    if 0 <= wall - as_utc < _BOUNDARY_MS:
        votes[0] += 1
    elif 0 <= wall - midnight < _BOUNDARY_MS:
        votes[1] += 1


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
    if family not in state.family_clock:
        _decide_without_overlap(job, family)
    if state.family_clock.get(family) == "utc":
        utc = walls.astype(np.int64)
        offs = clock.instants(utc)
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
        f"compared; read as {'UTC' if verdict == 'utc' else 'local time'}{_boundaries(state, family)}"))


def _boundaries(state: State, family: str) -> str:
    """The files' own boundary evidence, to add to a note."""
    utc_votes, local_votes = state.boundary_votes.get(family, (0, 0))
    if not utc_votes and not local_votes:
        return ""
    return (f" ({utc_votes} of {utc_votes + local_votes} file(s) begin at local midnight read as UTC, {local_votes} "
            "read as local time)")


def travel_from_day_files(state: State) -> None:
    """Travel days shown by UTC heart-rate day files (docs/facts/archives.md#fact-13).

    A ``heart_rate-DAY.json`` holds one local day, so when the tracker was worn at midnight its
    first stamp is that midnight in UTC: a person who flew to UTC+7 has files starting at 17:00
    UTC. A day whose file starts within ``_WORN_S`` after a quarter hour, at an offset that is none
    of the zone's that day, is a travel day when the day before or after starts at the same
    offset (a single odd start is more likely a tracker put on at that time). Used only when the
    files' boundaries say heart rate is UTC.
    """
    votes = state.boundary_votes.get("heart_rate", (0, 0))
    if votes[0] <= votes[1]:
        return
    zone = state.clock.zone
    found: dict[int, int] = {}
    for day, wall in state.day_starts.items():
        after = (wall - day * DAY_MS) // 1000
        if (after % QUARTER_S) >= _WORN_S:
            continue
        offset = -(after - after % QUARTER_S)
        if MIN_OFFSET_S <= offset <= MAX_OFFSET_S and offset not in zone.day_offsets(day):
            found[day] = offset
    for day, offset in sorted(found.items()):
        if found.get(day - 1) == offset or found.get(day + 1) == offset:
            state.clock.evidence.add(day, offset, "heart-rate day file starts at that local midnight")


def _decide_without_overlap(job: Job, family: str) -> None:
    """The clock from the files' boundaries, else the usual one; said in the notes either way."""
    state = job.state
    utc_votes, local_votes = state.boundary_votes.get(family, (0, 0))
    usual = USUAL_CLOCK[family]
    files = f"{utc_votes + local_votes} file(s)"
    if utc_votes > local_votes:
        verdict, why = "utc", (f"{utc_votes} of {files} begin at local midnight read as UTC "
                               f"({local_votes} at midnight read as local time)")
    elif local_votes > utc_votes:
        verdict, why = "local", (f"{local_votes} of {files} begin at local midnight read as local time "
                                 f"({utc_votes} at midnight read as UTC)")
    else:
        verdict, why = usual, ("weak evidence: no overlapping GoogleData CSV and no file begins at a midnight that "
                               "tells the clocks apart; every export verified so far writes these stamps in "
                               f"{'UTC' if usual == 'utc' else 'local time'}")
    state.family_clock[family] = verdict
    state.note(f"clock:{family}", f"Global Export {family}: read as {'UTC' if verdict == 'utc' else 'local time'}: "
                                  f"{why}")


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
