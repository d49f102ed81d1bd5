"""altitude: altitude *gained* over an interval (a change, not a height above sea level), in
millimetres (discovery document ``Altitude``; docs/facts/google-health-api.md#data-types: a true-zero type)::

    {"altitude": {"interval": {...}, "gainMillimeters": "3048"}}

``gainMillimeters`` is a required int64 string within [-1e9, 1e9] (discovery document: a
negative gain is allowed).
"""

from __future__ import annotations

from fitvault.datatypes.base import ACTIVITY_SCOPE
from fitvault.datatypes.generic import IntervalStream, integer
from fitvault.datatypes.tables import TABLES_BY_NAME


class Altitude(IntervalStream):
    name = data_type = "altitude"
    key = "altitude"
    scopes = (ACTIVITY_SCOPE,)
    table_info = TABLES_BY_NAME["altitude"]
    records_per_day_guess = 30.0
    fields = (("gain_mm", integer("gainMillimeters", required=True, valid=(-1_000_000_000, 1_000_000_000))),)
