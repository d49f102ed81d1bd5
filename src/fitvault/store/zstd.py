"""zstd for the vault's blobs (raw pages, heart-rate day blocks), through pyarrow (a dependency
already, for Parquet; imported on first use only).

Buffers come from the system allocator, not pyarrow's default pool (mimalloc in pyarrow 26):
mimalloc keeps freed memory in per-thread heaps, so the sync's four workers, each compressing
3.5 MB raw pages and re-encoding ~300 KB day blocks, held it apart. Measured: four threads
merging day blocks peaked 75 MB above their start with mimalloc, 26 MB with the system pool
(issue #17, the peak memory of ``fitvault demo --days 365``).
"""

from __future__ import annotations

from typing import Any

_codecs: dict[int, Any] = {}
_pool: Any = None


def _codec(level: int) -> Any:
    global _pool
    codec = _codecs.get(level)
    if codec is None:
        import pyarrow as pa

        _pool = pa.system_memory_pool()
        codec = _codecs[level] = pa.Codec("zstd", level)
    return codec


def compress(data: Any, level: int) -> bytes:
    """``data`` (bytes-like) compressed at ``level``."""
    codec = _codec(level)
    return codec.compress(data, asbytes=True, memory_pool=_pool)


def decompress(data: Any, size: int, *, asbytes: bool = False) -> Any:
    """``data`` decompressed to its known ``size``: a pyarrow ``Buffer`` (numpy can view it
    without a copy), or ``bytes`` with ``asbytes``."""
    codec = _codec(3)  # any level decompresses
    return codec.decompress(data, decompressed_size=size, asbytes=asbytes, memory_pool=_pool)
