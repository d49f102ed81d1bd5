"""``list`` and ``reconcile`` (docs/facts/google-health-api.md#list-and-paging, docs/facts/google-health-api.md#reconcile) and ``get`` (docs/facts/google-health-api.md#get): paging over streams."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import catalog as c
from . import faults, filters, fitness_api, serialize, streams, vitals_api, wire
from .errors import invalid_argument, not_found, unsupported_action
from .paging import PageTokens, params_digest
from .person import SyntheticPerson

FAMILIES = ("all-sources", "google-wearables", "google-sources", "self-sources")
_FAMILY = re.compile(r"users/([A-Za-z0-9-]{1,63})/dataSourceFamilies/([a-z-]+)")


@dataclass(frozen=True)
class ListRequest:
    """The validated parameters of one list/reconcile call."""

    operation: str  # "list" | "reconcile"
    dtype: c.DataType
    user_id: str
    query: dict[str, str]
    refused: tuple[str, ...]  # config.list_refused_types
    empty_page_every: int
    as_of_ms: int


def page_size(raw: str | None, default: int, maximum: int) -> int:
    """Parse ``pageSize``: default if absent, silently clamped to the maximum (docs/facts/google-health-api.md#list-and-paging), else 400."""
    if raw is None:
        return default
    try:
        n = int(raw.strip())
    except ValueError:
        raise invalid_argument(f"Invalid value at 'page_size' (TYPE_INT32), \"{raw}\"") from None
    if n <= 0:
        raise invalid_argument("page_size must be positive.")
    return min(n, maximum)


def data_source_family(raw: str | None, user_id: str, dtype: c.DataType, operation: str) -> str:
    """Validate ``dataSourceFamily`` (docs/facts/google-health-api.md#list-and-paging): a full resource name, not on list for sleep/food."""
    if raw is None:
        return "all-sources"
    m = _FAMILY.fullmatch(raw)
    if m is None or m.group(1) not in ("me", user_id) or m.group(2) not in FAMILIES:
        raise invalid_argument(f"Invalid data source family: {raw}", "INVALID_DATA_POINT_DATA_SOURCE_FAMILY")
    if operation == "list" and dtype.id in ("sleep", "food", "food-measurement-unit"):
        hint = " For sleep, use ReconcileDataPoints instead." if dtype.id == "sleep" else ""
        raise invalid_argument(f"dataSourceFamily is not supported for data type {dtype.id}.{hint}",
                               "INVALID_DATA_POINT_DATA_SOURCE_FAMILY")
    return m.group(2)


def list_points(req: ListRequest, person: SyntheticPerson, tokens: PageTokens) -> dict | wire.JsonText:
    """One page of ``list`` / ``reconcile``: ``{"dataPoints": [...], "nextPageToken": "..."}``."""
    dtype, q = req.dtype, req.query
    _check_action(req)
    size = page_size(q.get("pageSize"), dtype.page_default, dtype.page_max)
    family = data_source_family(q.get("dataSourceFamily"), req.user_id, dtype, req.operation)
    flt = filters.parse(q.get("filter", ""), dtype)
    digest = params_digest(req.operation, req.user_id, dtype.id, q.get("filter", ""),
                           q.get("pageSize"), q.get("dataSourceFamily"))
    state = tokens.decode(q["pageToken"], digest) if q.get("pageToken") else {}
    page_no, was_empty = int(state.get("k", 1)), bool(state.get("e", False))

    n = req.empty_page_every
    if n > 0 and page_no % n == 0 and not was_empty:
        # docs/facts/google-health-api.md#list-and-paging: an empty page can still carry a nextPageToken
        nxt = dict(state, k=page_no + 1, e=True)
        return {"dataPoints": [], "nextPageToken": tokens.encode(nxt, digest)}

    factory = streams.STREAMS.get(dtype.id)
    if factory is None or family == "self-sources":  # known type without data, or our own writes
        return {"dataPoints": [], "nextPageToken": ""}
    stream = factory(person, req.as_of_ms)
    # google-wearables excludes manual entries (docs/facts/google-health-api.md#list-and-paging); streams that have them say which
    manual = getattr(stream, "manual", None) if family == "google-wearables" else None
    pager = _Pager(stream, flt, manual, req.operation == "reconcile", state, page_no, tokens, digest)
    return pager.serve(size)


def _check_action(req: ListRequest) -> None:
    dtype = req.dtype
    if req.operation == "list" and dtype.id in req.refused:
        raise unsupported_action(dtype.id, "List", dtype.allowed_actions(req.refused))
    if req.operation == "reconcile" and not dtype.reconcile:
        raise unsupported_action(dtype.id, "Reconcile", dtype.allowed_actions(req.refused))


_Walked = list[tuple[int, int, tuple]]  # (key, tiebreak, record), newest first


@dataclass
class _Pager:
    """One page of a stream after the token's position, with the data faults applied."""

    stream: Any
    flt: Any
    manual: Callable[[tuple], bool] | None
    reconciled: bool
    state: dict[str, Any]
    page_no: int
    tokens: PageTokens
    digest: str

    def walk(self, limit: int, stop: list | None = None) -> tuple[_Walked, bool]:
        """Up to ``limit`` records after the token's position as (key, tiebreak, record), and
        whether more follow; ``stop`` = [key, tiebreak] of the last record to serve."""
        out: _Walked = []
        add, key_of, manual = out.append, self.stream.key, self.manual  # ~1 µs per point matters at 10000 a page
        upto, upto_tb = self.state.get("t"), int(self.state.get("b", -1))
        prev_key, tb = None, -1
        for rec in self.stream.iter_desc(self.flt, upto):
            if manual is not None and manual(rec):
                continue
            key = key_of(rec)
            tb = tb + 1 if key == prev_key else 0
            prev_key = key
            if key == upto and tb <= upto_tb:
                continue  # already served on an earlier page
            if stop is not None and (key < stop[0] or (key == stop[0] and tb > stop[1])):
                return out, True
            if len(out) == limit:
                return out, True
            add((key, tb, rec))
        return out, False

    def token(self, last: tuple[int, int, tuple] | list, **extra: object) -> str:
        return self.tokens.encode({"t": last[0], "b": last[1], "k": self.page_no + 1, "e": False, **extra},
                                  self.digest)

    def page(self, records: _Walked, next_token: str) -> dict | wire.JsonText:
        to_text = getattr(self.stream, "to_text", None)
        if to_text is not None:  # the fast path of the high-volume types (see .wire)
            return wire.page_text([to_text(r, self.reconciled) for _k, _b, r in records], next_token)
        return {"dataPoints": [self.stream.to_json(r, self.reconciled) for _k, _b, r in records],
                "nextPageToken": next_token}

    def serve(self, size: int) -> dict | wire.JsonText:
        state = self.state
        if "stop" in state:
            # The newer page a ``disorder`` fault held back: serve it, then go on after the older one.
            held, _ = self.walk(size, state["stop"])
            return self.page(held, self.token(state["then"]) if state["more"] else "")
        fault = faults.current_data_fault()
        if fault == "disorder":
            return self._disorder(size)
        got, more = self.walk(size)
        next_token = self.token(got[-1]) if more and got else ""
        if fault != "duplicate":
            return self.page(got, next_token)
        if next_token and len(got) > 1:
            # Step the token back: the next page starts with this page's last points again.
            next_token = self.token(got[-1 - min(len(got) // 10 + 1, len(got) - 1)])
        points = [self.stream.to_json(r, self.reconciled) for _k, _b, r in got]
        return {"dataPoints": [p for i, p in enumerate(points) for _ in range(2 if i % 5 == 0 else 1)],
                "nextPageToken": next_token}

    def _disorder(self, size: int) -> dict | wire.JsonText:
        got, more = self.walk(2 * size)
        rng = random.Random(self.page_no * 7919 + len(got))
        if len(got) > size:  # serve the older page first; the token remembers the newer one
            newer, older = got[:size], got[size:]
            held = dict(self.state, k=self.page_no + 1, e=False, stop=list(newer[-1][:2]),
                        then=list(older[-1][:2]), more=more)
            rng.shuffle(older)
            return self.page(older, self.tokens.encode(held, self.digest))
        rng.shuffle(got)  # the last page: only its order is wrong
        return self.page(got, "")


def get_point(dtype: c.DataType, point_id: str, person: SyntheticPerson, as_of_ms: int) -> dict:
    """``get`` one identifiable data point (sleep; exercise; weight, body fat and height)."""
    if not dtype.identifiable:
        raise unsupported_action(dtype.id, "Get", dtype.allowed_actions())
    if dtype.id == "sleep" and point_id.isdigit():
        session = person.session_by_id(point_id, as_of_ms)
        if session is not None:
            return serialize.sleep(session, reconciled=False)
    for family in (fitness_api, vitals_api):
        if dtype.id in family.GET_TYPES:
            point = family.get_point(dtype.id, person, point_id, as_of_ms)
            if point is not None:
                return point
    raise not_found()
