"""``fitvault study compliance``: an offline HTML report and the "contact today" CSV.

The HTML is one self-contained file: inline CSS, an inline SVG heat map of wear hours per
participant and local day, no script, no font or CDN fetch, so it opens on an air-gapped
machine and can be attached to an e-mail. Both are built from :func:`fitvault.study.status.study_status`.
"""

from __future__ import annotations

import csv
import html
import os
from datetime import datetime, timedelta
from pathlib import Path

from fitvault.study.compliance import EXPIRY_WARNING_DAYS, LOW_BATTERY_PCT, LOW_WEAR_DAYS, NO_SYNC_DAYS
from fitvault.study.status import ParticipantStatus

CONTACT_COLUMNS = ("participant_id", "reasons", "state", "grant", "last_device_sync", "battery_level",
                   "battery_status", "last_data", "recent_wear_hours")
_CELL, _HEAT_DAYS = 14, 28


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _lag(value: timedelta | None) -> str:
    if value is None:
        return ""
    hours = value.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"


def contact_rows(statuses: list[ParticipantStatus]) -> list[dict]:
    """One row per participant to contact today (reasons joined with ``; ``)."""
    rows = []
    for s in statuses:
        if not s.contact:
            continue
        c = s.compliance
        recent = c.recent_wear_hours()
        rows.append({
            "participant_id": s.participant_id, "reasons": "; ".join(s.contact), "state": s.participant.state,
            "grant": s.grant, "last_device_sync": c.to_dict()["last_device_sync"] or "",
            "battery_level": "" if c.battery_level is None else c.battery_level,
            "battery_status": c.battery_status or "", "last_data": c.to_dict()["last_data"] or "",
            "recent_wear_hours": "" if recent is None else f"{recent:.1f}",
        })
    return rows


def write_contact_csv(statuses: list[ParticipantStatus], path: Path) -> int:
    """Write the contact-today CSV (atomically); returns its rows."""
    rows = contact_rows(statuses)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, CONTACT_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, path)
    return len(rows)


def _colour(hours: float, threshold: float) -> str:
    if hours <= 0:
        return "#eeeeee"
    if hours < threshold:
        return "#f4a259" if hours >= threshold / 2 else "#e4572e"
    return "#76b041"


# A "MM-DD" label at font size 9 is about 25 px wide: at least this many cells apart.
_LABEL_GAP = 3


def _heat_map(statuses: list[ParticipantStatus], threshold: float) -> str:
    """SVG: a row per participant, a cell per local day (the last days of their window)."""
    days = sorted({d.date for s in statuses for d in s.compliance.days})[-_HEAT_DAYS:]
    if not days:
        return "<p>No days to show yet.</p>"
    label_w = 90
    width, height = label_w + _CELL * len(days), _CELL * (len(statuses) + 1) + 4
    parts = [f'<svg width="{width}" height="{height}" role="img" '
             'aria-label="wear hours per participant and day">']
    last = -_LABEL_GAP
    for j, d in enumerate(days):  # the first day, then each 1st and Monday, never closer than a label's width
        if (j == 0 or d.day == 1 or d.weekday() == 0) and j - last >= _LABEL_GAP:
            parts.append(f'<text x="{label_w + j * _CELL}" y="10" font-size="9">{d:%m-%d}</text>')
            last = j
    for i, s in enumerate(statuses):
        y = _CELL * (i + 1)
        parts.append(f'<text x="0" y="{y + 10}" font-size="10">{html.escape(s.participant_id)}</text>')
        by_day = {d.date: d for d in s.compliance.days}
        for j, d in enumerate(days):
            day = by_day.get(d)
            if day is None:
                continue
            fill = "#ffffff" if day.status == "pending" else _colour(day.wear_hours, threshold)
            parts.append(f'<rect x="{label_w + j * _CELL}" y="{y}" width="{_CELL - 1}" height="{_CELL - 1}" '
                         f'fill="{fill}" stroke="#cccccc"><title>{html.escape(s.participant_id)} {d}: '
                         f'{day.wear_hours:.1f} h ({day.status})</title></rect>')
    parts.append("</svg>")
    return "".join(parts)


