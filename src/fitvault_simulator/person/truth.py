"""Ground truth per vault table: what a perfect sync of the simulated person must store.

Each data-type family registers its functions with :func:`register`; the person's
:meth:`~fitvault_simulator.person.SyntheticPerson.truth` dispatches on the vault table name.
A function takes ``(person, lo, hi, as_of_ms)`` where ``lo``/``hi`` are epoch ms for timed tables
and ``datetime.date`` for daily/rollup tables, and returns rows as dicts keyed by the vault's
column names (``docs/schema.md``), with ``device`` (the source's display name, ``""`` for
reconciled rollups) in place of ``source_id``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TruthFn = Callable[[Any, Any, Any, int], list[dict]]
TRUTH: dict[str, TruthFn] = {}


def register(*tables: str) -> Callable[[TruthFn], TruthFn]:
    """Decorator: ``fn`` is the ground truth of these vault tables."""

    def deco(fn: TruthFn) -> TruthFn:
        for t in tables:
            TRUTH[t] = fn
        return fn

    return deco
