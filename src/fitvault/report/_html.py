"""The report page: one HTML file, styles and scripts inline, every data string escaped.

A Content-Security-Policy forbids the page any network request (only inline scripts and
styles, and ``data:`` images, are allowed), so it opens offline and cannot phone home even if a
library tried.
"""

from __future__ import annotations

import html
from datetime import date, datetime

import pandas as pd
from plotly.offline import get_plotlyjs

from fitvault.plots.base import format_range, wall_clock
from fitvault.report._charts import all_charts, to_div
from fitvault.report._data import Card, CompletenessRow, ReportData, cards, completeness

CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; "
       "font-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'")

STYLE = """
:root { --fg:#1d2329; --muted:#5b6670; --line:#e3e7eb; --card:#f6f8fa; --accent:#0072B2; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: var(--fg);
       background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 20px 48px; }
header h1 { font-size: 26px; margin: 0 0 4px; }
header p { margin: 0; color: var(--muted); }
h2 { font-size: 19px; margin: 36px 0 4px; }
p.caption { margin: 0 0 8px; color: var(--muted); font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(175px, 1fr)); gap: 12px; margin-top: 20px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; }
.card h3 { margin: 0; font-size: 13px; font-weight: 600; color: var(--muted); text-transform: uppercase;
           letter-spacing: .04em; }
.card .value { font-size: 26px; font-weight: 700; margin: 4px 0 2px; white-space: nowrap; }
.card .unit { font-size: 13px; font-weight: 500; color: var(--muted); margin-left: 4px; }
.card .detail { font-size: 13px; color: var(--muted); }
.chart { border: 1px solid var(--line); border-radius: 10px; padding: 6px 6px 0; }
.cal-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 10px; padding: 10px; }
table.cal { border-collapse: separate; border-spacing: 2px; font-size: 11px; }
table.cal th { font-weight: 500; color: var(--muted); text-align: center; padding: 0 1px; }
table.cal th.type { text-align: right; padding-right: 8px; white-space: nowrap; color: var(--fg); font-size: 13px; }
table.cal th.we { color: #b0463c; }
table.cal td { width: 16px; min-width: 16px; height: 16px; border-radius: 3px; background: #eceff2; }
table.cal td.c1 { background: #c6dbef; } table.cal td.c2 { background: #6baed6; }
table.cal td.c3 { background: #2171b5; }
.keys { font-size: 12px; color: var(--muted); margin-top: 6px; }
.keys span.k { display: inline-block; width: 12px; height: 12px; border-radius: 3px; vertical-align: -2px;
               margin: 0 4px 0 12px; }
table.list { border-collapse: collapse; width: 100%; font-size: 14px; }
table.list th, table.list td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); }
table.list th { color: var(--muted); font-weight: 600; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
"""

_LEVELS = ((0.9, "c3"), (0.5, "c2"), (0.0001, "c1"))


def esc(value: object) -> str:
    """Text for HTML (element content or attribute value): ``& < > " '`` escaped."""
    return html.escape("" if value is None else str(value), quote=True)


def _card(c: Card) -> str:
    unit = f'<span class="unit">{esc(c.unit)}</span>' if c.unit and c.value != "—" else ""
    return (f'<div class="card" data-card="{esc(c.title)}"><h3>{esc(c.title)}</h3>'
            f'<div class="value">{esc(c.value)}{unit}</div><div class="detail">{esc(c.detail)}</div></div>')


def _calendar(rows: list[CompletenessRow], days: list[date]) -> str:
    months: list[tuple[str, int]] = []
    for d in days:
        label = f"{d:%b %Y}"
        if months and months[-1][0] == label:
            months[-1] = (label, months[-1][1] + 1)
        else:
            months.append((label, 1))
    head1 = "".join(f'<th colspan="{n}">{esc(m if n >= 3 else "")}</th>' for m, n in months)
    head2 = "".join(f'<th class="{"we" if d.weekday() >= 5 else ""}" title="{d:%a %d %b %Y}">{d.day}</th>'
                    for d in days)
    body = []
    for row in rows:
        cells = []
        for d in days:
            share, note = row.days.get(d, (0.0, "no data"))
            cls = next((c for limit, c in _LEVELS if share >= limit), "c0")
            cells.append(f'<td class="{cls}" title="{esc(f"{row.label} · {d:%a %d %b %Y} · {note}")}"></td>')
        have = sum(1 for d in days if d in row.days)
        body.append(f'<tr data-type="{esc(row.label)}"><th class="type" title="{have} of {len(days)} days">'
                    f'{esc(row.label)}</th>{"".join(cells)}</tr>')
    keys = ('<div class="keys">Hover a cell for details. Heart rate: share of the day\'s 24 hours with samples.'
            '<span class="k" style="background:#eceff2"></span>none<span class="k" style="background:#c6dbef">'
            '</span>under half<span class="k" style="background:#6baed6"></span>half or more'
            '<span class="k" style="background:#2171b5"></span>(nearly) complete</div>')
    return (f'<div class="cal-wrap"><table class="cal" id="completeness"><thead><tr><th></th>{head1}</tr>'
            f'<tr><th></th>{head2}</tr></thead><tbody>{"".join(body)}</tbody></table></div>{keys}')


