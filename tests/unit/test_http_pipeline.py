"""The one send pipeline (fitvault.http) with a fake error model and limiter over httpx.MockTransport:
retries and backoff, Retry-After, quota refusals, cancellation mid-wait, hooks, fatal errors, secrets."""

from __future__ import annotations

import logging
import threading

import httpx
import pytest
from support.fake_api import scripted

from fitvault import errors
from fitvault.http import Call, Cancelled, Hooks, Pipeline, RefusalBudget, Retry, RetryPolicy, Waiter
from fitvault.sources.fitbit.ratelimit import HourlyLimiter, Quota

TOKEN = "ya29.a0-secret-access-token"


class FakeLimiter:
    """Records every call the pipeline makes; a refusal waits the Retry-After, else 9 s."""

    def __init__(self) -> None:
        self.events: list[tuple] = []

    def acquire(self, wait: Waiter) -> None:
        self.events.append(("acquire",))

    def learn(self, headers) -> None:
        self.events.append(("learn", headers.get("x-quota")))

    def refused(self, headers, retry_after, backoff) -> float:
        self.events.append(("refused", retry_after))
        return retry_after if retry_after is not None else 9.0

    def hold(self, seconds: float, wait: Waiter) -> None:
        self.events.append(("hold", seconds))
        wait(seconds)


class FakeModel:
    """200: the JSON; 429: a refusal; 5xx: retry (with the Retry-After); anything else: fatal."""

    def __init__(self, refusals: RefusalBudget | None = None) -> None:
        self.refusals = refusals
        self.secrets: list[tuple[str, ...]] = []

    def judge(self, response: httpx.Response, call: Call, secrets: tuple[str, ...]):
        self.secrets.append(secrets)
        status = response.status_code
        if status == 200:
            return response.json()
        retry_after = float(response.headers["retry-after"]) if "retry-after" in response.headers else None
        error = errors.ApiError(response.text, http_status=status, retry_after=retry_after)
        if status == 429:
            return Retry(error, wait=retry_after, refused=True)
        if status >= 500:
            return Retry(error, wait=retry_after)
        raise error



def make(transport, *, attempts=4, sleeps=None, limiter=None, secrets=None, hooks=None, waiter=None):
    sleeps = sleeps if sleeps is not None else []
    return Pipeline(httpx.Client(transport=transport), limiter or FakeLimiter(), RetryPolicy(attempts=attempts),
                    waiter=waiter or Waiter(sleeps.append), seed=1, secrets=secrets, hooks=hooks)


CALL = Call("GET", "http://api.test/v1/x", "/x", params={"a": "1"})


def test_success_at_once_acquires_learns_and_judges():
    transport, seen = scripted([httpx.Response(200, json={"ok": 1}, headers={"x-quota": "9"})])
    limiter = FakeLimiter()
    pipeline = make(transport, limiter=limiter)
    assert pipeline.send(CALL, FakeModel()) == {"ok": 1}
    assert str(seen[0].url) == "http://api.test/v1/x?a=1"
    assert limiter.events == [("acquire",), ("learn", "9")]
    assert pipeline.requests_sent == 1


def test_transport_errors_and_5xx_are_retried_with_backoff_and_jitter():
    sleeps: list[float] = []
    limiter = FakeLimiter()
    transport, seen = scripted([httpx.ConnectError("reset"), httpx.Response(503, text="busy"),
                                httpx.Response(502, text="bad"), httpx.Response(200, json=[])])
    pipeline = make(transport, sleeps=sleeps, limiter=limiter)
    assert pipeline.send(CALL, FakeModel()) == []
    assert len(seen) == 4 and pipeline.requests_sent == 4
    assert 1.0 <= sleeps[0] <= 1.25 and 2.0 <= sleeps[1] <= 2.5 and 4.0 <= sleeps[2] <= 5.0
    # no response, nothing to learn from: the transport error left no "learn"
    assert [e[0] for e in limiter.events] == ["acquire", "acquire", "learn", "acquire", "learn", "acquire", "learn"]


def test_the_retry_budget_spent_raises_the_last_error():
    transport, seen = scripted([httpx.ConnectError("reset"), httpx.Response(500, text="first"),
                                httpx.Response(500, text="last")])
    with pytest.raises(errors.ApiError) as info:
        make(transport, attempts=3).send(CALL, FakeModel())
    assert info.value.message == "last" and len(seen) == 3


