"""Sleep sessions: stage generation, the summary, and the processed/unprocessed views.

Shapes follow docs/facts/google-health-api.md#payload-shapes (sleep with stages) and docs/facts/google-health-api.md#late-data-and-change-detection (re-processing): a session is first
served with ``metadata.processed: false`` (no stages, no ``stagesSummary``), later complete under
the same ``name``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .devices import device_at
from .rand import digest_int
from .timezones import ZoneHistory

UNIT = 30  # stage lengths are multiples of 30 s (docs/facts/google-health-api.md#payload-shapes, FIX-DGH)
PROCESSING_DELAY_S = 3 * 3600  # sessions ending < 3 h ago are still "processing"
STAGED_ORDER = ("AWAKE", "LIGHT", "DEEP", "REM")
CLASSIC_ORDER = ("ASLEEP", "RESTLESS", "AWAKE")

Stage = tuple[int, int, str]  # (start s, end s, type)


@dataclass(frozen=True)
class SessionPlan:
    """A sleep session as it physically happened (stages are those of the processed view)."""

    start: int
    end: int
    main: bool
    staged: bool  # STAGES once processed (else CLASSIC)
    stages: tuple[Stage, ...]
    short_awakenings: tuple[tuple[int, int], ...]
    created_us: int
    processed_us: int
    session_id: str


@dataclass(frozen=True)
class SleepSession:
    """Ground truth: one session exactly as the API serves it at some ``as_of``.

    Stage tuples are (start ms, start offset s, end ms, end offset s, type); ``summary`` holds
    the ``summary`` fields as ints, ``stages_summary`` as {type: (minutes, count)}.
    """

    id: str
    name: str
    start_ms: int
    start_offset_s: int
    end_ms: int
    end_offset_s: int
    sleep_type: str
    main_sleep: bool
    nap: bool
    processed: bool
    stages: list[tuple[int, int, int, int, str]]
    short_awakenings: list[tuple[int, int, int, int, str]]
    summary: dict
    device: str
    stages_status: str | None = None
    create_time_us: int = 0
    update_time_us: int = 0
    form_factor: str = field(default="", repr=False)


def plan_session(rng: random.Random, seed: int, start: int, end: int, *, main: bool,
                 staged: bool) -> SessionPlan:
    """Generate a session's stages, awakenings and bookkeeping times."""
    stages = _staged(rng, start, end, main) if staged else _classic(rng, start, end)
    awakenings = _short_awakenings(rng, stages) if staged else ()
    created_us = end * 1_000_000 + rng.randrange(1_000_000)
    processed_us = (end + PROCESSING_DELAY_S - rng.randrange(60, 1800)) * 1_000_000 + rng.randrange(
        1_000_000
    )
    sid = str(7_000_000_000_000_000_000 + digest_int(seed, "sleep-id", start) % 2_000_000_000_000_000_000)
    return SessionPlan(start, end, main, staged, stages, awakenings, created_us, processed_us, sid)


def _units(rng: random.Random, lo_min: float, hi_min: float) -> int:
    return rng.randint(int(lo_min * 2), int(hi_min * 2)) * UNIT


def _lay(start: int, end: int, pieces: list[tuple[str, int]]) -> tuple[Stage, ...]:
    """Lay (type, length) pieces from ``start``, truncating at ``end``; merge equal neighbours."""
    out: list[list] = []
    t = start
    for kind, length in pieces:
        if t >= end or length <= 0:
            continue
        e = min(t + length, end)
        if out and out[-1][2] == kind:
            out[-1][1] = e
        else:
            out.append([t, e, kind])
        t = e
    if t < end:  # pad the tail
        if out and out[-1][2] == pieces[-1][0]:
            out[-1][1] = end
        else:
            out.append([t, end, "LIGHT" if pieces[-1][0] in STAGED_ORDER else "ASLEEP"])
    return tuple((s, e, k) for s, e, k in out)


def _staged(rng: random.Random, start: int, end: int, main: bool) -> tuple[Stage, ...]:
    lead = 0 if rng.random() < 0.2 else _units(rng, 1, 20 if main else 6)
    tail = 0 if rng.random() < 0.3 else _units(rng, 1, 12 if main else 4)
    body_end = max(end - tail, start + lead + UNIT)
    pieces: list[tuple[str, int]] = [("AWAKE", lead)]
    t, cycle = start + lead, 0
    while t < body_end:
        deep = _units(rng, 15, 40) if cycle < 2 else (_units(rng, 0, 15) if cycle < 4 else 0)
        rem = _units(rng, 3, 10) if cycle == 0 else _units(rng, 10, 35)
        cycle_pieces = [("LIGHT", _units(rng, 10, 30)), ("DEEP", deep),
                        ("LIGHT", _units(rng, 5, 15)), ("REM", rem)]
        if rng.random() < 0.35:
            cycle_pieces.append(("AWAKE", _units(rng, 1, 4)))
        pieces.extend(cycle_pieces)
        t += sum(length for _, length in cycle_pieces)
        cycle += 1
    body = _lay(start, body_end, pieces)
    if body_end < end:  # awake after the final wake-up (minutesAfterWakeUp)
        if body[-1][2] == "AWAKE":
            body = body[:-1] + ((body[-1][0], end, "AWAKE"),)
        else:
            body = body + ((body_end, end, "AWAKE"),)
    return body