def _table(frame: pd.DataFrame | None, columns: list[tuple[str, str]], table_id: str, empty: str) -> str:
    if frame is None or frame.empty:
        return f'<p class="caption">{esc(empty)}</p>'
    cols = [(c, label) for c, label in columns if c in frame.columns]
    if not cols:  # an unknown shape: every column, as named
        cols = [(c, str(c)) for c in frame.columns]
    head = "".join(f"<th>{esc(label)}</th>" for _, label in cols)
    rows = []
    for _, r in frame.iterrows():
        rows.append("<tr>" + "".join(f"<td>{esc(_fmt(r[c]))}</td>" for c, _ in cols) + "</tr>")
    return f'<table class="list" id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _fmt(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return f"{value:%a %d %b %Y %H:%M}"
    if isinstance(value, float):
        return f"{value:,.0f}"
    return str(value)


def _exercises(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    if frame is None or frame.empty:
        return None
    f = frame.copy()
    f["when"] = list(wall_clock(f))
    if "active_duration_s" in f.columns:
        f["minutes"] = f["active_duration_s"] / 60
    elif "end" in f.columns:
        f["minutes"] = (pd.DatetimeIndex(f["end"]) - pd.DatetimeIndex(f.index)).total_seconds() / 60
    return f


DEVICE_COLUMNS = [("device_version", "Device"), ("device_type", "Type"), ("battery_status", "Battery"),
                  ("battery_level", "Battery %"), ("last_sync_time", "Last sync")]
SOURCE_COLUMNS = [("device", "Device"), ("manufacturer", "Manufacturer"), ("form_factor", "Form factor"),
                  ("platform", "Platform"), ("recording_method", "Recording"), ("application", "Application"),
                  ("origin", "Origin")]
EXERCISE_COLUMNS = [("when", "Start (local)"), ("display_name", "Name"), ("exercise_type", "Type"),
                    ("minutes", "Active min"), ("avg_hr_bpm", "Avg HR (bpm)"), ("calories_kcal", "kcal"),
                    ("steps", "Steps")]


def render(data: ReportData, *, generated: datetime, version: str) -> str:
    """The whole page."""
    period = format_range(data.start, data.end)
    charts = all_charts(data)
    sections = []
    for chart_id, title, caption, fig in charts:
        sections.append(f'<section id="sec-{chart_id}"><h2>{esc(title)}</h2><p class="caption">{esc(caption)}</p>'
                        f'<div class="chart">{to_div(fig, f"chart-{chart_id}")}</div></section>')
    missing = [t for t in ("Heart rate", "Resting heart rate", "Sleep stages", "Steps") if t not in
               {c[1] for c in charts}]
    note = f'<p class="caption">No data in this period for: {esc(", ".join(missing))}.</p>' if missing else ""
    days = len(data.days)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="fitvault {esc(version)}">
<title>fitvault report · {esc(period)}</title>
<style>{STYLE}</style>
<script>{get_plotlyjs()}</script>
</head>
<body>
<main>
<header>
<h1>Your health data, {esc(period)}</h1>
<p>{days} day{"s" if days != 1 else ""}, local time of each record.
Generated by fitvault {esc(version)} on {generated:%d %b %Y %H:%M}; this file works offline and loads nothing.</p>
</header>
<section id="summary" class="cards">{"".join(_card(c) for c in cards(data))}</section>
{note}
{"".join(sections)}
<section id="sec-completeness"><h2>Completeness</h2>
<p class="caption">Which days have data, per type.</p>
{_calendar(completeness(data), data.days)}</section>
<section id="sec-exercises"><h2>Exercises</h2>
{_table(_exercises(data.exercises), EXERCISE_COLUMNS, "exercises", "No exercises in this period.")}</section>
<section id="sec-devices"><h2>Devices and sources</h2>
{_table(data.devices, DEVICE_COLUMNS, "devices", "No paired devices recorded.")}
<p class="caption">Where the records came from:</p>
{_table(data.sources, SOURCE_COLUMNS, "sources", "No sources recorded.")}</section>
<footer>fitvault report. Data: your vault; nothing in this page was sent anywhere.</footer>
</main>
</body>
</html>
"""
