"""`fitvault mcp`: the vault as read-only tools for AI assistants (Model Context Protocol).

Built on the official MCP Python SDK (``mcp`` ≥ 2, ``MCPServer``). Every tool opens the vault
read-only for the length of one call (SQLite ``mode=ro``: :func:`fitvault.open`,
:class:`fitvault.store.readonly.ReadOnlyVault`, :func:`fitvault.query.sql.run_sql`), so a sync
running meanwhile is seen by the next call and nothing can be written; no tool syncs, and none
reads the token file. Each tool is annotated ``readOnlyHint`` (and not open-world). A failure is
a tool error (``isError``) whose text is the CLI's ``error:`` message, word for word.

What each tool returns: ``docs/mcp.md``.
"""

from __future__ import annotations

import functools
import sqlite3
import tempfile
from pathlib import Path
from typing import Any, Callable, TypeVar

from mcp.server import MCPServer
from mcp.server.mcpserver.utilities.types import Image
from mcp.types import CallToolResult, TextContent, ToolAnnotations

from fitvault import errors
from fitvault.mcp import DEFAULT_PORT, tools
from fitvault.query import VaultReader
from fitvault.query import open as open_reader

INSTRUCTIONS = """\
fitvault holds one person's Fitbit / Pixel Watch data (heart rate samples, sleep with stages,
resting heart rate, HRV, SpO2, steps, exercises ...) in a local vault. Start with vault_overview
to see which types and days exist. Dates are local calendar days 'YYYY-MM-DD' (the wearer's own
clock at the time, across time zones and DST), both ends inclusive; without dates a tool uses the
most recent data. Missing values are null, not 0. Long results are cut: read `note`."""

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True,
                            open_world_hint=False)
F = TypeVar("F", bound=Callable[..., Any])


