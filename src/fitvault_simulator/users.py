"""Identity, profile, settings, IRN profile and paired devices (docs/facts/google-health-api.md#identity-profile-settings-and-devices, docs/facts/google-health-api.md#payload-shapes)."""

from __future__ import annotations

from datetime import datetime, timedelta

from . import wire
from .errors import ApiError, invalid_argument, not_found
from .listing import page_size
from .person import SyntheticPerson
from .person.devices import DEVICE_HISTORY
from .person.rand import digest_int


def identity(person: SyntheticPerson) -> dict:
    """``users.getIdentity``: exactly these three keys (docs/facts/google-health-api.md#identity-profile-settings-and-devices, P-DGH)."""
    return {"name": "users/me/identity", "healthUserId": person.health_user_id,
            "legacyUserId": person.legacy_user_id}


def profile(person: SyntheticPerson, now: datetime, *, membership_start: bool = True) -> dict:
    """``users.getProfile``: ``age`` (on the person's local date) and ``membershipStartDate``
    (live payloads carry little more; django-google-health's live profile had ``age`` only, so
    ``membership_start=False`` leaves the date out)."""
    _zone, offset = person.zone_at(now)
    out = {"name": f"users/{person.health_user_id}/profile",
           "age": person.age_on((now + timedelta(seconds=offset)).date())}
    if membership_start:
        out["membershipStartDate"] = wire.date_json(person.history_start)
    return out


def settings(person: SyntheticPerson, now: datetime) -> dict:
    """``users.getSettings``: zone and offset in force now; display units (docs/facts/google-health-api.md#payload-shapes example)."""
    zone, offset = person.zone_at(now)
    return {"name": f"users/{person.health_user_id}/settings", "timeZone": zone,
            "utcOffset": wire.duration(offset),
            "distanceUnit": "DISTANCE_UNIT_KILOMETERS", "weightUnit": "WEIGHT_UNIT_KILOGRAMS",
            "heightUnit": "HEIGHT_UNIT_CENTIMETERS", "temperatureUnit": "TEMPERATURE_UNIT_CELSIUS",
            "waterUnit": "WATER_UNIT_ML", "glucoseUnit": "GLUCOSE_UNIT_MG_DL",
            "swimUnit": "SWIM_UNIT_METERS", "languageLocale": "en_US", "foodLanguageCode": "en-US"}


def irn_profile(person: SyntheticPerson) -> dict:
    """``users.getIrnProfile``: not enrolled (false/unset fields are omitted)."""
    return {"name": f"users/{person.health_user_id}/irnProfile"}


def _devices(person: SyntheticPerson, now: datetime) -> list[dict]:
    """Devices paired by ``now``, most recent first; the current one synced in the last 15 min."""
    now_s = int(now.timestamp())
    out = []
    worn = [(t, d) for t, d in DEVICE_HISTORY if t <= now_s]
    for i, (_start, dev) in enumerate(reversed(worn)):
        current = i == 0
        retired_at = now_s if current else worn[len(worn) - i][0]
        sync = retired_at - retired_at % 900 + digest_int(person.seed, "sync", dev.device_id, retired_at // 900) % 60
        sync = min(sync, retired_at)
        level = 15 + digest_int(person.seed, "battery", dev.device_id, sync // 3600) % 86 if current else 0
        status = "High" if level >= 60 else "Medium" if level >= 25 else "Low" if level > 0 else "Empty"
        item = {"name": f"users/{person.health_user_id}/pairedDevices/{dev.device_id}",
                "deviceVersion": dev.display_name, "deviceType": "TRACKER", "batteryStatus": status,
                "batteryLevel": level, "lastSyncTime": wire.timestamp(sync * 1000),
                "macAddress": dev.mac_address, "features": list(dev.features)}
        if not level:
            del item["batteryLevel"]  # proto3 JSON omits a zero int32
        out.append(item)
    return out


def paired_devices(person: SyntheticPerson, now: datetime, query: dict[str, str], page_max: int = 100) -> dict:
    """``users.pairedDevices.list``: pages of ``pageSize`` (default 5, max 100, larger coerced)
    with a ``nextPageToken`` while more follow (DISC)."""
    size = page_size(query.get("pageSize"), min(5, page_max), page_max)
    start = 0
    if query.get("pageToken"):
        token = query["pageToken"]
        if not (token.startswith("pd-") and token[3:].isdigit()):
            raise ApiError(400, "Invalid page token.", "INVALID_PAGE_TOKEN")
        start = int(token[3:])
    devices = _devices(person, now)
    out: dict = {"pairedDevices": devices[start:start + size]}
    if start + size < len(devices):
        out["nextPageToken"] = f"pd-{start + size}"
    return out


def paired_device(person: SyntheticPerson, now: datetime, device_id: str) -> dict:
    """``users.pairedDevices.get``."""
    for d in _devices(person, now):
        if d["name"].endswith("/" + device_id):
            return d
    if not device_id.replace("-", "").isalnum():
        raise invalid_argument(f"Invalid paired device id: {device_id}")
    raise not_found()


