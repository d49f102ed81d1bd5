"""GPS tracks of exercises and their TCX documents (Garmin Training Center Database v2).

A track has one trackpoint every 5 s of active time (pauses have none) plus one at the end of
each active stretch; each stretch is one ``Lap``. Positions are a smooth random walk from where
the person is staying that keeps within ~3 km of the start, advancing by the distance the
exercise records for each minute; the altitude follows the minute's altitude change linearly;
``HeartRateBpm`` is the last heart-rate sample at most 15 s old. Without GPS (``partialData``
exports) trackpoints carry time, distance and heart rate only.
"""

from __future__ import annotations

import bisect
import math
import random
from datetime import datetime, timezone
from typing import NamedTuple

STEP_S = 5
_MM_PER_DEGREE = 111_320_000  # of latitude (and of longitude at the equator)
_RANGE_MM = 3_000_000


class Origin(NamedTuple):
    """Where tracks start: degrees and metres above sea level."""

    lat: float
    lon: float
    alt_m: float


class TrackMinute(NamedTuple):
    """One active minute of an exercise: its start (epoch s), distance and altitude change (mm)."""

    t: int
    mm: int
    alt_mm: int


class Trackpoint(NamedTuple):
    """One trackpoint; position and altitude are None without GPS, bpm without a recent sample."""

    t: int
    lat: float | None
    lon: float | None
    alt_m: float | None
    dist_m: float
    bpm: int | None


def trackpoints(minutes: list[TrackMinute], segments: list[tuple[int, int]], hr: list[tuple[int, int]],
                origin: Origin | None, rng: random.Random) -> list[list[Trackpoint]]:
    """Trackpoints of each segment (a [first, end) range of ``minutes``); ``hr`` is the
    exercise's heart rate as ascending (epoch ms, bpm)."""
    hr_times = [t for t, _b in hr]

    def bpm(t: int) -> int | None:
        i = bisect.bisect_right(hr_times, t * 1000) - 1
        return hr[i][1] if i >= 0 and t * 1000 - hr_times[i] <= 15_000 else None

    x = y = 0.0  # mm east / north of the start
    heading = rng.uniform(0, 2 * math.pi)
    lat0 = lon0 = 0.0
    if origin is not None:
        lat0, lon0 = origin.lat + rng.uniform(-0.01, 0.01), origin.lon + rng.uniform(-0.01, 0.01)
    cos_lat = math.cos(math.radians(lat0))
    alt = 0.0  # mm above the origin's altitude
    dist = 0.0  # mm

    def point(t: int) -> Trackpoint:
        if origin is None:
            return Trackpoint(t, None, None, None, round(dist / 1000, 2), bpm(t))
        lat = round(lat0 + y / _MM_PER_DEGREE, 7)
        lon = round(lon0 + x / (_MM_PER_DEGREE * cos_lat), 7)
        return Trackpoint(t, lat, lon, round(origin.alt_m + alt / 1000, 1), round(dist / 1000, 2), bpm(t))

    out = []
    for k0, k1 in segments:
        pts = []
        for k in range(k0, k1):
            m = minutes[k]
            step, climb = m.mm / (60 / STEP_S), m.alt_mm / (60 / STEP_S)
            for j in range(0, 60, STEP_S):
                pts.append(point(m.t + j))
                heading += rng.gauss(0.0, 0.12)
                if math.hypot(x, y) > _RANGE_MM:  # turn back towards the start
                    home = math.atan2(-x, -y)
                    heading += 0.3 * math.atan2(math.sin(home - heading), math.cos(home - heading))
                x += step * math.sin(heading)
                y += step * math.cos(heading)
                alt += climb
                dist += step
        if k1 > k0:
            pts.append(point(minutes[k1 - 1].t + 60))
        out.append(pts)
    return out


def _iso(t: int) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def render_tcx(sport: str, start: int, minutes: list[TrackMinute], segments: list[tuple[int, int]],
               points: list[list[Trackpoint]], kcal_milli: list[int]) -> str:
    """The TCX text: one ``Activity`` (``sport``: Running, Biking or Other) with one ``Lap`` per
    segment; lap calories from the per-minute ``kcal_milli``."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">',
           "  <Activities>", f'    <Activity Sport="{sport}">', f"      <Id>{_iso(start)}</Id>"]
    for (k0, k1), pts in zip(segments, points):
        if k1 <= k0:
            continue
        beats = [p.bpm for p in pts if p.bpm is not None]
        out += [f'      <Lap StartTime="{_iso(minutes[k0].t)}">',
                f"        <TotalTimeSeconds>{60 * (k1 - k0)}.0</TotalTimeSeconds>",
                f"        <DistanceMeters>{sum(m.mm for m in minutes[k0:k1]) / 1000:.3f}</DistanceMeters>",
                f"        <Calories>{round(sum(kcal_milli[k0:k1]) / 1000)}</Calories>"]
        if beats:
            out += [f"        <AverageHeartRateBpm><Value>{round(sum(beats) / len(beats))}</Value></AverageHeartRateBpm>",
                    f"        <MaximumHeartRateBpm><Value>{max(beats)}</Value></MaximumHeartRateBpm>"]
        out += ["        <Intensity>Active</Intensity>", "        <TriggerMethod>Manual</TriggerMethod>",
                "        <Track>"]
        for p in pts:
            out.append("          <Trackpoint>")
            out.append(f"            <Time>{_iso(p.t)}</Time>")
            if p.lat is not None:
                out.append(f"            <Position><LatitudeDegrees>{p.lat:.7f}</LatitudeDegrees>"
                           f"<LongitudeDegrees>{p.lon:.7f}</LongitudeDegrees></Position>")
                out.append(f"            <AltitudeMeters>{p.alt_m:.1f}</AltitudeMeters>")
            out.append(f"            <DistanceMeters>{p.dist_m:.2f}</DistanceMeters>")
            if p.bpm is not None:
                out.append(f"            <HeartRateBpm><Value>{p.bpm}</Value></HeartRateBpm>")
            out.append("          </Trackpoint>")
        out += ["        </Track>", "      </Lap>"]
    out += ["    </Activity>", "  </Activities>", "</TrainingCenterDatabase>", ""]
    return "\n".join(out)
