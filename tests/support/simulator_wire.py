"""What the simulator tests (``test_simulator*.py``) share: the wire format parsed independently
of fitvault's own parsers, list walks that follow ``nextPageToken``, and a seeded simulator with
an authorised client."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from fitvault_simulator import Simulator, SimulatorConfig


def ms(text: str) -> int:
    """Epoch milliseconds of an RFC 3339 time (``Z`` or an offset)."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(dt.timestamp()) * 1000 + dt.microsecond // 1000


def secs(duration: str) -> int:
    """Whole seconds of a duration (``"-18000s"``)."""
    assert duration.endswith("s")
    return int(duration[:-1])


def civil_of(t_ms: int, off_s: int) -> datetime:
    """The wall-clock time (naive) of an instant at a UTC offset."""
    return datetime(1970, 1, 1) + timedelta(milliseconds=t_ms + off_s * 1000)


def device(point: dict) -> str:
    """A data point's device name, "" when it has none (as the vault stores it)."""
    return point["dataSource"].get("device", {}).get("displayName", "")


def error_of(r: httpx.Response) -> tuple[int, str, str | None, str]:
    """(code, status, reason or None, message) of an error response."""
    err = r.json()["error"]
    reason = err["details"][0].get("reason") if err.get("details") else None
    return err["code"], err["status"], reason, err["message"]


def list_pages(client: httpx.Client, path: str, **params) -> list[dict]:
    """Every page of a list walk, following ``nextPageToken`` to the end (each page must be a 200)."""
    pages, token = [], None
    while True:
        r = client.get(path, params=dict(params, **({"pageToken": token} if token else {})))
        assert r.status_code == 200, r.text
        page = r.json()
        pages.append(page)
        token = page["nextPageToken"]
        if not token:
            return pages


def list_points(client: httpx.Client, path: str, **params) -> list[dict]:
    """Every data point of a list walk, in order."""
    return [point for page in list_pages(client, path, **params) for point in page["dataPoints"]]


def start_sim(now: datetime, **config) -> Simulator:
    """A started simulator (seed 7) whose clock reads ``now``; ``config``: more SimulatorConfig fields."""
    return Simulator(SimulatorConfig(seed=7, now=now, **config)).start()


def authed(sim: Simulator, scopes=None, *, timeout: float = 10) -> httpx.Client:
    """A client of ``sim`` holding a fresh access token for ``scopes`` (every read scope when None)."""
    token = sim.issue_token(scopes)["access_token"]
    return httpx.Client(base_url=sim.url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout)
