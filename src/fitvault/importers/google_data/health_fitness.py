"""``Health Fitness Data_GoogleData``: ``UserSleeps_*.csv``, ``UserSleepStages_*.csv``,
``UserExercises_*.csv`` (docs/facts/archives.md#csv-families, docs/facts/archives.md#fact-5).

* ``UserSleeps``: ``sleep_id,sleep_type,minutes_in_sleep_period,...,start_utc_offset,sleep_start,
  end_utc_offset,sleep_end,data_source,...,sleep_created,sleep_last_updated`` → ``sleep_sessions``
  (id = ``sleep_id``; it is not the legacy ``logId``). One record per sleep: the 2026 export lists
  most sleeps twice, ``algorithm_version`` ``sleep_session_v1`` and ``v2`` under unrelated ids
  (docs/facts/archives.md#second-computations): the evidence pass reads every row
  (:func:`prepare_sleeps`) and :func:`_one_per_sleep` keeps one computation of each sleep.
* ``UserSleepStages``: ``sleep_id,sleep_stage_id,sleep_stage_type,start_utc_offset,
  sleep_stage_start,end_utc_offset,sleep_stage_end,...`` → ``sleep_stages`` of sessions already
  imported (the ``UserSleeps`` files are read first).
* ``UserExercises``: ``exercise_id,exercise_start,exercise_end,utc_offset,...,activity_name,...,
  tracker_total_calories,tracker_total_steps,tracker_total_distance_mm,...,tracker_avg_heart_rate``
  → ``exercises``.

Timestamps are written ``2026-04-06 08:18:00+0000`` (a space, ``+0000`` without a colon), which
RFC 3339 parsers reject. What ``+0000`` means depends on the vintage (fact 5):

* ``UserExercises``: true UTC in every vintage (0 s from the Global Export log's UTC start);
* ``UserSleeps`` / ``UserSleepStages`` of **2026**: true UTC, the offset columns real (``-04:00``);
* the same of **2025**: the *local wall time* labelled ``+0000`` (66 of 66 and 49 of 49 nights
  equal the Global Export log's local start), the offset columns ``+00:00``. Rows added from
  mid-2025 carry a real offset; whether their stamps are then UTC is unverified, so the offset
  column is only a hint.

So each sleep is placed by evidence, strongest first: a Global Export twin (a log with the same
start, read either way, and the same end), then the night's heart rate in the vault (the reading
whose window holds the lower heart rate, by at least 3 bpm), then the hint (a non-zero offset
column: UTC; ``+00:00`` in a zone that is not at UTC+0: a local wall time). The stored offset is
the zone's (or a travel day's), never the column's. A sleep's stages follow its decision.

``UserSleeps`` has no main-sleep flag: a sleep is main when its Global Export twin is, else when
its sleep period lasts 3 hours or more (Fitbit's own threshold for staged sleep).
"""

from __future__ import annotations

import bisect
from datetime import date

from fitvault import timeutil
from fitvault.datatypes.base import SourceKey
from fitvault.importers._base import Job, State, csv_records
from fitvault.importers._clock import date_text
from fitvault.importers._text import after_2008, cell, number
from fitvault.importers.global_export.exercise import exercise_type
from fitvault.importers.google_data.physical_activity import source_of
from fitvault.store import sample_blocks
from fitvault.timeutil import DAY_MS

_MIN_HR_SAMPLES = 30
_HR_MARGIN_BPM = 3.0
_MAIN_MINUTES = 180
#: ``algorithm_version`` of ``UserSleeps``, best first (docs/facts/archives.md#second-computations);
#: other values (``none``, a later version) rank after these.
_ALGORITHMS = {"sleep_session_v1": 0, "sleep_session_v2": 1}


def instant(text: str) -> int:
    """``2026-04-06 08:18:00+0000`` (also ``T``, ``Z``, ``+00:00``) -> epoch ms as written."""
    t = text.strip().replace(" ", "T", 1)
    if len(t) > 5 and t[-5] in "+-" and t[-4:].isdigit():
        t = t[:-2] + ":" + t[-2:]
    return after_2008(timeutil.parse_instant_ms(t))


def _offset_hint(text: str) -> int | None:
    """``-04:00`` / ``+0000`` -> seconds; None when blank or unreadable."""
    t = text.strip()
    if len(t) < 5 or t[0] not in "+-":
        return None
    try:
        hh, mm = int(t[1:3]), int(t[-2:])
    except ValueError:
        return None
    return (1 if t[0] == "+" else -1) * (hh * 3600 + mm * 60)


def _int(text: str) -> int | None:
    value = number(text)
    return None if value is None or value < 0 else int(round(value))


