"""hydration-log and nutrition-log: logged drinks and food (discovery document ``HydrationLog``,
``NutritionLog``; shapes believed from it, no live capture found)::

    {"name": ".../dataTypes/hydration-log/dataPoints/...", "hydrationLog": {"interval": {...},
       "amountConsumed": {"milliliters": 250, "userProvidedUnit": "CUP_US"}}}
    {"nutritionLog": {"interval": {...}, "foodDisplayName": "Oatmeal", "mealType": "BREAKFAST",
       "energy": {"kcal": 150}, "energyFromFat": {"kcal": 25}, "totalCarbohydrate": {"grams": 27},
       "totalFat": {"grams": 3}, "serving": {"amount": 1, "foodMeasurementUnit": "...",
       "foodMeasurementUnitDisplayName": "cup"}, "nutrients": [{"nutrient": "PROTEIN",
       "quantity": {"grams": 5}}]}}

Both need the ``nutrition.readonly`` scope, which is opt-in (``--scopes +nutrition``; see
:data:`fitvault.datatypes.base.NUTRITION_SCOPE` for why). ``serving_unit`` keeps the display
name when sent, else the unit's resource name. ``nutrients`` is stored as a JSON object.
"""

from __future__ import annotations

import json

from fitvault.datatypes.base import NUTRITION_SCOPE, req_str
from fitvault.datatypes.generic import SessionStream, number, text
from fitvault.datatypes.tables import TABLES_BY_NAME

_QTY = (0, 100_000)  # EnergyQuantity / WeightQuantity / VolumeQuantity range (discovery document)
_grams = number("quantity", "grams", required=True, valid=_QTY)


def _nutrients(body: dict) -> str | None:
    entries = body.get("nutrients")
    if not entries:
        return None
    if not isinstance(entries, list):
        raise TypeError("nutrients is not a list")
    out: dict[str, float] = {}
    for e in entries:
        name = req_str(e.get("nutrient"), "nutrient")
        out[name] = out.get(name, 0.0) + _grams(e)
    return json.dumps(out, sort_keys=True)


def _serving_unit(body: dict) -> str | None:
    return text("serving", "foodMeasurementUnitDisplayName")(body) or text("serving", "foodMeasurementUnit")(body)


class HydrationLog(SessionStream):
    name = data_type = "hydration-log"
    key = "hydrationLog"
    scopes = (NUTRITION_SCOPE,)
    opt_in = "nutrition"
    table_info = TABLES_BY_NAME["hydration_log"]
    records_per_day_guess = 4.0
    fields = (
        ("volume_ml", number("amountConsumed", "milliliters", required=True, valid=_QTY)),
        ("user_provided_unit", text("amountConsumed", "userProvidedUnit")),
    )


class NutritionLog(SessionStream):
    name = data_type = "nutrition-log"
    key = "nutritionLog"
    scopes = (NUTRITION_SCOPE,)
    opt_in = "nutrition"
    table_info = TABLES_BY_NAME["nutrition_log"]
    records_per_day_guess = 5.0
    fields = (
        ("food_display_name", text("foodDisplayName")),
        ("food", text("food")),
        ("meal_type", text("mealType")),
        ("energy_kcal", number("energy", "kcal", valid=_QTY)),
        ("energy_from_fat_kcal", number("energyFromFat", "kcal", valid=_QTY)),
        ("carbohydrate_g", number("totalCarbohydrate", "grams", valid=_QTY)),
        ("fat_g", number("totalFat", "grams", valid=_QTY)),
        ("serving_amount", number("serving", "amount")),
        ("serving_unit", _serving_unit),
        ("nutrients", _nutrients),
    )
