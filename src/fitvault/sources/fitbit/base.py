"""What every legacy data set module provides: a :class:`FitbitStream`.

A stream knows its endpoint and range limit (docs/facts/fitbit-legacy-api.md#endpoints-and-range-limits), how to turn one response into rows
of a vault table, and how to save them. It is pure: no HTTP, no open files. The source's
walks (:mod:`.engine`) fetch; the vault commits each response's rows with the stream's cursor.
What the sync core and the store need of a stream is :class:`fitvault.stream.Stream`; this base
adds only the legacy API's request shape and parsing.

Three ways of fetching (``kind``):

``day``    one request per local date (intraday series: a day per call);
``range``  one request per window of at most ``max_days`` dates;
``list``   a paged list walked newest first (activity logs).

Every response is archived with the request that produced it, including the profile's zone
(``time_zone``), so :meth:`FitbitStream.parse_response` can replay it from the raw archive
alone. Records keep their provenance: ``sources.origin`` is ``fitbit-web-api``.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Literal

from fitvault.datatypes.base import plausible
from fitvault.store.origins import ORIGIN_FITBIT_WEB_API as ORIGIN
from fitvault.stream import ParsedPage, SourceIds, SourceKey, Stream
from fitvault.timeutil import Zone, shared_zone, wall_at

#: The source of records that name no device.
NO_DEVICE: SourceKey = ("", "", "", "", "", "")

Request = dict[str, Any]


def device_source(name: str | None) -> SourceKey:
    """A source key naming a device (or an app such as ``Web``), as the legacy API reports it."""
    return ("", name or "", "", "", "", "")


def fitbit_ids(source_ids: SourceIds) -> Callable[[SourceKey], int]:
    """``source_ids`` (:meth:`Vault.source_id`) bound to the legacy API's origin."""
    return functools.partial(source_ids, origin=ORIGIN)  # type: ignore[call-arg]


def decimal(value: Any, what: str) -> Decimal:
    """A JSON number or numeric string (daily values are strings, docs/facts/fitbit-legacy-api.md#conventions) as a Decimal."""
    if isinstance(value, bool) or value is None:
        raise TypeError(f"{what} is not a number: {value!r}")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{what} is not a number: {value!r}") from None


def dates_of(request: Request) -> tuple[date, date]:
    return date.fromisoformat(request["first"]), date.fromisoformat(request["last"])


def zone_of(request: Request) -> Zone:
    """The zone the request's local times are read in (docs/facts/fitbit-legacy-api.md#conventions, docs/facts/fitbit-legacy-api.md#floating-local-time): the profile's IANA
    ``timezone``; its ``offsetFromUTCMillis`` is only the *current* offset and is used alone, without
    DST, when the zone is unknown. The profile holds today's zone only, so times recorded while
    travelling land hours off; activity logs are the exception (their ``startTime`` has its offset)."""
    return shared_zone(request.get("time_zone"), int(request.get("utc_offset_s") or 0))


class FitbitStream(Stream):
    """One legacy data set, on the source-neutral :class:`fitvault.stream.Stream`. Subclasses
    set the class attributes and implement ``parse_response`` (and ``path`` or ``save`` where
    the defaults do not fit)."""

    kind: ClassVar[Literal["day", "range", "list"]] = "range"
    max_days: ClassVar[int] = 30          # dates per request (inclusive), docs/facts/fitbit-legacy-api.md#endpoints-and-range-limits
    #: The request path; ``{first}`` and ``{last}`` stand for the window's dates.
    path_template: ClassVar[str]
    #: The vault data type whose ``save`` writes this stream's rows.
    vault_type: ClassVar[Stream]
    bound = "date"
    overlap = timedelta(days=3)
    # ``page_size`` feeds the plan's request estimate: dates per request here.
    records_per_day_guess = 1.0

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        cls.page_size = 100 if cls.kind == "list" else cls.max_days
        # Where the rows go is the vault type's: its tables, main table and time column
        # (a subclass may still narrow ``tables``, as exercises do).
        vault_type = cls.__dict__.get("vault_type")
        if vault_type is not None:
            for attr in ("table", "time_column", "local_day_sql", "tables"):
                if attr not in cls.__dict__:
                    setattr(cls, attr, getattr(vault_type, attr))

    # -- request shape -------------------------------------------------------------------
    def path(self, first: date, last: date) -> str:
        """The request path for dates [first, last] (``kind`` ``day``: first == last)."""
        return self.path_template.format(first=first.isoformat(), last=last.isoformat())

    def params(self, first: date, last: date) -> dict[str, Any] | None:
        return None

    def records_per_day(self, conn: sqlite3.Connection) -> float:
        """For the plan's estimate: with ``page_size`` = dates per request, one per date."""
        return 1.0

    # -- parsing -------------------------------------------------------------------------
    def parse_response(self, body: Any, request: Request) -> ParsedPage:
        """Rows from one response; ``request`` is what was archived with it (dates, zone)."""
        raise NotImplementedError

    def save(self, conn: sqlite3.Connection, rows: list[tuple], source_ids: SourceIds) -> None:
        """Upsert with the vault type's ``save``, the records' sources under the legacy origin."""
        self.vault_type.save(conn, rows, fitbit_ids(source_ids))

    @staticmethod
    def entries(body: Any, key: str) -> list:
        """``body[key]`` as a list (absent or null: empty)."""
        if not isinstance(body, dict):
            raise ValueError(f"expected a JSON object with {key!r}")
        value = body.get(key)
        return value if isinstance(value, list) else []


def collect(items: list, one: Callable[[Any], tuple | list[tuple] | None]) -> ParsedPage:
    """Parse each item (a row, several rows, or None to skip); quarantine the ones that fail."""
    page = ParsedPage()
    for item in items:
        try:
            out = one(item)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            page.bad.append((f"{type(exc).__name__}: {exc}", item if isinstance(item, dict) else {"item": item}))
            continue
        if out is None:
            continue
        if isinstance(out, list):
            page.rows.extend(out)
        else:
            page.rows.append(out)
    return page


def intraday_samples(
    body: Any, request: Request, key: str, lo: float, hi: float, what: str
) -> tuple[ParsedPage, list[tuple[int, int, int]]]:
    """The ``{"time", "value"}`` points of a one-day intraday response (``body[key]["dataset"]``,
    in recording order) as ``(ms, utc_offset_s, value)``, read in the request's zone. Points that
    are malformed or outside [lo, hi] (``what``, for the message) are quarantined on the page."""
    day, _ = dates_of(request)
    if not isinstance(body, dict):
        raise ValueError("expected a JSON object")
    dataset = (body.get(key) or {}).get("dataset") or []
    page = ParsedPage()
    walls, values = [], []
    for point in dataset:
        try:
            n = point["value"]
            if isinstance(n, bool) or not isinstance(n, (int, float)):
                raise TypeError(f"value is not a number: {n!r}")
            plausible(n, lo, hi, what)
            walls.append(wall_at(day, point["time"]))
            values.append(int(n))
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            page.bad.append((f"{type(exc).__name__}: {exc}", point if isinstance(point, dict) else {"point": point}))
    return page, [(ms, off, n) for (ms, off), n in zip(zone_of(request).sequence(walls), values)]
