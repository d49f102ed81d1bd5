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
from itertools import islice
from typing import TypeVar

import msgspec

from fitvault.importers._base import Job
from fitvault.importers._text import MAX_ROW_CHARS

#: Largest file read whole (a Global Export day of 1-s heart rate is ~6 MB, a GoogleData month of 5-s
#: heart rate ~21 MB; held twice while decoded, plus its lines): larger ones are read incrementally,
#: in bounded memory (tests/reliability/test_reliability_import.py: huge members).
WHOLE_FILE_BYTES = 32 << 20
BATCH_ROWS = 50_000
#: Longest CSV line of the fast path: below ``csv``'s default field limit, so a plain line cannot fail.
_LINE_CHARS = min(MAX_ROW_CHARS, csv.field_size_limit()) - 1

T = TypeVar("T")


def json_array(job: Job, kind: type[T]) -> list[T] | None:
    """The file's top-level array decoded as ``kind`` structs, or None. ``job.records`` is
    left to the caller (count only what the fast path keeps)."""
    text = job.whole_text(WHOLE_FILE_BYTES)
    if text is None:
        return None
    try:
        return msgspec.json.decode(text, type=list[kind])  # type: ignore[valid-type]
    except msgspec.DecodeError:  # ValidationError is one
        return None


def csv_batches(job: Job) -> tuple[list[str], Iterator[list[list[str]]]] | None:
    """(header, batches of rows) of a plain CSV file (no quotes, no carriage returns, no NUL,
    lines shorter than the field limit) read whole, or None. Blank lines are skipped and the
    rows of each batch are counted in ``job.records`` as it is taken, as :meth:`Job.csv` does."""
    text = job.whole_text(WHOLE_FILE_BYTES)
    if text is None or '"' in text or "\r" in text or "\0" in text:
        return None
    lines = text.split("\n")
    del text
    if max(map(len, lines)) > _LINE_CHARS:
        return None
    reader = csv.reader(lines)
    header = [h.strip() for h in next(reader, [])]
    if not header:
        return None

    def batches() -> Iterator[list[list[str]]]:
        while True:
            taken = list(islice(reader, BATCH_ROWS))
            if not taken:
                return
            rows = [row for row in taken if len(row) > 1 or (row and row[0].strip())]
            if rows:
                job.records += len(rows)
                yield rows

    return header, batches()