def _classic(rng: random.Random, start: int, end: int) -> tuple[Stage, ...]:
    pieces: list[tuple[str, int]] = []
    if rng.random() < 0.6:
        pieces.append(("AWAKE", _units(rng, 1, 8)))
    t = start + sum(length for _, length in pieces)
    while t < end:
        chunk = [("ASLEEP", _units(rng, 15, 70))]
        chunk.append(("RESTLESS", _units(rng, 1, 6)) if rng.random() < 0.7 else ("AWAKE", _units(rng, 1, 4)))
        pieces.extend(chunk)
        t += sum(length for _, length in chunk)
    return _lay(start, end, pieces)


def _short_awakenings(rng: random.Random, stages: tuple[Stage, ...]) -> tuple[tuple[int, int], ...]:
    hosts = [s for s in stages if s[2] in ("LIGHT", "REM") and s[1] - s[0] >= 8 * UNIT]
    picks: set[tuple[int, int]] = set()
    for _ in range(rng.randint(1, 5) if hosts else 0):
        s, e, _k = rng.choice(hosts)
        length = rng.randint(1, 3) * UNIT
        at = s + rng.randint(1, (e - s - length) // UNIT - 1) * UNIT
        picks.add((at, at + length))
    ordered: list[tuple[int, int]] = []
    for a, b in sorted(picks):
        if not ordered or a >= ordered[-1][1]:
            ordered.append((a, b))
    return tuple(ordered)


def summarize(start: int, end: int, stages: tuple[Stage, ...], staged: bool) -> dict:
    """The ``summary`` block as ints, derived from the stages.

    minutesInSleepPeriod = duration // 60; minutesAwake = (AWAKE [+ RESTLESS for CLASSIC]) // 60;
    minutesAsleep = the rest; toFallAsleep / afterWakeUp = leading / trailing AWAKE stage;
    stagesSummary per type = (seconds // 60, number of stages).
    """
    period = (end - start) // 60
    if not stages:  # unprocessed: no stage information yet
        return {"minutes_in_sleep_period": period, "minutes_asleep": period, "minutes_awake": 0,
                "minutes_to_fall_asleep": 0, "minutes_after_wake_up": 0, "stages_summary": {}}
    seconds: dict[str, int] = {}
    counts: dict[str, int] = {}
    for s, e, kind in stages:
        seconds[kind] = seconds.get(kind, 0) + (e - s)
        counts[kind] = counts.get(kind, 0) + 1
    awake_kinds = ("AWAKE",) if staged else ("AWAKE", "RESTLESS")
    awake = sum(seconds.get(k, 0) for k in awake_kinds) // 60
    order = STAGED_ORDER if staged else CLASSIC_ORDER
    return {
        "minutes_in_sleep_period": period,
        "minutes_asleep": period - awake,
        "minutes_awake": awake,
        "minutes_to_fall_asleep": (stages[0][1] - stages[0][0]) // 60 if stages[0][2] == "AWAKE" else 0,
        "minutes_after_wake_up": (stages[-1][1] - stages[-1][0]) // 60 if stages[-1][2] == "AWAKE" else 0,
        "stages_summary": {k: (seconds[k] // 60, counts[k]) for k in order if k in counts},
    }


def served(plan: SessionPlan, as_of_ms: int, zones: ZoneHistory, user_id: str) -> SleepSession | None:
    """The session as the API shows it at ``as_of_ms``; ``None`` while it has not ended."""
    if plan.end * 1000 > as_of_ms:
        return None
    processed = as_of_ms >= (plan.end + PROCESSING_DELAY_S) * 1000
    off = zones.offset_at

    def span(a: int, b: int, kind: str) -> tuple[int, int, int, int, str]:
        return (a * 1000, off(a), b * 1000, off(b), kind)

    stages = plan.stages if processed else ()
    staged = plan.staged and processed
    if processed:
        status = "SUCCEEDED" if plan.staged else ("REJECTED_COVERAGE" if plan.main else "REJECTED_NAP")
    else:
        status = None
    dev = device_at(plan.start)
    return SleepSession(
        id=plan.session_id,
        name=f"users/{user_id}/dataTypes/sleep/dataPoints/{plan.session_id}",
        start_ms=plan.start * 1000,
        start_offset_s=off(plan.start),
        end_ms=plan.end * 1000,
        end_offset_s=off(plan.end),
        sleep_type="STAGES" if staged else "CLASSIC",
        main_sleep=plan.main,
        nap=not plan.main,
        processed=processed,
        stages=[span(s, e, k) for s, e, k in stages],
        short_awakenings=[span(a, b, "AWAKE") for a, b in plan.short_awakenings] if processed else [],
        summary=summarize(plan.start, plan.end, stages, staged),
        device=dev.display_name,
        stages_status=status,
        create_time_us=plan.created_us,
        update_time_us=plan.processed_us if processed else plan.created_us,
        form_factor=dev.form_factor,
    )
