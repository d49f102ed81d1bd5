"""The person's wearables: a Charge 6, then a Pixel Watch 3 (docs/facts/google-health-api.md#record-shapes DataSource.device)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from .timezones import parse_utc


@dataclass(frozen=True)
class Device:
    """One wearable as it appears in ``dataSource.device`` and ``pairedDevices``."""

    display_name: str
    form_factor: str  # DataSource.device.formFactor enum
    device_id: str  # the id in users/{u}/pairedDevices/{id}
    mac_address: str
    features: tuple[str, ...]


CHARGE_6 = Device(
    "Charge 6", "FITNESS_BAND", "2718281828", "A0:B1:C2:D3:E4:F5",
    ("STEPS", "HEART_RATE", "SLEEP", "SPO2"),
)
PIXEL_WATCH_3 = Device(
    "Pixel Watch 3", "WATCH", "3141592653", "B4:C5:D6:E7:F8:09",
    ("STEPS", "HEART_RATE", "SLEEP", "SMART_SLEEP", "SPO2", "ECG"),
)

#: (first epoch second worn, device), ascending.
DEVICE_HISTORY: tuple[tuple[int, Device], ...] = (
    (parse_utc("2000-01-01T00:00:00Z"), CHARGE_6),
    (parse_utc("2026-05-01T00:00:00Z"), PIXEL_WATCH_3),
)
DEVICES: tuple[Device, ...] = tuple(d for _, d in DEVICE_HISTORY)
_STARTS = [t for t, _ in DEVICE_HISTORY]


def device_index_at(t: int) -> int:
    """Index into :data:`DEVICES` of the device worn at epoch second ``t``."""
    return max(bisect.bisect_right(_STARTS, t) - 1, 0)


def device_at(t: int) -> Device:
    """The device worn at epoch second ``t``."""
    return DEVICES[device_index_at(t)]


def switch_points(lo: int, hi: int) -> list[tuple[int, int]]:
    """(epoch second, device index) changes inside [lo, hi), the first at ``lo``."""
    out = [(lo, device_index_at(lo))]
    out.extend((t, i) for i, (t, _) in enumerate(DEVICE_HISTORY) if lo < t < hi)
    return out