def test_a_transport_error_outlasting_the_budget_is_a_typed_transport_error():
    transport, _ = scripted([httpx.ReadTimeout("slow")] * 2)
    with pytest.raises(errors.TransportError, match=r"^GET /x: ReadTimeout: slow$") as info:
        make(transport, attempts=2).send(CALL, FakeModel())
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)


def test_a_fatal_error_is_not_retried():
    transport, seen = scripted([httpx.Response(403, text="no"), httpx.Response(200, json={})])
    sleeps: list[float] = []
    with pytest.raises(errors.ApiError, match="no"):
        make(transport, sleeps=sleeps).send(CALL, FakeModel())
    assert len(seen) == 1 and sleeps == []


def test_retry_after_is_waited_exactly_and_one_too_long_ends_the_request():
    sleeps: list[float] = []
    transport, seen = scripted([httpx.Response(503, headers={"Retry-After": "7"}), httpx.Response(200, json={})])
    make(transport, sleeps=sleeps).send(CALL, FakeModel())
    assert sleeps == [7.0] and len(seen) == 2

    transport, seen = scripted([httpx.Response(503, headers={"Retry-After": "301"})])
    with pytest.raises(errors.ApiError):
        make(transport, sleeps=sleeps).send(CALL, FakeModel())
    assert len(seen) == 1 and sleeps == [7.0]


def test_a_refusal_without_a_budget_is_one_of_the_tries_and_holds_the_limiter():
    sleeps: list[float] = []
    limiter = FakeLimiter()
    transport, seen = scripted([httpx.Response(429, headers={"Retry-After": "5"}), httpx.Response(429),
                                httpx.Response(429)])
    with pytest.raises(errors.ApiError) as info:
        make(transport, attempts=3, sleeps=sleeps, limiter=limiter).send(CALL, FakeModel())
    assert info.value.http_status == 429 and len(seen) == 3
    assert [e for e in limiter.events if e[0] in ("refused", "hold")] == [
        ("refused", 5.0), ("hold", 5.0), ("refused", None), ("hold", 9.0)]
    assert sleeps == [5.0, 9.0]


def test_refusals_with_a_budget_are_not_tries_and_are_bounded():
    budget = RefusalBudget(max_count=2, max_wait_s=60.0, message="refused: waiting %.0f s")
    sleeps: list[float] = []
    transport, seen = scripted([httpx.Response(429, headers={"Retry-After": "30"}), httpx.Response(429),
                                httpx.Response(200, json={"ok": True})])
    assert make(transport, attempts=1, sleeps=sleeps).send(CALL, FakeModel(budget)) == {"ok": True}
    assert sleeps == [30.0, 9.0] and len(seen) == 3

    transport, seen = scripted([httpx.Response(429)] * 3)
    with pytest.raises(errors.ApiError):
        make(transport, attempts=1).send(CALL, FakeModel(budget))
    assert len(seen) == 3  # the third refusal is one too many

    transport, seen = scripted([httpx.Response(429, headers={"Retry-After": "61"})])
    with pytest.raises(errors.ApiError):
        make(transport).send(CALL, FakeModel(budget))
    assert len(seen) == 1  # longer than the budget's wait


def test_hooks_see_every_try_with_its_status():
    before: list[str] = []
    after: list[tuple] = []
    hooks = Hooks(before=[lambda call: before.append(call.path)],
                  after=[lambda call, status, elapsed: after.append((call.path, status, elapsed >= 0))])
    transport, _ = scripted([httpx.ConnectError("reset"), httpx.Response(500), httpx.Response(200, json={})])
    make(transport, hooks=hooks).send(CALL, FakeModel())
    assert before == ["/x"] * 3
    assert after == [("/x", None, True), ("/x", 500, True), ("/x", 200, True)]


