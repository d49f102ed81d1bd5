"""swim-lengths-data: one interval per pool length (discovery document ``SwimLengthsData``)::

    {"swimLengthsData": {"interval": {...}, "strokeCount": "14", "swimStrokeType": "FREESTYLE"}}

Both members are required by the discovery document; Takeout's GoogleData CSV of the same type
shows ``SWIM_STROKE_TYPE_UNSPECIFIED`` on an Inspire 3, so any enum value is stored as sent.
"""

from __future__ import annotations

from fitvault.datatypes.base import ACTIVITY_SCOPE
from fitvault.datatypes.generic import IntervalStream, integer, text
from fitvault.datatypes.tables import TABLES_BY_NAME


class SwimLengths(IntervalStream):
    name = data_type = "swim-lengths-data"
    key = "swimLengthsData"
    scopes = (ACTIVITY_SCOPE,)
    table_info = TABLES_BY_NAME["swim_lengths"]
    records_per_day_guess = 2.0
    fields = (
        ("stroke_count", integer("strokeCount", required=True, valid=(0, 100_000))),
        ("stroke_type", text("swimStrokeType")),
    )
