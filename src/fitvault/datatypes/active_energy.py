"""active-energy-burned: energy burned by activity, BMR excluded, in 1-minute intervals on Fitbits
(docs/facts/google-health-api.md#payload-shapes, live fixture FIX-DGH; discovery document ``ActiveEnergyBurned``)::

    {"activeEnergyBurned": {"interval": {...}, "kcal": 0.7933980000000002}}

``kcal`` is required, within [0, 1000000] (discovery document).
"""

from __future__ import annotations

from fitvault.datatypes.base import ACTIVITY_SCOPE
from fitvault.datatypes.generic import IntervalStream, number
from fitvault.datatypes.tables import TABLES_BY_NAME


class ActiveEnergyBurned(IntervalStream):
    name = data_type = "active-energy-burned"
    key = "activeEnergyBurned"
    scopes = (ACTIVITY_SCOPE,)
    table_info = TABLES_BY_NAME["active_energy"]
    records_per_day_guess = 900.0
    fields = (("active_kcal", number("kcal", required=True, valid=(0, 1_000_000))),)
