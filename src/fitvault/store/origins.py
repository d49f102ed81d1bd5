"""Where records came from (``sources.origin``), and which origin wins when several hold a day.

One vault holds records from several origins: the Google Health API, the legacy Fitbit Web
API, Google Takeout archives, old Fitbit account archives and the CSV files of the classic
tutorials. The same heartbeat can arrive through three of them, so readers (the Python API in
``fitvault.query`` and the exports in ``fitvault.export``) apply one **precedence rule**:

    Per table and local day, only the rows of the best-ranked origin present that day are
    read; rows of worse-ranked origins on that day are left out (they stay in the vault).

The ranking, best first (``PRECEDENCE``), and why:

1. ``google-health-api`` — the live API: reprocessed records, a UTC instant *and* the offset in
   force on every record, the device of every record.
2. ``fitbit-web-api`` — the same Fitbit back end, but offset-less local times (the profile's
   current zone is all there is) and retired on 2026-11-02.
3. ``takeout-google-data`` — Takeout ``*_GoogleData`` CSVs: true UTC instants, explicit units
   (grams, metres), the recording device per row.
4. ``takeout-global-export`` — Takeout's legacy Fitbit formats (``Global Export Data`` JSON and
   the category CSVs): naive local times whose clock differs between export vintages,
   values as strings, account units (pounds).
5. ``account-archive`` — the older fitbit.com account archive: the same formats as 4, an older
   snapshot.
6. ``fitabase-export`` — Fitabase research exports (``*_merged.csv``): local wall times of one
   participant, no device, daily totals as the study platform computed them.
7. ``tutorial-csv`` — files people wrote with the seed tutorials: times of day only, the date
   from the file name, no provenance.

Origins not listed rank after all of these. Within one origin, readers still rank devices
(wearables first, see ``fitvault.query.reader``). Reconciled daily rollups (``daily_steps`` ...,
one row per day by design) apply the same ranking when written: an import never replaces a
better-ranked origin's value.

Day numbers below are days since 1970-01-01 of the local date (instant + offset, or the
``date`` column), the same in SQL and in numpy.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Iterable

from fitvault.datatypes.tables import Table

ORIGIN_GOOGLE_HEALTH_API = "google-health-api"
ORIGIN_FITBIT_WEB_API = "fitbit-web-api"
ORIGIN_TAKEOUT_GOOGLE_DATA = "takeout-google-data"
ORIGIN_TAKEOUT_GLOBAL_EXPORT = "takeout-global-export"
ORIGIN_ACCOUNT_ARCHIVE = "account-archive"
ORIGIN_FITABASE = "fitabase-export"
ORIGIN_TUTORIAL_CSV = "tutorial-csv"

#: Best first. See the module docstring for the reasons.
PRECEDENCE: tuple[str, ...] = (
    ORIGIN_GOOGLE_HEALTH_API,
    ORIGIN_FITBIT_WEB_API,
    ORIGIN_TAKEOUT_GOOGLE_DATA,
    ORIGIN_TAKEOUT_GLOBAL_EXPORT,
    ORIGIN_ACCOUNT_ARCHIVE,
    ORIGIN_FITABASE,
    ORIGIN_TUTORIAL_CSV,
)
#: The rank of an origin that is not in :data:`PRECEDENCE`.
UNKNOWN_RANK = len(PRECEDENCE)
_RANK = {origin: i for i, origin in enumerate(PRECEDENCE)}
_SESSION_DAY = {"sleep_sessions", "exercises"}  # session tables with a ``date`` column
_SAFE = re.compile(r"^[A-Za-z_][A-Za-z_0-9]*$")


def origin_rank(origin: str | None) -> int:
    """0 for the best origin; :data:`UNKNOWN_RANK` for one not in :data:`PRECEDENCE`."""
    return _RANK.get(origin or "", UNKNOWN_RANK)


def rank_sql(column: str) -> str:
    """SQL for :func:`origin_rank` of a text column (``s.origin``)."""
    whens = " ".join(f"WHEN '{origin}' THEN {rank}" for origin, rank in _RANK.items())
    return f"(CASE {column} {whens} ELSE {UNKNOWN_RANK} END)"


def day_sql(table: Table, alias: str) -> str | None:
    """SQL for a row's local day number, or None when the table is not ranked per row
    (rollups are ranked when written; stages, splits and events follow their session)."""
    if not _SAFE.match(alias):
        raise ValueError(f"bad SQL alias {alias!r}")
    layout = table.layout
    if layout == "sample":
        return f"(({alias}.time_ms / 1000 + {alias}.utc_offset_s) / 86400)"
    if layout == "interval":
        return f"(({alias}.start_ms / 1000 + {alias}.start_offset_s) / 86400)"
    if layout == "daily" or (layout == "session" and table.name in _SESSION_DAY):
        return f"CAST(julianday({alias}.date) - 2440587.5 AS INTEGER)"
    return None


def several_origins(conn: sqlite3.Connection) -> bool:
    """Whether the vault's sources name more than one origin (else no rule can apply)."""
    try:
        return conn.execute("SELECT count(DISTINCT origin) FROM sources").fetchone()[0] > 1
    except sqlite3.Error:
        return False


