"""Records -> docs/facts/google-health-api.md#payload-shapes JSON shapes (list ``DataPoint``, reconcile ``ReconciledDataPoint``)."""

from __future__ import annotations

from datetime import date

from . import wire
from .person.devices import DEVICES
from .person.sleep import SleepSession

_ACTIVE_METADATA = ',"metadata":{"motionContext":"ACTIVE","sensorLocation":"WRIST"}'
_PASSIVE_TEXT = [wire.dumps(wire.data_source("PASSIVELY_MEASURED", d.display_name, d.form_factor)) for d in DEVICES]


def _source(method: str, dev_index: int) -> dict:
    d = DEVICES[dev_index]
    return wire.data_source(method, d.display_name, d.form_factor)


def heart_rate_text(rec: tuple, reconciled: bool) -> str:
    """One ``heartRate`` sample (docs/facts/google-health-api.md#payload-shapes); metadata only on in-workout samples."""
    t, off, bpm, dev, active = rec
    body = (f'"heartRate":{{"sampleTime":{wire.sample_time_text(t, off)},"beatsPerMinute":"{bpm}"'
            f'{_ACTIVE_METADATA if active else ""}}}}}')
    return "{" + body if reconciled else f'{{"dataSource":{_PASSIVE_TEXT[dev]},{body}'


def steps_text(rec: tuple, reconciled: bool) -> str:
    """One 1-minute ``steps`` interval with civil times. ``count`` is always there, a zero as
    ``"0"``: it is required (DISC) and present on every live list point (docs/facts/google-health-api.md#settled-by-captured-payloads; haelan
    field map), unlike the omitted zeros of other interval types."""
    s, so, e, eo, count, _omitted, dev = rec
    body = f'{{"interval":{wire.interval_text(s, so, e, eo)},"count":"{count}"}}'
    return wire.point_text("steps", body, reconciled, _PASSIVE_TEXT[dev])


def resting_heart_rate(rec: tuple, reconciled: bool) -> dict:
    """One ``dailyRestingHeartRate`` (docs/facts/google-health-api.md#payload-shapes)."""
    d, bpm, method, dev = rec
    body = {"date": wire.date_json(d), "beatsPerMinute": str(bpm),
            "dailyRestingHeartRateMetadata": {"calculationMethod": method}}
    if reconciled:
        return {"dailyRestingHeartRate": body}
    return {"dataSource": _source("DERIVED", dev), "dailyRestingHeartRate": body}


def _span(st: tuple) -> dict:
    s, so, e, eo, kind = st
    return {"startTime": wire.timestamp(s), "startUtcOffset": wire.duration(so),
            "endTime": wire.timestamp(e), "endUtcOffset": wire.duration(eo), "type": kind}


def sleep(s: SleepSession, reconciled: bool) -> dict:
    """One ``sleep`` session: no civil times on the interval (docs/facts/google-health-api.md#record-shapes observed shape);
    no stages / stagesSummary while unprocessed; ``nap`` only when true."""
    summary = s.summary
    body: dict = {
        "interval": {"startTime": wire.timestamp(s.start_ms), "startUtcOffset": wire.duration(s.start_offset_s),
                     "endTime": wire.timestamp(s.end_ms), "endUtcOffset": wire.duration(s.end_offset_s)},
        "type": s.sleep_type,
    }
    if s.stages:
        body["stages"] = [_span(x) for x in s.stages]
    if s.short_awakenings:
        body["shortAwakenings"] = [_span(x) for x in s.short_awakenings]
    meta: dict = {}
    if s.stages_status:
        meta["stagesStatus"] = s.stages_status
    meta["processed"] = s.processed
    meta["mainSleep"] = s.main_sleep
    if s.nap:
        meta["nap"] = True
    body["metadata"] = meta
    out_summary: dict = {
        "minutesInSleepPeriod": str(summary["minutes_in_sleep_period"]),
        "minutesAfterWakeUp": str(summary["minutes_after_wake_up"]),
        "minutesToFallAsleep": str(summary["minutes_to_fall_asleep"]),
        "minutesAsleep": str(summary["minutes_asleep"]),
        "minutesAwake": str(summary["minutes_awake"]),
    }
    if summary["stages_summary"]:
        out_summary["stagesSummary"] = [{"type": k, "minutes": str(m), "count": str(n)}
                                        for k, (m, n) in summary["stages_summary"].items()]
    body["summary"] = out_summary
    body["createTime"] = wire.timestamp_us(s.create_time_us)
    body["updateTime"] = wire.timestamp_us(s.update_time_us)
    if reconciled:
        return {"dataPointName": s.name, "sleep": body}
    return {"name": s.name, "dataSource": wire.data_source("DERIVED", s.device, s.form_factor), "sleep": body}


def daily_bucket(first: date, end: date, key: str, value: dict) -> dict:
    """A ``DailyRollupDataPoint`` (docs/facts/google-health-api.md#daily-rollups): civil bounds with ``"time": {}``."""
    return {"civilStartTime": wire.civil_midnight(first), "civilEndTime": wire.civil_midnight(end), key: value}


def physical_bucket(start_ms: int, end_ms: int, key: str, value: dict) -> dict:
    """A ``RollupDataPoint`` (docs/facts/google-health-api.md#rollups-over-physical-windows)."""
    return {"startTime": wire.timestamp(start_ms), "endTime": wire.timestamp(end_ms), key: value}
