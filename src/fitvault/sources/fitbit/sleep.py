"""Sleep logs, v1.2, by date range (at most 100 days per call). See docs/facts/fitbit-legacy-api.md#endpoints-and-range-limits, docs/facts/fitbit-legacy-api.md#response-shapes::

    GET /1.2/user/-/sleep/date/2024-02-01/2024-03-01.json
    {"sleep": [{"logId": 45012345678, "dateOfSleep": "2024-03-02", "startTime": "2024-03-01T23:05:30.000",
      "duration": 27720000, "type": "stages", "isMainSleep": true, "levels": {"data": [{"dateTime": ...,
      "level": "wake", "seconds": 300}, ...], "shortData": [...], "summary": {"deep": {"count", "minutes"}}},
      "minutesAsleep": 407, "minutesAwake": 55, "minutesToFallAsleep": 0, "minutesAfterWakeup": 0,
      "timeInBed": 462, "infoCode": 0, "logType": "auto_detected"}]}

Into the same tables as the Google sleep type: ``sleep_sessions`` (id = the ``logId``, the id
Fitbit's own exports use), ``sleep_stages`` (``levels.data`` as ``stage``, ``shortData`` as
``short_awakening``) and ``sleep_stage_summary``. Levels map to the vault's names: stages
``wake light deep rem`` → ``AWAKE LIGHT DEEP REM``; classic ``asleep restless awake`` →
``ASLEEP RESTLESS AWAKE``.

Times are local without an offset: the start is read in the profile's zone, the end is the start
plus ``duration``, and the stage times are resolved in order (:mod:`fitvault.timeutil`), so a night
across a DST change is exact. Legacy ``minutesAwake`` leaves out the minutes to fall asleep and
after waking (``timeInBed`` = the four summed, docs/facts/fitbit-legacy-api.md#response-shapes); the vault's ``minutes_awake``
counts all awake minutes of the sleep period, so they are added back. ``meta`` (stages still
being computed) means ``processed = 0``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fitvault.datatypes.base import ParsedPage
from fitvault.datatypes.sleep import Sleep
from fitvault.sources.fitbit.base import NO_DEVICE, FitbitStream, Request, collect, zone_of
from fitvault.timeutil import Zone, local_date, parse_iso_wall

_LEVELS = {"wake": "AWAKE", "light": "LIGHT", "deep": "DEEP", "rem": "REM",
           "asleep": "ASLEEP", "restless": "RESTLESS", "awake": "AWAKE"}
# infoCode (docs/facts/fitbit-legacy-api.md#response-shapes): 0 sufficient data, 1 insufficient heart-rate data, 2 too short, 3 server issue.
_INFO = {1: "REJECTED_COVERAGE", 2: "REJECTED_NAP", 3: "REJECTED_SERVER"}


def _level(name: Any) -> str:
    return _LEVELS.get(str(name), str(name).upper())


def _spans(zone: Zone, items: list, start_ms: int, kind: str) -> list[tuple]:
    walls = [parse_iso_wall(x["dateTime"]) for x in items]
    out = []
    for (ms, off), x in zip(zone.sequence(walls, start_ms), items):
        end = ms + int(x["seconds"]) * 1000
        out.append((kind, ms, off, end, zone.offset_at(end), _level(x["level"])))
    return out


def _minutes(log: dict, key: str) -> int | None:
    value = log.get(key)
    return None if value is None else int(value)


class SleepLogs(FitbitStream):
    name = "fitbit:sleep"
    data_type = "sleep"
    scopes = ("sleep",)
    max_days = 100
    overlap = timedelta(days=7)  # sleep is re-processed after the night

    path_template = "/1.2/user/-/sleep/date/{first}/{last}.json"
    vault_type = Sleep()

    def parse_response(self, body: Any, request: Request) -> ParsedPage:
        zone = zone_of(request)

        def one(log: dict) -> tuple:
            start_ms, start_off = zone.resolve(parse_iso_wall(log["startTime"]))
            end_ms = start_ms + int(log["duration"])
            if end_ms < start_ms:
                raise ValueError("sleep session ends before it starts")
            levels = log.get("levels") or {}
            parts = _spans(zone, levels.get("data") or [], start_ms, "stage")
            parts += _spans(zone, levels.get("shortData") or [], start_ms, "short_awakening")
            stage_summary = sorted(
                (_level(k), int(v.get("minutes", 0)), int(v.get("count", 0)))
                for k, v in (levels.get("summary") or {}).items() if isinstance(v, dict)
            )
            staged = log.get("type") == "stages"
            fall, after = _minutes(log, "minutesToFallAsleep"), _minutes(log, "minutesAfterWakeup")
            awake = _minutes(log, "minutesAwake")
            if awake is not None:
                awake += (fall or 0) + (after or 0)
            info = log.get("infoCode")
            status = ("SUCCEEDED" if staged else None) if info in (0, None) else _INFO.get(info, f"INFO_CODE_{info}")
            main = bool(log.get("isMainSleep"))
            session = (
                str(log["logId"]), NO_DEVICE, start_ms, start_off, end_ms, zone.offset_at(end_ms),
                "STAGES" if staged else "CLASSIC", int(main), int(not main), int("meta" not in log), status,
                int(log.get("logType") == "manual"), _minutes(log, "timeInBed"), _minutes(log, "minutesAsleep"),
                awake, fall, after, None, None,
            )
            return (session, sorted(parts), stage_summary, local_date(start_ms, start_off))

        return collect(self.entries(body, "sleep"), one)