def fenced(fn: F) -> F:
    """Answer fitvault's errors as a tool error (``isError``) whose text is the CLI's message,
    ``error: ...`` word for word (raising would make the SDK prefix its own words)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except errors.FitvaultError as exc:
            message = str(exc)
        except sqlite3.DatabaseError as exc:
            message = errors.database_unreadable(exc)
        return CallToolResult(content=[TextContent(type="text", text=f"error: {message}")], is_error=True)

    return wrapper  # type: ignore[return-value]


def build_server(vault_dir: Path) -> MCPServer:
    """The MCP server over the vault at ``vault_dir`` (checked when each tool runs)."""
    server: MCPServer = MCPServer("fitvault", instructions=INSTRUCTIONS, log_level="WARNING")

    def reader() -> VaultReader:
        return open_reader(vault_dir)

    def tool(title: str, structured: bool = True) -> Callable[[F], F]:
        def register(fn: F) -> F:
            guarded = fenced(fn)
            server.add_tool(guarded, title=title, annotations=READ_ONLY, structured_output=structured)
            return guarded
        return register

    @tool("What the vault holds")
    def vault_overview() -> dict[str, Any]:
        """What the vault holds: per data type the records, first and last day, days with and
        without data, sync windows left unfinished, the last sync and its error; the paired
        devices with their last sync; and per table the rows and local first/last day."""
        from fitvault.status import vault_status
        from fitvault.store.readonly import ReadOnlyVault

        with ReadOnlyVault(vault_dir) as vault:
            status = vault_status(vault)
        with reader() as r:
            return tools.overview(r, status)

    @tool("Daily summaries")
    def daily_summary(start: str | None = None, end: str | None = None) -> dict[str, Any]:
        """One row per local day from `start` to `end` (YYYY-MM-DD, inclusive; default the last 7
        days with data): steps, distance_km, floors, calories_kcal, resting_hr_bpm, hrv_ms,
        spo2_pct, breathing rate, skin temperature, VO2 max, active zone and activity minutes,
        sleep_minutes_asleep, sleep_efficiency_pct, weight_kg, body_fat_pct. At most 366 days."""
        with reader() as r:
            return tools.empty_note(tools.daily_summary(r, start, end))

    @tool("Heart rate")
    def heart_rate(start: str | None = None, end: str | None = None, resolution: tools.Resolution = "hour",
                   max_rows: int = 1500) -> dict[str, Any]:
        """Heart rate from `start` to `end` (local days YYYY-MM-DD inclusive, or 'YYYY-MM-DD HH:MM'
        local wall time, end exclusive; default the last day with data). `resolution`: 'raw'
        (every sample: local_time, bpm, utc_offset_s, device), or 'minute' / 'hour' / 'day'
        buckets of the local clock with bpm_mean, bpm_min, bpm_max and samples (empty buckets:
        samples 0, values null). At most `max_rows` rows (≤ 5000), the rest cut with a note."""
        with reader() as r:
            return tools.empty_note(tools.heart_rate(r, start, end, resolution, max_rows))

    @tool("Sleep nights")
    def sleep(start: str | None = None, end: str | None = None, stages: bool = False) -> dict[str, Any]:
        """Sleep per night (the local date it ends) from `start` to `end` (default the last 7
        nights): main sleep start/end (local), minutes asleep and awake, time in bed, efficiency,
        awakenings, deep/light/rem/awake minutes, sessions (naps included) and their total
        asleep. `stages`: add each night's stage timeline [local start, local end, stage, minutes]."""
        with reader() as r:
            return tools.empty_note(tools.sleep(r, start, end, stages))

    @tool("Exercises")
    def exercises(start: str | None = None, end: str | None = None) -> dict[str, Any]:
        """Workouts that start from `start` to `end` (default the last 30 days with data): local
        start and end, type, active duration (s), distance_km, steps, calories, average heart rate,
        active zone minutes, seconds per heart-rate zone, elevation gain (km), GPS or not."""
        with reader() as r:
            return tools.empty_note(tools.exercises(r, start, end))

    @tool("Resting heart rate, HRV and SpO2 trends")
    def vitals_trend(metric: tools.Metric = "resting_heart_rate", start: str | None = None,
                     end: str | None = None) -> dict[str, Any]:
        """A daily vital over time (default the last 90 days with data): `metric`
        'resting_heart_rate' (bpm), 'hrv' (nightly RMSSD, ms) or 'spo2' (nightly average, %).
        Each day's value, weekly means (weeks from Monday) and a summary: days, mean, min, max,
        change from the first week's mean to the last's."""
        with reader() as r:
            return tools.empty_note(tools.trend(r, metric, start, end))

    @tool("Chart", structured=False)
    def chart(kind: str = "heart", start: str | None = None, end: str | None = None) -> list[Any]:
        """A PNG chart, as `fitvault plot` draws it: `kind` one of heart, resting-hr, sleep, steps,
        hrv, spo2, breathing-rate, skin-temperature, weight; `start`/`end` local days (default: the
        kind's usual window ending on the last day with data; one night for a sleep hypnogram:
        start = end). Returns the chart's title and the image."""
        from fitvault.plots import Plotter, save_figure

        first = tools.window_day(start, "start")
        last = tools.window_day(end, "end")
        with reader() as r:
            fig = Plotter(r).figure(kind, first, last)
        title = fig.axes[0].get_title(loc="left") if fig.axes else kind
        with tempfile.TemporaryDirectory() as tmp:
            png = save_figure(fig, Path(tmp) / "chart.png").read_bytes()
        return [TextContent(type="text", text=title), Image(data=png, format="png")]

    @tool("Read-only SQL")
    def sql(query: str, max_rows: int = 200, engine: str = "duckdb") -> dict[str, Any]:
        """One read-only SQL query on the vault, like `fitvault sql` (tables and columns:
        fitvault's docs/schema.md; times are UTC epoch ms `time_ms`/`start_ms` plus
        `utc_offset_s`; heart_rate reads as rows time_ms, source_id, utc_offset_s, bpm).
        `engine` "duckdb" (default, fast, PostgreSQL-like SQL; local day:
        CAST(epoch_ms(time_ms + utc_offset_s * 1000) AS DATE)) or "sqlite" (SQLite's dialect;
        local day: date(time_ms/1000 + utc_offset_s, 'unixepoch')). Returns columns and at most
        `max_rows` rows (≤ 5000), cut with a note."""
        from fitvault.query.sql import run_sql

        limit = max(1, min(max_rows, tools.MAX_ROWS))
        result = run_sql(vault_dir, query, engine=engine, max_rows=limit)
        out: dict[str, Any] = {"columns": result.columns, "rows": tools.sql_rows(result.rows),
                               "row_count": len(result.rows), "truncated": result.truncated,
                               "engine": result.engine}
        if result.truncated:
            out["note"] = f"cut: showing the first {limit} rows; add a LIMIT, aggregate, or raise max_rows (≤ 5000)"
        return out

    return server


def serve(vault_dir: Path, http: bool = False, port: int = DEFAULT_PORT) -> None:
    """Run the server: stdio (what desktop assistants launch), or streamable HTTP on
    ``http://127.0.0.1:PORT/mcp``."""
    server = build_server(vault_dir)
    if http:
        server.run("streamable-http", host="127.0.0.1", port=port)
    else:
        server.run("stdio")
