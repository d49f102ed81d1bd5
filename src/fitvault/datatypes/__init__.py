"""The data types fitvault syncs, one module each, and the registry of their streams."""

from __future__ import annotations

from fitvault.datatypes.base import ParsedPage, Stream
from fitvault.datatypes.heart_rate import HeartRate
from fitvault.datatypes.resting_heart_rate import RestingHeartRate
from fitvault.datatypes.sleep import Sleep
from fitvault.datatypes.steps import StepsDaily, StepsMinutes

#: Every stream, in sync order (big intraday types first so they start early).
STREAMS: tuple[Stream, ...] = (HeartRate(), StepsMinutes(), Sleep(), RestingHeartRate(), StepsDaily())
STREAMS_BY_NAME: dict[str, Stream] = {s.name: s for s in STREAMS}
#: Google Health type ids fitvault can sync (what `--types` accepts).
TYPE_IDS: tuple[str, ...] = tuple(dict.fromkeys(s.data_type for s in STREAMS))


def streams_for_types(type_ids: list[str] | None) -> list[Stream]:
    """The streams of the given type ids (all when None), in registry order."""
    if not type_ids:
        return list(STREAMS)
    unknown = sorted(set(type_ids) - set(TYPE_IDS))
    if unknown:
        raise ValueError(f"unknown type(s): {', '.join(unknown)}; known: {', '.join(TYPE_IDS)}")
    return [s for s in STREAMS if s.data_type in type_ids]


__all__ = ["STREAMS", "STREAMS_BY_NAME", "TYPE_IDS", "ParsedPage", "Stream", "streams_for_types"]
