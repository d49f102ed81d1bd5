"""Account context read at the start of each sync: the user's time zone and units (settings)
and the paired devices with their last sync time (docs/facts/google-health-api.md#identity-profile-settings-and-devices). ``fitvault status`` shows the
devices to explain gaps ("the watch last synced three days ago"); the Python API uses the time
zone to index frames. Two requests per run; a refusal (scope not granted) is logged, not fatal.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from fitvault import errors, timeutil
from fitvault.sources.google.client import HealthApiClient
from fitvault.store import upsert
from fitvault.store.vault import Vault, VaultView

log = logging.getLogger("fitvault.sync")

_UNIT_KEYS = ("distanceUnit", "weightUnit", "heightUnit", "temperatureUnit", "waterUnit", "glucoseUnit", "swimUnit")


def refresh_context(vault: Vault, client: HealthApiClient) -> None:
    """Store the settings' time zone/offset/units and upsert the paired devices."""
    try:
        settings = client.settings()
    except (errors.PermissionDenied, errors.NotFound, errors.InvalidArgument) as exc:
        log.warning("settings not readable (%s); the time zone is not known", exc)
    else:
        values: dict[str, str | None] = {}
        if isinstance(settings.get("timeZone"), str) and settings["timeZone"]:
            values["time_zone"] = settings["timeZone"]
        try:
            offset = timeutil.parse_offset_s(settings.get("utcOffset"))
        except (TypeError, ValueError, OverflowError, AttributeError):
            offset = None
        if offset is not None and abs(offset) <= 18 * 3600 and settings.get("utcOffset") is not None:
            values["utc_offset_s"] = str(offset)
        units = {k: settings[k] for k in _UNIT_KEYS if k in settings}
        if units:
            values["display_units"] = json.dumps(units, sort_keys=True)
        if values:
            vault.set_account(**values)
    try:
        devices = client.paired_devices()
    except (errors.PermissionDenied, errors.NotFound, errors.InvalidArgument) as exc:
        log.warning("paired devices not readable (%s)", exc)
        return
    seen = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    with vault.transaction() as conn:
        upsert.write(conn, "devices", [
            (
                (d.get("name") or "").rsplit("/", 1)[-1], d.get("deviceVersion"), d.get("deviceType"),
                d.get("batteryStatus"), d.get("batteryLevel"), d.get("lastSyncTime"), d.get("macAddress"),
                json.dumps(d.get("features") or []), seen,
            )
            for d in devices if d.get("name")
        ])


def devices(vault: VaultView) -> list[dict]:
    """The paired devices fitvault has seen, most recently synced first."""
    rows = vault.conn.execute(
        "SELECT id, device_version, device_type, battery_status, battery_level, last_sync_time, seen_at "
        "FROM devices ORDER BY last_sync_time DESC"
    ).fetchall()
    keys = ("id", "device", "type", "battery_status", "battery_level", "last_sync_time", "seen_at")
    return [dict(zip(keys, r)) for r in rows]