def _row(s: ParticipantStatus) -> str:
    c = s.compliance
    window = f"{c.window_start} – {c.window_end or 'open'}"
    mean = "" if c.mean_wear_hours is None else f"{c.mean_wear_hours:.1f}"
    battery = " ".join(x for x in (f"{c.battery_level} %" if c.battery_level else "", c.battery_status or "") if x)
    cells = [s.participant_id, window, s.participant.state, s.grant, _when(c.last_device_sync), battery,
             _when(c.last_data), _lag(c.lag), mean, f"{c.valid_days} / {c.settled_days}", "; ".join(s.contact)]
    cls = ' class="contact"' if s.contact else ""
    return f"<tr{cls}>" + "".join(f"<td>{html.escape(str(x))}</td>" for x in cells) + "</tr>"


_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
th { background: #f2f2f2; }
tr.contact td { background: #fff3e0; }
.legend span { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px; vertical-align: middle; }
"""


def render_html(statuses: list[ParticipantStatus], *, study_name: str, as_of: datetime, valid_day_hours: float) -> str:
    """The whole report as one HTML document (no external resource)."""
    contact = [s for s in statuses if s.contact]
    head = ("<tr><th>participant</th><th>window</th><th>state</th><th>grant</th><th>last device sync</th>"
            "<th>battery</th><th>last data</th><th>lag</th><th>mean wear h/day</th><th>valid / settled days</th>"
            "<th>contact today</th></tr>")
    legend = (f'<p class="legend">wear per local day: <span style="background:#76b041"></span>≥ {valid_day_hours:g} h'
              f'<span style="background:#f4a259"></span>≥ {valid_day_hours / 2:g} h<span style="background:#e4572e">'
              '</span>less<span style="background:#eeeeee"></span>none<span style="background:#fff;border:1px solid '
              '#ccc"></span>pending</p>')
    definitions = (
        "<h2>Definitions</h2><ul>"
        "<li><b>Wear minute</b>: a minute with at least one heart-rate sample, counted on the local day of the "
        "sample's own time (UTC instant + the offset recorded with it).</li>"
        f"<li><b>Valid day</b>: a local day of the study window with at least {valid_day_hours:g} wear hours. A day "
        "is <i>pending</i> until it has ended and the device has synced after its end.</li>"
        f"<li><b>Contact today</b>: no device sync for {NO_SYNC_DAYS}+ days; battery ≤ {LOW_BATTERY_PCT} % or "
        f"low; a grant that needs re-consent or expires within {EXPIRY_WARNING_DAYS} days (Testing mode); mean "
        f"wear of the last {LOW_WEAR_DAYS} settled days below {valid_day_hours:g} h.</li>"
        "</ul><p>See docs/study.md (Compliance).</p>"
    )
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(study_name)}: compliance</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(study_name)}: compliance</h1>"
        f"<p>As of {_when(as_of)} · {len(statuses)} participants · {len(contact)} to contact today</p>"
        f"<h2>Wear hours per day</h2>{legend}{_heat_map(statuses, valid_day_hours)}"
        f"<h2>Participants</h2><table>{head}{''.join(_row(s) for s in statuses)}</table>"
        f"{definitions}</body></html>\n"
    )


def write_report(statuses: list[ParticipantStatus], out_dir: Path, *, study_name: str, as_of: datetime,
                 valid_day_hours: float) -> tuple[Path, Path, int]:
    """``compliance-<date>.html`` and ``contact-today-<date>.csv`` in ``out_dir``; returns both
    paths and the number of participants to contact."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = as_of.date().isoformat()
    page, sheet = out_dir / f"compliance-{stamp}.html", out_dir / f"contact-today-{stamp}.csv"
    tmp = page.with_name(page.name + ".part")
    tmp.write_text(render_html(statuses, study_name=study_name, as_of=as_of, valid_day_hours=valid_day_hours),
                   encoding="utf-8")
    os.replace(tmp, page)
    return page, sheet, write_contact_csv(statuses, sheet)