def _mean_hr(job: Job, start: int, end: int) -> float | None:
    if job.writer is None:
        return None
    bpm = sample_blocks.read(job.writer.conn, start, end)["bpm"]
    return float(bpm.mean()) if len(bpm) >= _MIN_HR_SAMPLES else None


def _twin(job: Job, start: int, local_shift: int) -> tuple[int, bool] | None:
    """(shift ms, main) when a Global Export log starts at this sleep's start read as UTC (shift
    0) or as a local wall time (shift ``local_shift``). Only the start is compared: GoogleData
    holds a second computation of many nights (``algorithm_version`` v1 and v2) whose end differs."""
    for log_wall, log_start, _log_end, main in job.state.sleep_logs:
        if log_start == start:
            return 0, main
        if local_shift and log_wall == start:
            return local_shift, main
    return None


def _hr_vote(job: Job, start: int, end: int, local_shift: int, end_shift: int) -> int | None:
    """The shift under which the sleep's window holds clearly lower heart rate, or None."""
    as_utc, as_local = _mean_hr(job, start, end), _mean_hr(job, start + local_shift, end + end_shift)
    if as_utc is None or as_local is None or abs(as_utc - as_local) < _HR_MARGIN_BPM:
        return None
    return 0 if as_utc < as_local else local_shift


def _decide(job: Job, rows: list[dict]) -> None:
    """Set ``local`` (the stamps are local wall times), ``why`` and ``twin_main`` of each sleep.

    Rows are decided in two groups, by their offset column: ``+00:00`` (2025 wall times, or a
    zone at UTC+0) and a real offset. Each group takes the reading most of its Global Export
    twins show, else most of its heart-rate votes, else the hint; one odd night cannot flip.
    """
    zone = job.clock.zone
    groups: dict[bool, list[dict]] = {}
    for r in rows:
        r["local_shift"] = -zone.wall_offset(r["start"]) * 1000
        r["end_shift"] = -zone.wall_offset(r["end"]) * 1000
        twin = _twin(job, r["start"], r["local_shift"])
        r["twin_main"] = None if twin is None else twin[1]
        r["twin"] = None if twin is None else (0 if twin[0] == 0 else 1)
        r["hr"] = None
        if twin is None and (r["local_shift"] or r["end_shift"]):
            vote = _hr_vote(job, r["start"], r["end"], r["local_shift"], r["end_shift"])
            r["hr"] = None if vote is None else (0 if vote == 0 else 1)
        groups.setdefault(r["hint"] == 0, []).append(r)
    for zero_hint, members in groups.items():
        verdict, why = None, ""
        for key, label in (("twin", "Global Export twins"), ("hr", "heart rate in the sleep windows")):
            votes = [r[key] for r in members if r[key] is not None]
            if votes:
                local = sum(votes)
                verdict = 1 if local * 2 > len(votes) else 0
                why = f"{label}: {max(local, len(votes) - local)} of {len(votes)}"
                break
        if verdict is None:
            hinted = zero_hint and any(r["local_shift"] for r in members)
            verdict, why = (1, "offset column +00:00") if hinted else (0, "offset column")
        for r in members:
            r["local"] = bool(verdict)
            r["why"] = why


def placed(job: Job, stamp: int, local: bool) -> tuple[int, int]:
    """(UTC ms, offset s) of a stamp read as UTC or as a local wall time labelled ``+0000``."""
    if local:
        return job.clock.local(stamp)
    return stamp, job.clock.instant(stamp)


_SLEEP_ROLES = {
    "id": ("sleep_id",), "type": ("sleep_type",), "period": ("minutes_in_sleep_period",),
    "after": ("minutes_after_wake_up",), "to_sleep": ("minutes_to_fall_asleep",), "asleep": ("minutes_asleep",),
    "awake": ("minutes_awake",), "start": ("sleep_start",), "end": ("sleep_end",),
    "hint": ("start_utc_offset",), "source": ("data_source", "data source"), "created": ("sleep_created",),
    "updated": ("sleep_last_updated",), "version": ("algorithm_version",),
}
_SLEEP_OPTIONAL = tuple(k for k in _SLEEP_ROLES if k not in ("id", "start", "end"))


def _sleep_span(row: list[str], c: dict[str, int]) -> tuple[str, int, int]:
    """(sleep id, start, end as written) of a ``UserSleeps`` row; ValueError when unusable."""
    sid = cell(row, c["id"])
    start, end = instant(cell(row, c["start"])), instant(cell(row, c["end"]))
    if not sid or end < start:
        raise ValueError("no id, or the sleep ends before it starts")
    return sid, start, end


