"""``sleepYYYYMMDD.csv`` (``Time,State,Interpreted``): the tutorial's v1 ``minuteData`` log, one
row per minute (also what ``fitvault export csv --per-day`` writes).

The file's date is the night's (Fitbit's ``dateOfSleep``: the date the sleep ends). Minutes run
in time order from the evening before: the times before the clock wraps past midnight belong to
the previous day; without a wrap, every minute is on the file's date. A gap of more than a
minute starts another session.

Each session becomes a ``CLASSIC`` ``sleep_sessions`` row (id ``tutorial-<start ms>``) whose
stages are the runs of equal state: ``1`` → ``ASLEEP``, ``2`` → ``RESTLESS``, ``3`` → ``AWAKE``
(Fitbit's v1 meaning; the tutorial labels them Asleep / Awake / Very Awake). When ``State`` is
blank, ``Interpreted`` is read instead. The longest session of a night is its main sleep.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from fitvault.importers._base import Job, csv_records
from fitvault.importers._clock import date_text
from fitvault.importers._text import FileProblem, cell
from fitvault.importers.global_export.sleep import unique_parts
from fitvault.timeutil import DAY_MS, Sequence, parse_clock

MINUTE_MS = 60_000
_HALF_DAY_MS = 12 * 3600 * 1000
_REPEAT_MS = 2 * 3600 * 1000
STATES = {1: "ASLEEP", 2: "RESTLESS", 3: "AWAKE"}
_LABELS = {"asleep": 1, "restless": 2, "awake": 2, "very awake": 3, "really awake": 3}


def state_of(state: str, label: str) -> int | None:
    if state:
        value = int(float(state))
        return value if value in STATES else None
    return _LABELS.get(label.strip().lower())


def read_sleep(job: Job) -> None:
    if job.file_day is None:
        raise FileProblem("no date in the file name (expected sleepYYYYMMDD.csv)")
    minutes: list[tuple[int, int]] = []
    for row, c in csv_records(job, {"time": ("Time", "dateTime"), "state": ("State", "value"),
                                    "label": ("Interpreted",)}, optional=("label",)):
        try:
            clock_ms = parse_clock(cell(row, c["time"]))
            state = state_of(cell(row, c["state"]), cell(row, c.get("label")))
        except ValueError as exc:
            job.problem(exc, row)
            continue
        if state is None:
            job.bad(f"unknown sleep state {cell(row, c['state'])!r}", row)
            continue
        minutes.append((clock_ms, state))
    night(job, job.file_day, minutes)


def night(job: Job, day: int, minutes: list[tuple[int, int]]) -> None:
    """Sessions of one night from (time of day ms, state) rows in file order."""
    if not minutes:
        return
    # The clock wraps past midnight when it goes back by more than half a day (a fall-back
    # night's repeated hour goes back by one hour only).
    wraps = any(b[0] < a[0] - _HALF_DAY_MS for a, b in zip(minutes, minutes[1:]))
    base = (day - 1) * DAY_MS if wraps else day * DAY_MS
    walls = []
    prev = None
    for clock_ms, state in minutes:
        if prev is not None and clock_ms < prev - _HALF_DAY_MS:
            base += DAY_MS
        prev = clock_ms
        walls.append((base + clock_ms, state))
    zone = job.clock.zone
    sessions: list[list[tuple[int, int]]] = [[walls[0]]]
    for item in walls[1:]:
        step = item[0] - sessions[-1][-1][0]
        if step == MINUTE_MS or (-_REPEAT_MS <= step < 0 and zone.ambiguous(item[0])):
            sessions[-1].append(item)
        elif step > MINUTE_MS or step < 0:
            sessions.append([item])
        else:
            job.drop("repeated minute")
    longest = max(range(len(sessions)), key=lambda i: len(sessions[i]))
    for i, minutes_of in enumerate(sessions):
        job.emit("sleep_sessions", session(job, minutes_of, main=i == longest))


def session(job: Job, minutes: list[tuple[int, int]], main: bool, sid: str | None = None) -> tuple:
    """A session row (with its stages) from (wall ms, state) minutes in time order; its id is
    ``sid``, else ``tutorial-<start ms>``."""
    clock = job.clock
    seq = Sequence()
    placed = [(clock.local(wall, seq), state) for wall, state in minutes]
    end_wall = minutes[-1][0] + MINUTE_MS
    end_ms, end_off = clock.local(end_wall, seq)
    parts = []
    run_start = placed[0][0]
    counts: Counter[int] = Counter()
    per_state: Counter[int] = Counter()
    for (_at, state), nxt in zip(placed, placed[1:] + [((end_ms, end_off), None)]):
        per_state[state] += 1
        if nxt[1] != state:
            parts.append(("stage", run_start[0], run_start[1], nxt[0][0], nxt[0][1], STATES[state]))
            counts[state] += 1
            run_start = nxt[0]
    start_ms, start_off = placed[0][0]
    summary = sorted((STATES[s], per_state[s], counts[s]) for s in per_state)
    session = (
        sid or f"tutorial-{start_ms}", job.source, start_ms, start_off, end_ms, end_off, "CLASSIC", int(main), 0, 1, None, 0,
        len(minutes), per_state[1], per_state[2] + per_state[3], None, None, None, None,
    )
    start_day = date.fromisoformat(date_text((start_ms + start_off * 1000) // DAY_MS))
    return (session, unique_parts(job, parts), summary, start_day)
