"""``Sleep Score/sleep_score.csv`` (account archives: ``Sleep/sleep_score.csv``), reference §4.3.

``sleep_log_entry_id,timestamp,overall_score,...``: fitvault has no sleep-score table, but the
file ties each sleep log (``sleep_log_entry_id`` = ``logId``) to its wake-up time in **UTC**
(``timestamp`` with ``Z``). It is read first, and each night's offset is inferred from it
(see ``global_export/sleep.py``). Nothing is stored from it.
"""

from __future__ import annotations

from fitvault import timeutil
from fitvault.importers._base import Job, csv_records
from fitvault.importers._text import cell


def prepare(job: Job) -> None:
    for row, c in csv_records(job, {"id": ("sleep_log_entry_id",), "time": ("timestamp",)}):
        log_id, stamp = cell(row, c["id"]), cell(row, c["time"])
        if not log_id or not stamp.endswith(("Z", "z")):
            continue
        try:
            job.state.wake_utc[str(int(float(log_id)))] = timeutil.parse_instant_ms(stamp)
        except ValueError:
            continue


def read(job: Job) -> None:
    for _row, _c in csv_records(job, {"id": ("sleep_log_entry_id",), "time": ("timestamp",)}):
        job.drop("sleep score (no table: used for the nights' time zones)")
