"""Incremental readers: the elements of a JSON array one at a time, CSV rows one at a time.

Both decode UTF-8 strictly (a byte-order mark is skipped): a file in another encoding fails
with :class:`FileProblem` instead of importing mojibake. Memory stays at one read buffer plus
the element being decoded, whatever the file's size.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any, Iterator

CHUNK_CHARS = 1 << 20
#: Largest JSON element (or top-level object) kept in memory while it is decoded. Without a cap,
#: one endless element (a legal 1 GB member, 5 MB zipped) grew the buffer without bound and was
#: re-copied and re-decoded after every chunk: quadratic time and memory of the file's size
#: (issue #7 fuzz run). Real records are kilobytes.
MAX_ELEMENT_CHARS = 32 << 20
#: Longest CSV line and row (quoted fields may span lines). ``csv.reader`` over a text stream
#: read a line whole before its field limit applied: one 400 MB line took 800 MB (issue #7).
MAX_ROW_CHARS = 1 << 20


class FileProblem(ValueError):
    """A file that cannot be imported as what its name says (bad JSON, header, encoding ...)."""


class UnexpectedHeader(FileProblem):
    """A CSV whose header lacks a column its family needs."""


class Placeholder(ValueError):
    """A row that is the export's padding, not data (a 1970 timestamp ...): left out, counted."""


#: Instants before this are placeholders (1970 stamps in some files; Fitbit data starts in 2009).
EARLIEST_MS = 1_199_145_600_000  # 2008-01-01T00:00:00Z


def after_2008(utc_ms: int) -> int:
    """``utc_ms`` unchanged, or :class:`Placeholder` for an instant before 2008."""
    if utc_ms < EARLIEST_MS:
        raise Placeholder("placeholder timestamp before 2008 (the export's padding)")
    return utc_ms


def text(binary: io.RawIOBase) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BufferedReader(binary, 1 << 16), encoding="utf-8-sig", errors="strict", newline="")


_WS = " \t\r\n"
_AFTER = ",]" + _WS


def json_elements(stream: io.TextIOBase, first_chunk: int = CHUNK_CHARS) -> Iterator[Any]:
    """The elements of a top-level JSON array, decoded one by one; a top-level object is
    yielded whole (it is one record); an empty file yields nothing. ``first_chunk``: characters
    read first (doubling up to ``CHUNK_CHARS``), small for a reader that wants the first element."""
    text = _ChunkedJson(stream, first_chunk)
    if not text.skip_ws():
        return
    opening = text.buf[text.pos]
    if opening == "{":
        yield text.whole()
        return
    if opening != "[":
        raise FileProblem(f"not a JSON array (starts with {opening!r})")
    text.pos += 1
    first = True
    while text.next_element(first):
        yield text.element()
        first = False


class _ChunkedJson:
    """A JSON text read in chunks: the buffer, the position in it, and whether the input ended.

    Only the unread part of the buffer is kept, so memory stays bounded by one element (at most
    ``MAX_ELEMENT_CHARS``) plus one chunk, whatever the file's size.
    """

    def __init__(self, stream: io.TextIOBase, first_chunk: int = CHUNK_CHARS) -> None:
        self.stream = stream
        self.decoder = json.JSONDecoder()
        self.chunk = min(first_chunk, CHUNK_CHARS)
        self.buf = stream.read(self.chunk)
        self.eof = not self.buf
        self.pos = 0

    def more(self) -> bool:
        """Append the next chunk; False at the end of the input."""
        if self.eof:
            return False
        self.chunk = min(self.chunk * 2, CHUNK_CHARS)  # doubling: linear time however small the first
        chunk = self.stream.read(self.chunk)
        if not chunk:
            self.eof = True
            return False
        if len(self.buf) - self.pos > MAX_ELEMENT_CHARS:  # bounded memory and time (see MAX_ELEMENT_CHARS)
            raise FileProblem(f"a JSON element larger than {MAX_ELEMENT_CHARS >> 20} MiB (not an export's record)")
        self.buf = self.buf[self.pos:] + chunk
        self.pos = 0
        return True

    def skip_ws(self) -> bool:
        """Move past whitespace; False at the end of the input."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WS:
                self.pos += 1
            if self.pos < len(self.buf):
                return True
            if not self.more():
                return False

    def whole(self) -> Any:
        """The rest of the input as one JSON value (nothing may follow it)."""
        while self.more():
            pass
        try:
            value, end = self.decoder.raw_decode(self.buf, self.pos)
        except json.JSONDecodeError as exc:
            raise FileProblem(f"not valid JSON: {exc}") from None
        if self.buf[end:].strip():
            raise FileProblem("not valid JSON: extra data after the object")
        return value

    def next_element(self, first: bool) -> bool:
        """Move to the array's next element (past its comma); False after the closing bracket."""
        if not self.skip_ws():
            raise FileProblem("not valid JSON: the array is not closed (truncated file?)")
        if self.buf[self.pos] == "]":
            self.pos += 1
            if self.skip_ws():
                raise FileProblem("not valid JSON: extra data after the array")
            return False
        if not first:
            if self.buf[self.pos] != ",":
                raise FileProblem(f"not valid JSON: expected ',' or ']' at {self.buf[self.pos:self.pos + 20]!r}")
            self.pos += 1
            if not self.skip_ws():
                raise FileProblem("not valid JSON: the array is not closed (truncated file?)")
        return True

    def element(self) -> Any:
        """The element at the position, reading on while the chunk cuts it off; then move past it."""
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self.more():
                    continue
                raise FileProblem(f"not valid JSON: {exc}") from None
            if (end >= len(self.buf) or (isinstance(value, (int, float)) and self.buf[end] not in _AFTER)) \
                    and self.more():
                continue  # a number may go on in the next chunk ("3" of "3.25")
            break
        self.pos = end
        if self.pos > CHUNK_CHARS:
            self.buf, self.pos = self.buf[self.pos:], 0
        return value


