"""The importers' column-at-once helpers give exactly what their one-by-one counterparts give
(issue #17: the fast paths must not change a single stored value)."""

from __future__ import annotations

import random

import numpy as np

from fitvault.importers._clock import Clock, parse_mdy, parse_mdy_many
from fitvault.importers._fingerprint import QUARTER_S, Fingerprints
from fitvault.timeutil import Zone


def test_mdy_stamps_at_once_match_one_by_one():
    rng = random.Random(17)
    texts = [f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(9, 30):02d} "
             f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}" for _ in range(5000)]
    texts += ["02/29/24 23:59:59", "12/31/99 00:00:00", "01/01/00 00:00:00"]
    assert parse_mdy_many(texts).tolist() == [parse_mdy(t) for t in texts]
    assert parse_mdy_many([]).tolist() == []


def test_mdy_stamps_at_once_refuse_what_needs_the_careful_parser():
    good = "03/01/24 00:00:05"
    for odd in ("02/29/23 00:00:00", "02/30/24 00:00:00", "13/01/24 00:00:00", "00/10/24 00:00:00",
                "01/01/24 24:00:00", "01/01/24 00:60:00", "01/01/24 00:00:60", " 3/01/24 00:00:05",
                "03/01/24 00:00:05 ", "03-01-24 00:00:05", "03/01/24T00:00:05", "03/01/24", "03/01/24 00:00:0٥"):
        assert parse_mdy_many([good, odd]) is None, odd


def test_fingerprints_at_once_keep_what_one_by_one_keeps():
    rng = random.Random(5)
    start = 1_711_929_600_000  # 2024-04-01T00:00:00Z
    one, many = Fingerprints(), Fingerprints()
    for part in range(3):  # several files in a row: the quarter of the last record carries over
        utc = np.sort(start + part * 3_600_000 + np.array([rng.randrange(0, 3_600_000, 1000) for _ in range(400)]))
        utc = np.concatenate([utc[:5], utc[4:5], utc[5:]])  # a repeated instant
        values = np.array([rng.randint(40, 180) for _ in utc], dtype=np.int64)
        for t, v in zip(utc.tolist(), values.tolist()):
            one.add("heart_rate", t, v)
        many.add_many("heart_rate", utc, values)
    one.freeze()
    many.freeze()
    assert many.has("heart_rate")
    assert np.array_equal(one._sorted["heart_rate"], many._sorted["heart_rate"])
    assert len(one._sorted["heart_rate"]) <= 3 * 3600 // QUARTER_S


def test_zone_offsets_at_once_match_the_zone_across_dst():
    zone = Zone("America/New_York")
    clock = Clock(zone)
    spring, fall = 1_710_054_000_000, 1_730_613_600_000  # 2024-03-10T07:00Z, 2024-11-03T06:00Z (the changes)
    utc = np.concatenate([np.arange(t - 7_200_000, t + 7_200_000, 60_000) for t in (spring, fall)]
                         + [np.array([1_704_067_200_000])])
    assert clock.zone_offsets(utc).tolist() == [zone.offset_at(t) for t in utc.tolist()]
