"""Deterministic, order-independent random streams: one ``random.Random`` per (seed, purpose, key)."""

from __future__ import annotations

import hashlib
import random


def stream(seed: int, *parts: object) -> random.Random:
    """A ``random.Random`` seeded from ``seed`` and ``parts`` (stable across runs and processes)."""
    return random.Random(digest_int(seed, *parts))


def digest_int(seed: int, *parts: object, bits: int = 64) -> int:
    """A stable ``bits``-bit integer hash of ``seed`` and ``parts``."""
    text = "\x1f".join([str(seed), *map(str, parts)]).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=bits // 8).digest(), "big")