def test_cancel_ends_a_wait_under_way_and_stops_further_requests():
    """The default waiter sleeps on its cancel event: a cancel from another thread ends a long
    Retry-After at once, and every later wait raises until the cancel is reset."""
    first_sent = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        first_sent.set()
        return httpx.Response(503, headers={"Retry-After": "120"})

    pipeline = make(httpx.MockTransport(handler), waiter=Waiter())
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            pipeline.send(CALL, FakeModel())
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert first_sent.wait(10)
    pipeline.cancel()
    worker.join(10)
    assert not worker.is_alive() and isinstance(outcome[0], Cancelled)
    assert pipeline.requests_sent == 1

    with pytest.raises(Cancelled):
        pipeline.send(CALL, FakeModel())  # still cancelled: the first wait ends the request
    assert pipeline.requests_sent == 2
    pipeline.reset_cancel()
    pipeline.retry = RetryPolicy(attempts=1)
    with pytest.raises(errors.ApiError):
        pipeline.send(CALL, FakeModel())
    assert pipeline.requests_sent == 3


def test_a_cancel_ends_the_hourly_limiters_countdown_and_closes_it():
    now = [0.0]
    events = []
    waiter = Waiter(lambda s: None)

    def sleep(seconds: float) -> None:
        now[0] += seconds
        if now[0] >= 3:
            waiter.cancel()

    limiter = HourlyLimiter(margin_s=0.0, clock=lambda: now[0], sleep=sleep, on_wait=events.append)
    limiter.quota = Quota(150, 0, 100.0)
    with pytest.raises(Cancelled):
        limiter.acquire(waiter)
    assert now[0] == 3.0 and [e.seconds_left for e in events] == [100.0, 99.0, 98.0, 0.0]
    assert limiter.waited_s == 3.0


def test_secrets_are_kept_out_of_messages_and_logs(caplog):
    caplog.set_level(logging.DEBUG, logger="fitvault.http")
    model = FakeModel()
    transport, _ = scripted([httpx.ConnectError(f"refused for {TOKEN}")] * 2)
    with pytest.raises(errors.TransportError) as info:
        make(transport, attempts=2, secrets=lambda: [TOKEN, ""]).send(CALL, model)
    assert TOKEN not in str(info.value) and "ya29…(masked)" in str(info.value)
    assert "retrying in" in caplog.text and TOKEN not in caplog.text

    transport, _ = scripted([httpx.Response(200, json={})])
    make(transport, secrets=lambda: [TOKEN]).send(CALL, model)
    assert model.secrets == [(TOKEN,)]  # the model gets them to scrub what the server quoted


def test_the_auths_secrets_are_used_by_default():
    class SigningAuth(httpx.Auth):
        secrets = (TOKEN,)

        def auth_flow(self, request):
            request.headers["Authorization"] = f"Bearer {TOKEN}"
            yield request

    model = FakeModel()
    seen = []
    pipeline = Pipeline(httpx.Client(auth=SigningAuth(), transport=httpx.MockTransport(
        lambda r: seen.append(r) or httpx.Response(200, json={}))), FakeLimiter(), RetryPolicy())
    pipeline.send(CALL, model)
    assert model.secrets == [(TOKEN,)] and seen[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in str(seen[0].url)


def test_both_clients_are_the_pipeline_with_their_hooks_and_cancellation():
    from fitvault.sources.fitbit.client import FitbitClient
    from fitvault.sources.google.client import HealthApiClient
    from fitvault.sources.google.ratelimit import RollingWindowLimiter

    seen: list[tuple] = []
    transport, _ = scripted([httpx.Response(503), httpx.Response(200, json={"timeZone": "UTC"})])
    with HealthApiClient("http://api.test", None, transport=transport, limiter=RollingWindowLimiter(100),
                         sleep=lambda s: None, on_request=lambda *a: seen.append(a[:3])) as google:
        assert google.settings() == {"timeZone": "UTC"} and google.requests_sent == 2
    assert seen == [("GET", "/settings", 503), ("GET", "/settings", 200)]

    transport, sent = scripted([httpx.Response(503), httpx.Response(200, json={"user": {"timezone": "UTC"}})])
    with FitbitClient("http://api.test", None, transport=transport, sleep=lambda s: None) as fitbit:
        fitbit.cancel()
        with pytest.raises(Cancelled):  # the wait before the retry
            fitbit.get("/1/user/-/profile.json")
        assert len(sent) == 1 and fitbit.requests_sent == 1
        fitbit.reset_cancel()
        assert fitbit.profile() == {"timezone": "UTC"}