def prepare_sleeps(job: Job) -> None:
    """Evidence pass: every ``UserSleeps`` row of the import (all files), so that one computation
    per sleep is chosen before any file is written (:func:`_one_per_sleep`)."""
    candidates = job.state.sleep_candidates
    for row, c in csv_records(job, _SLEEP_ROLES, optional=_SLEEP_OPTIONAL):
        try:
            sid, start, end = _sleep_span(row, c)
        except ValueError:
            continue
        rank = _ALGORITHMS.get(cell(row, c.get("version")).strip().lower(), len(_ALGORITHMS))
        candidates.setdefault(sid, (rank, source_of(cell(row, c.get("source"))), start, end))


def _one_per_sleep(candidates: dict[str, tuple[int, SourceKey, int, int]]) -> set[str]:
    """The ids to store: one computation per sleep (docs/facts/archives.md#second-computations).

    The 2026 export holds most sleeps twice, ``algorithm_version`` ``sleep_session_v1`` and
    ``sleep_session_v2`` under unrelated ids, overlapping in time. Taken best first (v1: the
    computation the Global Export log describes; then v2; then any other; then by id), a row is
    kept unless it overlaps a kept row of the same source: one person does not sleep twice at once.
    Times are compared as written (both computations of a sleep carry the same offset columns).
    """
    kept: dict[SourceKey, list[tuple[int, int]]] = {}  # per source: kept (start, end), sorted
    out: set[str] = set()
    for sid, (_rank, source, start, end) in sorted(candidates.items(), key=lambda kv: (kv[1][0], kv[0])):
        spans = kept.setdefault(source, [])
        i = bisect.bisect_left(spans, (start, end))
        if (i and spans[i - 1][1] > start) or (i < len(spans) and spans[i][0] < end):
            continue
        spans.insert(i, (start, end))
        out.add(sid)
    return out


def _replace_stored(job: Job, sid: str, source: SourceKey, start: int, end: int) -> None:
    """Delete the sleeps an earlier import stored from GoogleData for the same source that
    overlap this kept one (another computation of the same sleep; their stages go with them,
    ON DELETE CASCADE): a re-import or a newer export updates the night instead of adding it twice."""
    if job.writer is None:
        return
    conn = job.writer.conn
    ids = [row[0] for row in conn.execute(
        "SELECT s.id FROM sleep_sessions AS s JOIN sources AS o ON o.id = s.source_id WHERE o.origin = ? "
        "AND o.platform = ? AND o.device = ? AND o.manufacturer = ? AND o.form_factor = ? "
        "AND o.recording_method = ? AND o.application = ? AND s.start_ms < ? AND s.end_ms > ? AND s.id <> ?",
        (job.writer.origin, *source, end, start, sid))]
    conn.executemany("DELETE FROM sleep_sessions WHERE id = ?", [(i,) for i in ids])
    job.state.sleep_replaced += len(ids)


