"""The request governor: budgets, pauses and clamping, on a fake clock and over real sockets."""

from __future__ import annotations

import asyncio
import itertools
import random

import httpx
import pytest

from tests.faultserver import Fault, FaultServer
from tui.data.clock import FakeClock, VirtualClock
from tui.data.errors import ErrorKind, FetchError
from tui.data.governor import (
    MAX_PAUSE,
    MIN_PAUSE,
    Governor,
    clamp_retry_after,
    service_key,
)
from tui.data.http import Fetcher, make_client, status_error

Q1 = "https://query1.finance.yahoo.com/v7/finance/spark"
Q2 = "https://query2.finance.yahoo.com/v8/finance/chart/X"


def test_query1_and_query2_are_one_service() -> None:
    assert service_key(Q1) == service_key(Q2) == "query.finance.yahoo.com"
    assert service_key("https://finance.yahoo.com/news/rssindex") == "finance.yahoo.com"
    assert service_key("http://127.0.0.1:8080/x") == "127.0.0.1:8080"


@pytest.mark.parametrize(
    ("given", "want"),
    [(-5.0, MIN_PAUSE), (0.0, MIN_PAUSE), (120.0, 120.0), (1e9, MAX_PAUSE), (None, None)],
)
def test_retry_after_is_clamped(given: float | None, want: float | None) -> None:
    assert clamp_retry_after(given) == want


async def test_a_429_on_query1_pauses_query2_until_retry_after() -> None:
    clock = FakeClock()
    gov = Governor(clock=clock)
    assert gov.observe(Q1, 429, 120.0) == 120.0
    clock.advance(5)
    with pytest.raises(FetchError) as info:
        async with gov.slot(Q2):
            pytest.fail("sent during a pause")
    assert info.value.kind is ErrorKind.RATE_LIMITED
    assert info.value.retry_after == pytest.approx(115.0)
    (state,) = gov.states()
    assert (state.key, state.reason, state.paused_for) == (
        "query.finance.yahoo.com",
        "HTTP 429",
        115,
    )
    clock.advance(115)
    async with gov.slot(Q2) as key:
        assert key == "query.finance.yahoo.com"
    assert gov.refused == 1


async def test_other_hosts_are_not_paused() -> None:
    gov = Governor(clock=FakeClock())
    gov.observe("https://api.coingecko.com/x", 429, 60.0)
    async with gov.slot("https://api.exchange.coinbase.com/y"):
        pass
    assert gov.paused_for("https://api.coingecko.com") == 60.0
    assert gov.paused_for("https://api.exchange.coinbase.com") == 0.0


async def test_a_503_pauses_only_with_retry_after_and_418_always() -> None:
    gov = Governor(clock=FakeClock(), rng=random.Random(1))
    assert gov.observe("https://a.test/", 503, None) is None
    assert gov.observe("https://a.test/", 503, 30.0) == 30.0
    pause = gov.observe("https://b.test/", 418, None)
    assert pause is not None and 2.5 <= pause <= 5.0  # exponential with jitter, first step


async def test_without_retry_after_the_pause_grows_exponentially() -> None:
    clock = FakeClock()
    gov = Governor(clock=clock, rng=random.Random(3))
    pauses = []
    for _ in range(5):
        pause = gov.observe("https://a.test/", 429, None)
        assert pause is not None
        pauses.append(pause)
        clock.advance(pause)
    for n, pause in enumerate(pauses):
        raw = 5.0 * 2**n
        assert raw / 2 <= pause <= raw
    gov.observe("https://a.test/", 200, None)  # a success resets the strikes
    again = gov.observe("https://a.test/", 429, None)
    assert again is not None and again <= 5.0


async def test_token_bucket_spreads_requests_over_the_budget() -> None:
    clock = FakeClock()
    gov = Governor(clock=clock, budgets={"a.test": 60.0})  # one a second, burst of 10
    sent: list[float] = []
    for _ in range(25):
        async with gov.slot("https://a.test/x"):
            sent.append(clock.monotonic())
    assert sent[:10] == [0.0] * 10
    assert sent[-1] == pytest.approx(15.0)
    assert all(b - a <= 1.0 + 1e-9 for a, b in itertools.pairwise(sent))


async def test_concurrency_cap_per_service() -> None:
    gov = Governor(clock=FakeClock(), per_host=2)
    peak = running = 0

    async def one(url: str) -> None:
        nonlocal peak, running
        async with gov.slot(url):
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.01)
            running -= 1

    await asyncio.gather(*(one(Q1 if i % 2 else Q2) for i in range(8)))
    assert peak == 2


async def test_fetcher_sends_nothing_to_a_paused_host_over_real_sockets() -> None:
    """Through the real Fetcher: after a 429 with Retry-After 120, zero requests reach the
    server for 120 s of (virtual) time, on every route of that host, then they flow again."""
    clock = VirtualClock()
    with FaultServer(hosts=2) as server:
        server.fault("/v7/finance/spark", Fault.RATE_LIMIT_SECONDS, retry_after=120.0)
        async with make_client() as client:
            fetcher = Fetcher(client, governor=Governor(clock=clock))
            first = await fetcher.get(f"{server.url}/v7/finance/spark?symbols=^GSPC")
            assert first.status == 429
            assert status_error(first).retry_after == 120.0
            server.clear()
            sent = server.request_count
            for _ in range(11):  # while more than the deadline (10 s) is left: refused
                clock.advance(9.9)
                with pytest.raises(FetchError) as info:
                    await fetcher.get(f"{server.url}/v8/finance/chart/^GSPC")
                assert info.value.kind is ErrorKind.RATE_LIMITED
            assert server.request_count == sent  # nothing was sent within Retry-After
            # Another host (another loopback address) was never paused.
            other = await fetcher.get(f"{server.host_url(1)}/v8/finance/chart/^GSPC")
            assert other.status == 200
            sent = server.request_count
            clock.advance(1.2)  # 9.9 s left, within the deadline: the request waits
            waiter = asyncio.create_task(fetcher.get(f"{server.url}/v8/finance/chart/^GSPC"))
            await clock.run_for(9.8)
            assert not waiter.done() and server.request_count == sent
            await clock.run_for(0.2)
            again = await waiter
            assert again.status == 200 and server.request_count == sent + 1


async def test_user_agent_is_configurable() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["user-agent"])
        return httpx.Response(200, json={})

    async with make_client(transport=httpx.MockTransport(handler)) as client:
        await Fetcher(client).get("https://a.test/")
        await Fetcher(client, user_agent="marketmon/1.0 (+me)").get("https://a.test/")
    assert seen[0].startswith("Mozilla/5.0")
    assert seen[1] == "marketmon/1.0 (+me)"
