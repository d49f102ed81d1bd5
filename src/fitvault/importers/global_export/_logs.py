"""Reading a file of Global Export logs (``exercise-N.json``, ``sleep-YYYY-MM-DD.json``): a JSON
array of objects, each becoming one row, or none when the log was already read."""

from __future__ import annotations

from typing import Callable

from fitvault.importers._base import Job


def read_logs(job: Job, table: str, what: str, parse: Callable[[Job, dict], tuple | None]) -> None:
    """Emit ``parse(job, log)`` into ``table`` for each log of the file (``None``: nothing to store).

    An element that is not an object is quarantined as ``not a <what>``; a log ``parse`` cannot
    read (a missing key, a bad value) as ``unreadable <what>: <why>``.
    """
    article = "an" if what[0] in "aeiou" else "a"
    for rec in job.json():
        if not isinstance(rec, dict):
            job.bad(f"not {article} {what}", rec)
            continue
        try:
            row = parse(job, rec)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            job.bad(f"unreadable {what}: {exc}", rec)
            continue
        if row is not None:
            job.emit(table, row)
