"""The data types of docs/facts/google-health-api.md#data-types: ids, filter prefixes, union keys, record kinds, scopes, ops."""

from __future__ import annotations

from dataclasses import dataclass

SCOPE_PREFIX = "https://www.googleapis.com/auth/googlehealth."
ACTIVITY = SCOPE_PREFIX + "activity_and_fitness.readonly"
METRICS = SCOPE_PREFIX + "health_metrics_and_measurements.readonly"
SLEEP = SCOPE_PREFIX + "sleep.readonly"
NUTRITION = SCOPE_PREFIX + "nutrition.readonly"
LOCATION = SCOPE_PREFIX + "location.readonly"
ECG = SCOPE_PREFIX + "ecg.readonly"
IRN = SCOPE_PREFIX + "irn.readonly"
PROFILE = SCOPE_PREFIX + "profile.readonly"
SETTINGS = SCOPE_PREFIX + "settings.readonly"
REPRODUCTIVE = SCOPE_PREFIX + "reproductive_health.readonly"
SYMPTOMS = SCOPE_PREFIX + "logged_symptoms.readonly"
MINDFULNESS = SCOPE_PREFIX + "mindfulness.readonly"

#: Every read scope (docs/facts/google-health-api.md#endpoints-and-scopes, and the discovery document's reproductive_health,
#: logged_symptoms and mindfulness) — what ``issue_token()`` grants by default.
READ_SCOPES = (ACTIVITY, METRICS, SLEEP, NUTRITION, LOCATION, ECG, IRN, PROFILE, SETTINGS, REPRODUCTIVE, SYMPTOMS,
               MINDFULNESS)
_AREAS = ("activity_and_fitness", "health_metrics_and_measurements", "sleep", "nutrition",
          "location", "ecg", "irn", "profile", "settings", "reproductive_health",
          "logged_symptoms", "mindfulness")
#: Every Health scope the consent screen accepts (read and write variants).
HEALTH_SCOPES = frozenset(SCOPE_PREFIX + a + s for a in _AREAS for s in (".readonly", ".writeonly"))
OTHER_SCOPES = frozenset({"openid", "email", "profile",
                          "https://www.googleapis.com/auth/userinfo.email",
                          "https://www.googleapis.com/auth/userinfo.profile"})

# Record kinds (docs/facts/google-health-api.md#filters table)
SAMPLE, INTERVAL, DAILY, SESSION, SLEEP_KIND, ECG_KIND, FOOD, ROLLUP_ONLY = (
    "sample", "interval", "daily", "session", "sleep", "ecg", "food", "rollup-only")

#: types whose rollUp/dailyRollUp range is capped at 14 days (docs/facts/google-health-api.md#rollups-over-physical-windows, docs/facts/google-health-api.md#daily-rollups)
CAP_14 = frozenset({"heart-rate", "total-calories", "active-minutes", "calories-in-heart-rate-zone"})


@dataclass(frozen=True)
class DataType:
    """One row of docs/facts/google-health-api.md#data-types."""

    id: str
    kind: str
    scope: str
    rollup: bool = False  # has a RollupDataPoint union member (docs/facts/google-health-api.md#rollups-over-physical-windows)
    reconcile: bool = True  # has a ReconciledDataPoint union member (docs/facts/google-health-api.md#reconcile)
    identifiable: bool = False  # has a ``name`` and supports ``get`` (docs/facts/google-health-api.md#get)
    page_max: int = 10_000
    page_default: int = 1440

    @property
    def prefix(self) -> str:
        """Filter prefix: the id in snake_case (docs/facts/google-health-api.md#filters)."""
        return self.id.replace("-", "_")

    @property
    def key(self) -> str:
        """JSON union key: the id in camelCase."""
        head, *rest = self.id.split("-")
        return head + "".join(w.capitalize() for w in rest)

    def allowed_actions(self, list_refused: tuple[str, ...] = ()) -> list[str]:
        """The read methods this type supports (``metadata.allowed_actions`` of a refusal)."""
        out = [] if self.id in list_refused else ["list"]
        out += ["get"] if self.identifiable else []
        out += ["reconcile"] if self.reconcile else []
        if self.rollup:
            out += ["rollUp"] + ([] if self.id in ("activity-level",) else ["dailyRollUp"])
        out += ["exportExerciseTcx"] if self.id == "exercise" else []
        return out

    @property
    def rollup_cap_days(self) -> int:
        """Maximum rollUp / dailyRollUp range in days."""
        return 14 if self.id in CAP_14 else 90


