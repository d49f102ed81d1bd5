"""Whole-file fast paths for the largest families (heart rate, minute series): a file read at
once and decoded into columns, for readers that then check and place every record in numpy.

Each returns None when the file is not the plain, well-formed kind it handles (too large,
another shape, a quoted CSV field ...): the reader then reads it record by record as before,
so a damaged file gets exactly the same problems, quarantined records and counts. Where both
apply they store the same rows (issue #17: per-record Python work cost ~6x the parse itself).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from operator import attrgetter
from typing import TypeVar

import msgspec
import numpy as np

from fitvault.importers._base import Job
from fitvault.importers._clock import parse_mdy_many
from fitvault.importers._text import MAX_ROW_CHARS

#: Largest file read whole (a Global Export day of 1-s heart rate is ~6 MB, a GoogleData month of 5-s
#: heart rate ~21 MB; held twice while decoded, plus its lines): larger ones are read incrementally,
#: in bounded memory (tests/reliability/test_reliability_import.py: huge members).
WHOLE_FILE_BYTES = 32 << 20
BATCH_ROWS = 50_000
#: Longest CSV line of the fast path: below ``csv``'s default field limit, so a plain line cannot fail.
_LINE_CHARS = min(MAX_ROW_CHARS, csv.field_size_limit()) - 1

T = TypeVar("T")
_DATE_TIME = attrgetter("dateTime")


def json_array(job: Job, kind: type[T]) -> list[T] | None:
    """The file's top-level array decoded as ``kind`` structs, or None. ``job.records`` is
    left to the caller (count only what the fast path keeps)."""
    data = job.whole_bytes(WHOLE_FILE_BYTES)
    if data is None:
        return None
    try:  # msgspec reads UTF-8 strictly: invalid bytes are a DecodeError, as the careful reader's
        return msgspec.json.decode(data, type=list[kind])  # type: ignore[valid-type]
    except msgspec.DecodeError:  # ValidationError is one
        return None


class Batch:
    """Rows of a plain CSV file, held as columns when every row has the header's number of fields."""

    def __init__(self, rows: list[list[str]] | None = None, columns: list[list[str]] | None = None) -> None:
        self._rows, self._columns = rows, columns

    def __len__(self) -> int:
        return len(self._columns[0]) if self._columns is not None else len(self._rows or ())

    def column(self, index: int, *, strip: bool = False) -> list[str] | None:
        """The cells of one column (stripped, or as written), or None when a row is too short for it."""
        if self._columns is not None:
            cells = self._columns[index]
            return [c.strip() for c in cells] if strip else cells
        try:
            return [row[index].strip() for row in self._rows or ()] if strip else [row[index] for row in self._rows or ()]
        except IndexError:
            return None

    def rows(self) -> list[list[str]]:
        return self._rows if self._rows is not None else [list(r) for r in zip(*self._columns or ())]


def stamped_records(job: Job, kind: type[T]) -> tuple[list[T], np.ndarray] | None:
    """(records, wall ms) of a Global Export file whose records are ``kind`` structs with a
    ``dateTime`` in ``MM/DD/YY HH:MM:SS``, or None (see :func:`json_array`)."""
    records = json_array(job, kind)
    if records is None:
        return None
    walls = parse_mdy_many(list(map(_DATE_TIME, records)))
    return None if walls is None else (records, walls)


def csv_batches(job: Job) -> tuple[list[str], Iterator[Batch]] | None:
    """(header, batches of rows) of a plain CSV file (no quotes, no carriage returns, no NUL,
    lines shorter than the field limit) read whole, or None. Blank lines are skipped and the
    rows of each batch are counted in ``job.records`` as it is taken, as :meth:`Job.csv` does.

    Being plain, a line is its fields joined by commas (what ``csv`` reads): a batch of lines
    that all have the header's number of fields is split into columns in one go."""
    text = job.whole_text(WHOLE_FILE_BYTES)
    if text is None or not text.isascii() or '"' in text or "\r" in text or "\0" in text:
        return None
    raw = np.frombuffer(text.encode("ascii"), np.uint8)
    ends = np.flatnonzero(raw == 10)  # each line's end (its newline), one past the last character
    if text and text[-1] != "\n":
        ends = np.append(ends, len(raw))
    if not len(ends):
        return None
    starts = np.r_[0, ends[:-1] + 1]
    if int((ends - starts).max()) > _LINE_CHARS:
        return None
    commas = np.flatnonzero(raw == 44)
    per_line = np.searchsorted(commas, ends) - np.searchsorted(commas, starts)
    del raw, commas
    header = [h.strip() for h in next(csv.reader([text[:ends[0]]]), [])]
    if not header:
        return None
    width = len(header)

    def batches() -> Iterator[Batch]:
        for first in range(1, len(ends), BATCH_ROWS):
            last = min(first + BATCH_ROWS, len(ends)) - 1
            part = text[starts[first]:ends[last]]
            if width > 1 and (per_line[first:last + 1] == width - 1).all():
                fields = part.replace("\n", ",").split(",")
                batch = Batch(columns=[fields[i::width] for i in range(width)])
            else:
                lines = part.split("\n")
                batch = Batch(rows=[row for row in csv.reader(lines) if len(row) > 1 or (row and row[0].strip())])
            if len(batch):
                job.records += len(batch)
                yield batch

    return header, batches()
