"""Fitabase ``minuteSleep_merged.csv`` (``Id,date,value,logId``): one row per minute of each
sleep log, ``value`` 1 asleep, 2 restless, 3 awake (docs/facts/archives.md#verified-on-real-exports). Each ``logId`` becomes a
``CLASSIC`` ``sleep_sessions`` row (id ``fitabase-<logId>``) whose stages are the runs of equal
value, as the tutorial's ``minuteData`` files are read; the longest log of a night (the local
date of its end) is the main sleep.

``sleepDay_merged.csv`` (``TotalSleepRecords, TotalMinutesAsleep, TotalTimeInBed`` per night,
no times) is not stored: fitvault keeps sleep as sessions, and a night's totals without times
cannot be placed. Each night is checked against the ``minuteSleep`` sessions of that night in
the vault (count, minutes asleep = minutes of value 1, time in bed = minutes), and the summary
says how many agree; ``fitvault export fitabase`` writes the file back from the sessions.
"""

from __future__ import annotations

from fitvault.importers._base import Job
from fitvault.importers._clock import date_text
from fitvault.importers._text import cell, number
from fitvault.importers.fitabase._rows import parse_time, rows
from fitvault.importers.tutorial.sleep import MINUTE_MS, STATES, session
from fitvault.timeutil import DAY_MS


def read_minute_sleep(job: Job) -> None:
    logs: dict[str, list[tuple[int, int]]] = {}
    for row, c in rows(job, {"time": ("date",), "value": ("value",), "log": ("logId",)}):
        try:
            wall = parse_time(cell(row, c["time"]))
            state = int(float(cell(row, c["value"])))
        except ValueError as exc:
            job.problem(exc, row)
            continue
        if state not in STATES:
            job.bad(f"unknown sleep state {state}", row)
            continue
        logs.setdefault(cell(row, c["log"]), []).append((wall, state))
    nights: dict[int, list[str]] = {}
    for log_id, minutes in logs.items():
        minutes.sort()
        if len({w for w, _s in minutes}) < len(minutes):
            job.drop("repeated minute", len(minutes) - len({w for w, _s in minutes}))
            minutes[:] = sorted(dict(minutes).items())
        nights.setdefault((minutes[-1][0] + MINUTE_MS) // DAY_MS, []).append(log_id)
    for ids in nights.values():
        longest = max(ids, key=lambda i: len(logs[i]))
        for log_id in ids:
            job.emit("sleep_sessions", session(job, logs[log_id], main=log_id == longest, sid=f"fitabase-{log_id}"))


NO_SESSIONS = "night without minuteSleep sessions (totals without times: not stored)"
AGREES = "night agrees with its minuteSleep sessions (not stored twice)"
DIFFERS = "night differs from its minuteSleep sessions (the sessions are kept)"


def read_sleep_day(job: Job) -> None:
    roles = {"day": ("SleepDay",), "records": ("TotalSleepRecords",), "asleep": ("TotalMinutesAsleep",),
             "bed": ("TotalTimeInBed",)}
    for row, c in rows(job, roles):
        try:
            night = date_text(parse_time(cell(row, c["day"])) // DAY_MS)
            totals = tuple(int(number(cell(row, c[k])) or 0) for k in ("records", "asleep", "bed"))
        except (ValueError, TypeError) as exc:
            job.problem(ValueError(str(exc)), row)
            continue
        held = (0, None, None) if job.writer is None else job.writer.conn.execute(
            "SELECT count(*), sum(minutes_asleep), sum(minutes_in_sleep_period) FROM sleep_sessions "
            "WHERE date = ? AND id LIKE 'fitabase-%'", (night,)).fetchone()
        if not held[0]:
            job.drop(NO_SESSIONS)
        else:
            job.drop(AGREES if tuple(held) == totals else DIFFERS)