def _t(id: str, kind: str, scope: str, **kw: object) -> DataType:
    return DataType(id, kind, scope, **kw)  # type: ignore[arg-type]


_SESSION_PAGE = {"page_max": 25, "page_default": 25}
_NO_RECONCILE = {"reconcile": False}

TYPES: dict[str, DataType] = {t.id: t for t in (
    _t("active-energy-burned", INTERVAL, ACTIVITY, rollup=True),
    _t("active-minutes", INTERVAL, ACTIVITY, rollup=True),
    _t("active-zone-minutes", INTERVAL, ACTIVITY, rollup=True),
    _t("activity-level", INTERVAL, ACTIVITY, rollup=True),
    _t("altitude", INTERVAL, ACTIVITY, rollup=True),
    _t("basal-energy-burned", INTERVAL, ACTIVITY),
    _t("blood-glucose", SAMPLE, METRICS, rollup=True, identifiable=True),
    _t("body-fat", SAMPLE, METRICS, rollup=True, identifiable=True),
    _t("calories-in-heart-rate-zone", ROLLUP_ONLY, ACTIVITY, rollup=True, **_NO_RECONCILE),
    _t("core-body-temperature", SAMPLE, METRICS, rollup=True, identifiable=True),
    _t("daily-heart-rate-variability", DAILY, METRICS),
    _t("daily-heart-rate-zones", DAILY, METRICS),
    _t("daily-oxygen-saturation", DAILY, METRICS),
    _t("daily-respiratory-rate", DAILY, METRICS),
    _t("daily-resting-heart-rate", DAILY, METRICS),
    _t("daily-sleep-temperature-derivations", DAILY, METRICS),
    _t("daily-vo2-max", DAILY, ACTIVITY),
    _t("distance", INTERVAL, ACTIVITY, rollup=True),
    _t("electrocardiogram", ECG_KIND, ECG, **_NO_RECONCILE),
    _t("exercise", SESSION, ACTIVITY, identifiable=True, **_SESSION_PAGE),
    _t("floors", INTERVAL, ACTIVITY, rollup=True),
    _t("food", FOOD, NUTRITION, **_NO_RECONCILE),
    _t("food-measurement-unit", FOOD, NUTRITION, **_NO_RECONCILE),
    _t("heart-rate", SAMPLE, METRICS, rollup=True),
    _t("heart-rate-variability", SAMPLE, METRICS),
    _t("height", SAMPLE, METRICS, identifiable=True),
    _t("hydration-log", SESSION, NUTRITION, rollup=True, identifiable=True),
    _t("irregular-rhythm-notification", SESSION, IRN, **_NO_RECONCILE),
    _t("menstrual-period", INTERVAL, REPRODUCTIVE, **_NO_RECONCILE),
    _t("moods", SAMPLE, SYMPTOMS, **_NO_RECONCILE),
    _t("ovulation-test", SAMPLE, REPRODUCTIVE, **_NO_RECONCILE),
    _t("symptoms", SAMPLE, SYMPTOMS, **_NO_RECONCILE),
    _t("nutrition-log", SESSION, NUTRITION, rollup=True, identifiable=True),
    _t("oxygen-saturation", SAMPLE, METRICS),
    _t("respiratory-rate-sleep-summary", SAMPLE, METRICS),
    _t("run-vo2-max", SAMPLE, ACTIVITY, rollup=True),
    _t("sedentary-period", INTERVAL, ACTIVITY, rollup=True),
    _t("sleep", SLEEP_KIND, SLEEP, identifiable=True, **_SESSION_PAGE),
    _t("steps", INTERVAL, ACTIVITY, rollup=True),
    _t("swim-lengths-data", INTERVAL, ACTIVITY, rollup=True),
    _t("time-in-heart-rate-zone", INTERVAL, ACTIVITY, rollup=True),
    _t("total-calories", ROLLUP_ONLY, ACTIVITY, rollup=True, **_NO_RECONCILE),
    _t("vo2-max", SAMPLE, ACTIVITY),
    _t("weight", SAMPLE, METRICS, rollup=True, identifiable=True),
)}


def write_scope(read_scope: str) -> str:
    """The ``.writeonly`` twin of a read scope."""
    return read_scope.removesuffix(".readonly") + ".writeonly"