def conflicts(conn: sqlite3.Connection, table: Table, where: Iterable[str] = (), params: Iterable = (),
              alias: str = "t") -> dict[int, int]:
    """Days on which ``table`` holds rows of more than one origin: ``{day number: best rank}``.

    ``where`` (clauses on ``alias``) narrows the rows looked at; callers pass whole local days so
    a day's winner does not depend on the hours asked for. Empty when the table is not ranked
    per row or the vault has a single origin.
    """
    day = day_sql(table, alias)
    if day is None or not several_origins(conn):
        return {}
    rank = rank_sql("s.origin")
    clauses = list(where)
    sql = (f"SELECT {day} AS d, min({rank}) AS best, max({rank}) AS worst FROM {table.name} AS {alias} "
           f"JOIN sources AS s ON s.id = {alias}.source_id"
           + (" WHERE " + " AND ".join(clauses) if clauses else "")
           + " GROUP BY d HAVING best < worst")
    return {int(d): int(best) for d, best, _worst in conn.execute(sql, list(params))}


def losers_sql(table: Table, found: dict[int, int], alias: str, origin_column: str) -> str:
    """SQL that is true for the rows of ``alias`` (table ``table``) that lose on their day,
    given :func:`conflicts`' result; ``"0"`` when there is nothing to leave out."""
    day = day_sql(table, alias)
    if day is None or not found:
        return "0"
    by_best: dict[int, list[int]] = {}
    for d, best in found.items():
        by_best.setdefault(int(best), []).append(int(d))
    rank = rank_sql(origin_column)
    parts = [f"({day} IN ({', '.join(str(d) for d in sorted(days))}) AND {rank} > {best})"
             for best, days in sorted(by_best.items())]
    return "(" + " OR ".join(parts) + ")"


def loser_ids_sql(parent: Table, found: dict[int, int]) -> str | None:
    """``SELECT id`` of the sessions of ``parent`` that lose on their day (None: none lose)."""
    if not found:
        return None
    cond = losers_sql(parent, found, "p", "ps.origin")
    return f"SELECT p.id FROM {parent.name} AS p JOIN sources AS ps ON ps.id = p.source_id WHERE {cond}"


__all__ = [
    "ORIGIN_ACCOUNT_ARCHIVE",
    "ORIGIN_FITABASE",
    "ORIGIN_FITBIT_WEB_API",
    "ORIGIN_GOOGLE_HEALTH_API",
    "ORIGIN_TAKEOUT_GLOBAL_EXPORT",
    "ORIGIN_TAKEOUT_GOOGLE_DATA",
    "ORIGIN_TUTORIAL_CSV",
    "PRECEDENCE",
    "UNKNOWN_RANK",
    "conflicts",
    "day_sql",
    "loser_ids_sql",
    "losers_sql",
    "origin_rank",
    "rank_sql",
    "several_origins",
]
