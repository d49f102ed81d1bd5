"""What every Fitabase reader shares: the time format, the participant filter, the rows.

Times (docs/facts/archives.md#fact-14): ``4/12/2016 2:47:30 AM`` (12-hour clock, no leading zeros),
``4/12/2016`` (daily files), and the re-saved variants of the Kaggle copies: ``04/12/2016``
(``sleepDay`` ``SleepDay``) and ``5-2-2016`` (``weightLogInfo`` ``Date``, month first). A time
without ``AM``/``PM`` is read as a 24-hour clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Iterator

from fitvault.importers._base import Job, csv_records
from fitvault.importers._clock import date_text
from fitvault.importers._text import cell
from fitvault.timeutil import DAY_MS, wall_ms

ID_ROLE = {"id": ("Id",)}
OTHER = "another participant (not imported; see --participant)"


def parse_time(text: str) -> int:
    """A Fitabase date or date and time -> wall ms."""
    t = text.strip()
    try:
        parts = t.split()
        date_part = parts[0].replace("-", "/").split("/")
        month, day, year = int(date_part[0]), int(date_part[1]), int(date_part[2])
        if len(date_part) != 3:
            raise ValueError
        if year < 100:
            year += 2000
        if len(parts) == 1:
            return wall_ms(year, month, day)
        clock = [int(p) for p in parts[1].split(":")]
        hour, minute, second = clock[0], clock[1], clock[2] if len(clock) > 2 else 0
        if len(parts) == 3:
            half = parts[2].upper()
            if half not in ("AM", "PM") or not 1 <= hour <= 12:
                raise ValueError
            hour = hour % 12 + (12 if half == "PM" else 0)
        elif len(parts) != 2:
            raise ValueError
        return wall_ms(year, month, day, hour, minute, second)
    except (ValueError, IndexError):
        raise ValueError(f"not a Fitabase date and time (M/D/YYYY h:mm:ss AM): {text!r}") from None


def format_time(wall: int, with_time: bool = True) -> str:
    """Wall ms -> ``4/12/2016 2:47:30 AM`` (``4/12/2016`` without the time), as Fitabase writes."""
    y, m, d = (int(p) for p in date_text(wall // DAY_MS).split("-"))
    if not with_time:
        return f"{m}/{d}/{y}"
    s = (wall % DAY_MS) // 1000
    hour, minute, second = s // 3600, s // 60 % 60, s % 60
    return f"{m}/{d}/{y} {hour % 12 or 12}:{minute:02d}:{second:02d} {'AM' if hour < 12 else 'PM'}"


def count_ids(job: Job) -> None:
    """Evidence pass: the participants of a file (``state.participants``: id -> rows)."""
    ids = job.state.fitabase_kinds.setdefault(job.family.key, set())
    header, rows = job.csv()
    if not header:
        return
    lower = [h.strip().lower() for h in header]
    if "id" not in lower:
        return
    i = lower.index("id")
    seen = job.state.participants
    for row in rows:
        if i < len(row):
            pid = row[i].strip()
            if pid:
                seen[pid] = seen.get(pid, 0) + 1
                ids.add(pid)


def rows(job: Job, roles: Mapping[str, tuple[str, ...]], optional: tuple[str, ...] = ()
         ) -> Iterator[tuple[list[str], dict[str, int]]]:
    """(row, column positions) of the chosen participant's rows; other participants' rows are
    counted as left out."""
    want = job.state.participant
    other = 0
    for row, c in csv_records(job, {**ID_ROLE, **roles}, optional=optional):
        if cell(row, c["id"]) != want:
            other += 1
            continue
        yield row, c
    if other:
        job.drop(OTHER, other)


def local_day(job: Job, day: int) -> tuple[int, int, int, int]:
    """(start UTC ms, offset, end UTC ms, end offset) of a local calendar day."""
    start, off = job.clock.local(day * DAY_MS)
    end, end_off = job.clock.local((day + 1) * DAY_MS)
    return start, off, end, end_off
