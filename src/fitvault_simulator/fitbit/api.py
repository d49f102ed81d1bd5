"""The legacy API's routes (docs/facts/fitbit-legacy-api.md#endpoints-and-range-limits) and their check order.

Order: retired (410 for everything) -> route (404) -> bearer token (401) -> scope (403) ->
rate limit (429; ``Fitbit-Rate-Limit-*`` headers on every authenticated answer) -> the
request's dates and range limit (400) -> data. Only the endpoints fitvault needs, plus their
close relatives, are served; every other path is a 404 in Fitbit's envelope.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from ..errors import Response
from ..person.activity import DAY
from ..person.timezones import EPOCH_ORDINAL
from . import data
from .oauth import VISIT, FitbitError, json_response

if TYPE_CHECKING:
    from .core import FitbitSimulator
    from .server import Request

_U = r"/1/user/(?P<user>[^/]+)"
_D = r"(?P<a>[^/]+)"
_E = r"(?P<b>[^/]+)"
_PERIODS = {"1d": 1, "7d": 7, "30d": 30, "1w": 7, "1m": 31, "3m": 92, "6m": 183, "1y": 365}
_ACTIVITY = ("steps", "distance", "floors", "calories")


@dataclass(frozen=True)
class Route:
    name: str
    pattern: re.Pattern[str]
    scope: str
    max_days: int | None = None  # inclusive dates per request; None: no limit


def _r(name: str, regex: str, scope: str, max_days: int | None = None) -> Route:
    return Route(name, re.compile(regex + r"\.json"), scope, max_days)


ROUTES: tuple[Route, ...] = (
    _r("profile", _U + r"/profile", "profile"),
    _r("devices", _U + r"/devices", "settings"),
    _r("heart-intraday", _U + rf"/activities/heart/date/{_D}/{_E}/(?P<detail>1sec|1min|5min|15min)", "heartrate", 1),
    _r("heart-series", _U + rf"/activities/heart/date/{_D}/{_E}", "heartrate", 366),
    _r("activity-intraday", _U + rf"/activities/(?P<res>steps)/date/{_D}/{_E}/(?P<detail>1min|5min|15min)",
       "activity", 1),
    _r("activity-series", _U + rf"/activities/(?P<res>{'|'.join(_ACTIVITY)})/date/{_D}/{_E}", "activity", 1095),
    _r("activity-list", _U + r"/activities/list", "activity"),
    _r("sleep-range", r"/1\.2/user/(?P<user>[^/]+)" + rf"/sleep/date/{_D}/{_E}", "sleep", 100),
    _r("sleep-date", r"/1\.2/user/(?P<user>[^/]+)" + rf"/sleep/date/{_D}", "sleep", 1),
    _r("hrv-intraday", _U + rf"/hrv/date/{_D}(?:/{_E})?/all", "heartrate", 30),
    _r("hrv", _U + rf"/hrv/date/{_D}(?:/{_E})?", "heartrate", 30),
    _r("spo2-intraday", _U + rf"/spo2/date/{_D}(?:/{_E})?/all", "oxygen_saturation", 30),
    _r("spo2", _U + rf"/spo2/date/{_D}(?:/{_E})?", "oxygen_saturation", None),
    _r("br-intraday", _U + rf"/br/date/{_D}(?:/{_E})?/all", "respiratory_rate", 30),
    _r("br", _U + rf"/br/date/{_D}(?:/{_E})?", "respiratory_rate", 30),
    _r("temp-skin", _U + rf"/temp/skin/date/{_D}(?:/{_E})?", "temperature", 30),
    _r("weight", _U + rf"/body/log/weight/date/{_D}(?:/{_E})?", "weight", 31),
    _r("fat", _U + rf"/body/log/fat/date/{_D}(?:/{_E})?", "weight", 31),
)


def match(path: str) -> tuple[Route, dict[str, str]] | None:
    for route in ROUTES:
        m = route.pattern.fullmatch(path)
        if m:
            return route, {k: v for k, v in m.groupdict().items() if v is not None}
    return None


def not_found() -> Response:
    return FitbitError(404, "not_found", "The API you are requesting could not be found.", "n/a").response()


# -- dates --------------------------------------------------------------------------------------

def _today(sim: FitbitSimulator) -> date:
    """``today`` is the user's day, not the server's (docs/facts/fitbit-legacy-api.md#today-is-the-users-day)."""
    t = sim.clock.now_ms() // 1000
    return date.fromordinal(EPOCH_ORDINAL + (t + sim.person.zones.offset_at(t)) // DAY)


def _date(sim: FitbitSimulator, text: str, field: str) -> date:
    if text == "today":
        return _today(sim)
    try:
        return date.fromisoformat(text) if len(text) == 10 else _bad_date(text, field)
    except ValueError:
        return _bad_date(text, field)


def _bad_date(text: str, field: str) -> date:
    raise FitbitError(400, "validation", f"Invalid date:{text}", field)


def _range(sim: FitbitSimulator, route: Route, args: dict[str, str]) -> tuple[date, date]:
    """(first, last) inclusive, from a date and an end date or a period; checks the range limit."""
    first = _date(sim, args["a"], "date")
    b = args.get("b")
    if b is None or b == "1d":
        last = first
    elif b in _PERIODS:  # {date}/{period}: the period *ends* at the date
        last, first = first, first - timedelta(days=_PERIODS[b] - 1)
    else:
        last = _date(sim, b, "endDate")
    if last < first:
        raise FitbitError(400, "validation", "The start date must be before the end date.", "startDate")
    span = (last - first).days + 1
    if route.max_days is not None and span > route.max_days:
        if route.name.endswith("intraday") and route.name.startswith(("heart", "activity")):
            raise FitbitError(400, "request", "Time range should not be bigger than 24 hours.", "n/a")
        raise FitbitError(400, "validation", f"The date range must not be longer than {route.max_days} days "
                                             f"(asked for {span}).", "endDate")
    return first, last


# -- dispatch -----------------------------------------------------------------------------------

def handle(sim: FitbitSimulator, req: Request, route: Route, args: dict[str, str]) -> Response:
    """The data of an authenticated, admitted request (raises :class:`FitbitError`)."""
    cfg_url = sim.url
    person, as_of = sim.person, sim.clock.now_ms()
    user = args.get("user")
    if user not in ("-", person.legacy_user_id):
        raise FitbitError(403, "insufficient_permissions", "Access denied to the requested user. " + VISIT)
    name = route.name
    if name == "profile":
        return json_response(data.profile(person, as_of))
    if name == "devices":
        return json_response(data.devices(person, as_of))
    if name == "activity-list":
        return _activity_list(sim, req, cfg_url)
    first, last = _range(sim, route, args)
    builders: dict[str, Callable[[], object]] = {
        "heart-intraday": lambda: data.heart_intraday(person, first, args["detail"], as_of),
        "heart-series": lambda: {"activities-heart": data.heart_summary(person, first, last, as_of)},
        "activity-intraday": lambda: data.steps_intraday(person, first, args["detail"], as_of),
        "activity-series": lambda: {f"activities-{args['res']}": data.activity_series(person, args["res"], first,
                                                                                      last, as_of)},
        "sleep-range": lambda: {"sleep": data.sleep_logs(person, first, last, as_of)},
        "sleep-date": lambda: _sleep_by_date(data.sleep_logs(person, first, last, as_of)),
        "hrv": lambda: {"hrv": data.hrv_summary(person, first, last, as_of)},
        "hrv-intraday": lambda: {"hrv": data.hrv_intraday(person, first, last, as_of)},
        "spo2": lambda: _single_or_list(args, data.spo2_summary(person, first, last, as_of)),
        "spo2-intraday": lambda: _single_or_list(args, data.spo2_intraday(person, first, last, as_of),
                                                 empty={"dateTime": first.isoformat(), "minutes": []}),
        "br": lambda: {"br": data.breathing_summary(person, first, last, as_of)},
        "br-intraday": lambda: {"br": data.breathing_intraday(person, first, last, as_of)},
        "temp-skin": lambda: {"tempSkin": data.skin_temperature(person, first, last, as_of)},
        "weight": lambda: {"weight": data.body_logs(person, "weight", first, last, as_of)},
        "fat": lambda: {"fat": data.body_logs(person, "fat", first, last, as_of)},
    }
    return json_response(builders[name]())


def _single_or_list(args: dict[str, str], items: list[dict], empty: dict | None = None) -> object:
    """SpO2 by date is a bare object; by interval a top-level array (docs/facts/fitbit-legacy-api.md#response-shapes)."""
    if "b" in args:
        return items
    return items[0] if items else (empty or {})


def _sleep_by_date(logs: list[dict]) -> dict:
    asleep = sum(x["minutesAsleep"] for x in logs)
    in_bed = sum(x["timeInBed"] for x in logs)
    stages: dict[str, int] = {}
    for x in logs:
        if x["type"] == "stages":
            for k, v in x["levels"]["summary"].items():
                stages[k] = stages.get(k, 0) + v["minutes"]
    summary: dict = {"totalMinutesAsleep": asleep, "totalSleepRecords": len(logs), "totalTimeInBed": in_bed}
    if stages:
        summary["stages"] = stages
    return {"sleep": logs, "summary": summary}


def _when(text: str, field: str) -> int:
    """Local wall seconds of a ``beforeDate`` / ``afterDate`` (a date, or a date and time)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise FitbitError(400, "validation", f"Invalid date:{text}", field) from None
    return int(moment.replace(tzinfo=timezone.utc).timestamp())


def _activity_list(sim: FitbitSimulator, req: Request, base: str) -> Response:
    """``activities/list.json``: beforeDate + sort=desc, or afterDate + sort=asc; limit <= 100."""
    q = req.query
    before, after, sort = q.get("beforeDate"), q.get("afterDate"), q.get("sort", "")
    if (before is None) == (after is None):
        raise FitbitError(400, "validation", "Either beforeDate or afterDate should be specified.", "beforeDate")
    if (before is not None and sort != "desc") or (after is not None and sort != "asc"):
        raise FitbitError(400, "validation", "Sort should be desc with beforeDate and asc with afterDate.", "sort")
    try:
        limit, offset = int(q.get("limit", "")), int(q.get("offset", "0"))
    except ValueError:
        raise FitbitError(400, "validation", "limit and offset must be numbers.", "limit") from None
    if not 1 <= limit <= 100 or offset < 0:
        raise FitbitError(400, "validation", "The limit must be between 1 and 100.", "limit")
    logs = data.exercise_sessions(sim.person, sim.clock.now_ms())
    if before is not None:
        edge = _when(before, "beforeDate")
        chosen = [ex for wall, ex in reversed(logs) if wall < edge]
    else:
        edge = _when(after, "afterDate")  # type: ignore[arg-type]
        chosen = [ex for wall, ex in logs if wall > edge]
    page = chosen[offset:offset + limit]
    params = {k: v for k, v in (("beforeDate", before), ("afterDate", after)) if v is not None}
    pagination: dict = {**params, "limit": limit, "offset": offset, "sort": sort}
    path = f"{base}/1/user/-/activities/list.json?"
    more = offset + limit < len(chosen)
    pagination["next"] = path + urlencode({**params, "sort": sort, "offset": offset + limit, "limit": limit}) if more else ""
    pagination["previous"] = (path + urlencode({**params, "sort": sort, "offset": max(offset - limit, 0),
                                                "limit": limit})) if offset else ""
    return json_response({"activities": [data.exercise_log(sim.person, ex, base) for ex in page],
                          "pagination": pagination})