def read_sleeps(job: Job) -> None:
    state = job.state
    if state.sleep_kept is None:
        state.sleep_kept = _one_per_sleep(state.sleep_candidates)
    rows: list[dict] = []
    for row, c in csv_records(job, _SLEEP_ROLES, optional=_SLEEP_OPTIONAL):
        try:
            sid, start, end = _sleep_span(row, c)
        except ValueError as exc:
            job.problem(exc, row)
            continue
        if not job.first_time("sleep:" + sid, "sleep repeated in another file (stored once)"):
            continue
        if sid in state.sleep_candidates and sid not in state.sleep_kept:
            state.sleep_second.add(sid)
            job.drop("another computation of a sleep already kept (algorithm_version; not stored)")
            continue
        rows.append({"sid": sid, "start": start, "end": end, "hint": _offset_hint(cell(row, c.get("hint"))),
                     "row": row, "c": c})
    _decide(job, rows)
    twin_mains = [(r["start"], r["end"]) for r in rows if r["twin_main"]]
    for r in rows:
        sid, row, c = r["sid"], r["row"], r["c"]
        state.sleep_local[sid] = r["local"]
        key = ("local wall times labelled +0000" if r["local"] else "UTC", r["why"])
        state.sleep_clock_votes[key] = state.sleep_clock_votes.get(key, 0) + 1
        (start, start_off), (end, end_off) = placed(job, r["start"], r["local"]), placed(job, r["end"], r["local"])
        period = _int(cell(row, c.get("period")))
        if r["twin_main"] is not None:
            main = r["twin_main"]
        else:  # not a second computation of a twin's night, and long enough
            overlaps = any(a < r["end"] and r["start"] < b for a, b in twin_mains)
            main = not overlaps and (period or (end - start) // 60_000) >= _MAIN_MINUTES
        source = source_of(cell(row, c.get("source")))
        _replace_stored(job, sid, source, start, end)
        session = (
            sid, source, start, start_off, end, end_off,
            cell(row, c.get("type")).upper() or None, int(main), 0, 1, None, 0,
            period, _int(cell(row, c.get("asleep"))), _int(cell(row, c.get("awake"))),
            _int(cell(row, c.get("to_sleep"))), _int(cell(row, c.get("after"))),
            cell(row, c.get("created")) or None, cell(row, c.get("updated")) or None,
        )
        job.emit("sleep_sessions_only", session)


def read_stages(job: Job) -> None:
    roles = {"id": ("sleep_id",), "type": ("sleep_stage_type",), "start": ("sleep_stage_start",),
             "end": ("sleep_stage_end",), "hint": ("start_utc_offset",)}
    local_of = job.state.sleep_local
    for row, c in csv_records(job, roles, optional=("hint",)):
        try:
            sid = cell(row, c["id"])
            start, end = instant(cell(row, c["start"])), instant(cell(row, c["end"]))
            if end < start:
                raise ValueError("the stage ends before it starts")
        except ValueError as exc:
            job.problem(exc, row)
            continue
        local = local_of.get(sid)
        if sid in job.state.sleep_second:
            job.drop("stage of another computation of a sleep already kept (not stored)")
            continue
        if local is None:
            job.drop("stage of a session not imported")
            continue
        (start, start_off), (end, end_off) = placed(job, start, local), placed(job, end, local)
        job.emit("sleep_stages", (sid, "stage", start, start_off, end, end_off, cell(row, c["type"]).upper() or "UNKNOWN"))


def read_exercises(job: Job) -> None:
    roles = {"id": ("exercise_id",), "start": ("exercise_start",), "end": ("exercise_end",),
             "name": ("activity_name",),
             "calories": ("tracker_total_calories", "calories", "total_calories", "calories_burned"),
             "steps": ("tracker_total_steps", "steps"), "distance_mm": ("tracker_total_distance_mm",),
             "distance": ("distance", "distance_meters"),
             "hr": ("tracker_avg_heart_rate", "average_heart_rate", "avg_heart_rate"), "azm": ("active_zone_minutes",),
             "speed": ("tracker_avg_speed_mm_per_second",), "source": ("data_source", "data source")}
    clock = job.clock
    optional = tuple(k for k in roles if k not in ("id", "start", "end"))
    for row, c in csv_records(job, roles, optional=optional):
        try:
            eid = cell(row, c["id"])
            # exercise_start is true UTC in every vintage (docs/facts/archives.md#fact-5)
            start, end = instant(cell(row, c["start"])), instant(cell(row, c["end"]))
            if not eid or end < start:
                raise ValueError("no id, or the exercise ends before it starts")
            calories, steps, hr, azm, speed = (number(cell(row, c.get(k)))
                                               for k in ("calories", "steps", "hr", "azm", "speed"))
            distance_mm = number(cell(row, c.get("distance_mm")))
            if distance_mm is None:
                metres = number(cell(row, c.get("distance")))
                distance_mm = None if metres is None else metres * 1000.0
        except ValueError as exc:
            job.problem(exc, row)
            continue
        if not job.first_time("exercise:" + eid, "exercise repeated in another file (stored once)"):
            continue
        name = cell(row, c.get("name")) or None
        start_off, end_off = clock.instant(start), clock.instant(end)
        session = (
            eid, source_of(cell(row, c.get("source"))), start, start_off, end, end_off, exercise_type(name), name,
            None, calories, distance_mm, None if steps is None else int(steps),
            None, speed, None if not hr else int(round(hr)), None if azm is None else int(azm),
            None, None, None, None, None, None, None, 0, None, None, None, None,
        )
        day = date.fromisoformat(date_text((start + start_off * 1000) // DAY_MS))
        job.emit("exercises", (session, [], [], day))


def note_sleep_clocks(state: State) -> None:
    """One note saying how the GoogleData sleeps were read, and on what evidence."""
    votes = state.sleep_clock_votes
    if not votes:
        return
    parts = [f"{n} as {key} ({why})" for (key, why), n in sorted(votes.items(), key=lambda kv: -kv[1])]
    state.note("clock:UserSleeps", "GoogleData UserSleeps/UserSleepStages: " + "; ".join(parts)
               + " (2025 exports write local wall times labelled +0000, 2026 exports true UTC)")
    if state.sleep_second or state.sleep_replaced:
        state.note("second:UserSleeps", f"GoogleData UserSleeps: {len(state.sleep_second)} sleep(s) were a second "
                   "computation (another algorithm_version) of a sleep kept once, not stored; "
                   f"{state.sleep_replaced} sleep(s) an earlier import stored replaced by the computation kept")

