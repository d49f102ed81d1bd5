"""active-minutes: intervals with minutes per activity level (docs/facts/google-health-api.md#payload-shapes)::

    {"activeMinutes": {"interval": {...}, "activeMinutesByActivityLevel":
        [{"activityLevel": "LIGHT", "activeMinutes": "3"}, ...]}}

At most one entry per level (discovery document); levels absent from the list are 0 minutes.
``list`` for this type is missing from the May 2026 docs table but present later (docs/facts/google-health-api.md#data-types):
if a server refuses it, the sync reports the stream as unsupported and goes on.
"""

from __future__ import annotations

from fitvault.datatypes.base import ACTIVITY_SCOPE
from fitvault.datatypes.generic import IntervalStream, int64
from fitvault.datatypes.tables import TABLES_BY_NAME

_LEVELS = ("LIGHT", "MODERATE", "VIGOROUS")


def _by_level(level: str):
    def get(body: dict) -> int:
        total = 0
        for entry in body.get("activeMinutesByActivityLevel") or ():
            if entry.get("activityLevel") == level:
                total += int64(entry.get("activeMinutes")) or 0
        return total

    return get


class ActiveMinutes(IntervalStream):
    name = data_type = "active-minutes"
    key = "activeMinutes"
    scopes = (ACTIVITY_SCOPE,)
    table_info = TABLES_BY_NAME["active_minutes"]
    records_per_day_guess = 60.0
    fields = tuple((f"{level.lower()}_minutes", _by_level(level)) for level in _LEVELS)
