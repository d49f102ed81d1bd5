"""The ``filter`` parameter of list/reconcile: an AIP-160 subset (docs/facts/google-health-api.md#filters).

Grammar accepted: ``restriction (AND|OR restriction)*`` where a restriction is
``<snake_type>.<member> (>=|<) "<literal>"``. As in AIP-160, ``OR`` binds tighter than ``AND``.
OR is only allowed on the sleep end-time fields; physical and civil fields must not be mixed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from . import catalog as c
from .errors import filter_error

PHYSICAL, CIVIL, DATE = "physical", "civil", "date"

#: member -> field kind, per record kind (docs/facts/google-health-api.md#filters table)
MEMBERS: dict[str, dict[str, str]] = {
    c.SAMPLE: {"sample_time.physical_time": PHYSICAL, "sample_time.civil_time": CIVIL},
    c.INTERVAL: {"interval.start_time": PHYSICAL, "interval.civil_start_time": CIVIL},
    c.ROLLUP_ONLY: {"interval.start_time": PHYSICAL, "interval.civil_start_time": CIVIL},
    c.SESSION: {"interval.start_time": PHYSICAL, "interval.civil_start_time": CIVIL},
    c.DAILY: {"date": DATE},
    c.SLEEP_KIND: {"interval.end_time": PHYSICAL, "interval.civil_end_time": CIVIL},
    c.ECG_KIND: {"interval.start_time": PHYSICAL},
    c.FOOD: {},
}

_TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*"?)|(?P<op>>=|<=|!=|=|<|>|:)|(?P<paren>[()])'
                    r'|(?P<word>[^\s"()<>=!:]+))')
_PHYSICAL = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z")
_CIVIL = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_EPOCH = datetime(1970, 1, 1)
_ONE_MS = timedelta(milliseconds=1)


@dataclass(frozen=True)
class Restriction:
    """``field op value`` with the value as epoch ms (civil/date: wall clock read as if UTC)."""

    kind: str  # PHYSICAL / CIVIL / DATE
    op: str  # ">=" or "<"
    value_ms: int

    def test(self, v: int) -> bool:
        """Does a record whose field is ``v`` satisfy this restriction?"""
        return v >= self.value_ms if self.op == ">=" else v < self.value_ms


@dataclass(frozen=True)
class Filter:
    """A validated filter: a conjunction of disjunctions on one field kind."""

    kind: str
    clauses: tuple[tuple[Restriction, ...], ...]

    @property
    def has_or(self) -> bool:
        """True if any clause is a disjunction."""
        return any(len(cl) > 1 for cl in self.clauses)

    def bounds(self) -> tuple[int | None, int | None]:
        """[lo, hi) implied by the single-restriction clauses (None = unbounded)."""
        lo = hi = None
        for cl in self.clauses:
            if len(cl) == 1:
                r = cl[0]
                if r.op == ">=":
                    lo = r.value_ms if lo is None else max(lo, r.value_ms)
                else:
                    hi = r.value_ms if hi is None else min(hi, r.value_ms)
        return lo, hi

    def matches(self, v: int) -> bool:
        """Does a record whose filtered field is ``v`` pass?"""
        return all(any(r.test(v) for r in cl) for cl in self.clauses)


def parse(text: str, dtype: c.DataType) -> Filter | None:
    """Validate ``text`` for ``dtype``; ``None`` for an empty filter. Raises ``ApiError`` 400."""
    if not text.strip():
        return None
    tokens = _tokenize(text)
    clauses: list[list[tuple[str, str, str]]] = [[]]
    i = 0
    while True:
        if i + 3 > len(tokens):
            raise filter_error("INVALID_DATA_POINT_FILTER_MISSING_TOKEN")
        (k1, field), (k2, op), (k3, lit) = tokens[i], tokens[i + 1], tokens[i + 2]
        if k1 != "word" or k2 != "op" or k3 != "str":  # literals must be double-quoted
            raise filter_error("INVALID_DATA_POINT_FILTER_SYNTAX")
        clauses[-1].append((field, op, lit))
        i += 3
        if i == len(tokens):
            break
        kind, word = tokens[i]
        if kind != "word" or word not in ("AND", "OR"):
            raise filter_error("INVALID_DATA_POINT_FILTER_SYNTAX")
        if word == "AND":
            clauses.append([])
        i += 1
        if i == len(tokens):
            raise filter_error("INVALID_DATA_POINT_FILTER_MISSING_TOKEN")
    parsed = tuple(tuple(_restriction(f, o, lit, dtype) for f, o, lit in cl) for cl in clauses)
    flt = Filter(parsed[0][0].kind, parsed)
    if flt.has_or and dtype.kind != c.SLEEP_KIND:
        raise filter_error("INVALID_DATA_POINT_FILTER_EXPRESSION_STRUCTURE")
    if len({r.kind for cl in parsed for r in cl}) > 1:
        raise filter_error("INVALID_DATA_POINT_FILTER_MIXED_TIME_RESTRICTIONS")
    if not flt.has_or:
        lo, hi = flt.bounds()
        if lo is not None and hi is not None and hi <= lo:
            raise filter_error("INVALID_TIME_RANGE")
    return flt


def _tokenize(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise filter_error("INVALID_DATA_POINT_FILTER_SYNTAX")
        pos = m.end()
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "paren":
            raise filter_error("INVALID_DATA_POINT_FILTER_SYNTAX")
        if kind == "str":
            if len(value) < 2 or not value.endswith('"'):
                raise filter_error("INVALID_DATA_POINT_FILTER_SYNTAX")
            value = value[1:-1]
        if kind == "word" and "-" in value and not value[0].isdigit():
            # docs/facts/google-health-api.md#filters: the type name inside the filter is snake_case; a hyphen -> 400
            raise filter_error("INVALID_DATA_POINT_FILTER")
        out.append((kind, value))
    return out


def _restriction(field: str, op: str, literal: str, dtype: c.DataType) -> Restriction:
    prefix, _, member = field.partition(".")
    if prefix != dtype.prefix:
        raise filter_error("INVALID_DATA_POINT_FILTER_COLLECTION_MISMATCH")
    kind = MEMBERS[dtype.kind].get(member)
    if kind is None:
        raise filter_error("INVALID_DATA_POINT_FILTER_DATA_TYPE_MEMBER")
    allowed = (">=",) if dtype.kind == c.ECG_KIND else (">=", "<")
    if op not in allowed:
        raise filter_error("INVALID_DATA_POINT_FILTER_RESTRICTION_COMPARATOR")
    return Restriction(kind, op, _literal_ms(kind, literal))


def _literal_ms(kind: str, text: str) -> int:
    pattern = {PHYSICAL: _PHYSICAL, CIVIL: _CIVIL, DATE: _DATE}[kind]
    m = pattern.fullmatch(text)
    if m is None:
        raise filter_error("INVALID_FILTER_FORMAT")
    parts = [int(g) if g and i < 6 else 0 for i, g in enumerate(m.groups()[:6])]
    parts += [0] * (6 - len(parts))
    try:
        year, month, day, hour, minute, second = parts
        dt = datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise filter_error("INVALID_FILTER_FORMAT") from None
    ms = (dt - _EPOCH) // _ONE_MS
    frac = m.groups()[6] if len(m.groups()) > 6 else None
    if frac:
        nanos = int(frac.ljust(9, "0"))
        ms += -(-nanos // 1_000_000)  # ceil: records are at whole ms
    return ms


def date_ms(d: date) -> int:
    """A date as the ms value of its midnight read as UTC (how DATE restrictions compare)."""
    return (d.toordinal() - date(1970, 1, 1).toordinal()) * 86_400_000