def csv_rows(stream: io.TextIOBase) -> tuple[list[str], Iterator[list[str]]]:
    """(header, rows) of a CSV file; the header's names are stripped; an empty file has no
    header and no rows. Blank lines are skipped."""
    lines = _BoundedLines(stream)
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        return [], iter(())
    except csv.Error as exc:
        raise FileProblem(f"not a CSV file: {exc}") from None
    header = [h.strip() for h in header]

    def rows() -> Iterator[list[str]]:
        try:
            for row in reader:
                lines.row_chars = 0
                if len(row) > 1 or (row and row[0].strip()):  # blank lines are skipped
                    yield row
        except csv.Error as exc:
            raise FileProblem(f"bad CSV at line {reader.line_num}: {exc}") from None

    return header, rows()


class _BoundedLines:
    """The lines of a text stream for ``csv.reader``, each read with a length limit; a line or a
    row (the lines read since ``row_chars`` was last reset) over :data:`MAX_ROW_CHARS` is a
    :class:`FileProblem` instead of unbounded memory."""

    def __init__(self, stream: io.TextIOBase) -> None:
        self.stream = stream
        self.row_chars = 0

    def __iter__(self) -> _BoundedLines:
        return self

    def __next__(self) -> str:
        line = self.stream.readline(MAX_ROW_CHARS + 1)
        if not line:
            raise StopIteration
        self.row_chars += len(line)
        if self.row_chars > MAX_ROW_CHARS:
            raise FileProblem(f"a CSV line or row longer than {MAX_ROW_CHARS >> 20} MiB (not an export's row)")
        return line


def columns(header: list[str], wanted: Mapping[str, tuple[str, ...]], *, optional: tuple[str, ...] = ()
            ) -> dict[str, int]:
    """Positions of columns by role: ``wanted`` maps a role to accepted header names (case
    insensitive). Roles not in ``optional`` must be present, else :class:`FileProblem`."""
    lower = {h.lower(): i for i, h in enumerate(header)}
    found: dict[str, int] = {}
    for role, names in wanted.items():
        for name in names:
            if name.lower() in lower:
                found[role] = lower[name.lower()]
                break
        else:
            if role not in optional:
                wanted_names = " or ".join(repr(n) for n in names)
                raise UnexpectedHeader(f"unexpected header {','.join(header)!r}: no column {wanted_names}")
    return found


def cell(row: list[str], index: int | None) -> str:
    """A stripped cell, "" when the row is short or the column absent."""
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def number(value: str) -> float | None:
    """A numeric cell or JSON string value; None for blanks and ``null``/``NaN`` placeholders."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        f = float(value)
    else:
        text = str(value).strip()
        if not text or text.lower() in ("null", "none", "nan", "n/a", "-"):
            return None
        f = float(text)
    if f != f:  # NaN
        return None
    return f
