"""Yahoo spark over real sockets: batching, unknown symbols, fallback to charts, host-wide 429."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.faultserver import SPARK_LIMIT, Fault, FaultServer
from tui.data.clock import VirtualClock
from tui.data.errors import ErrorKind, FetchError
from tui.data.governor import Governor
from tui.data.http import Fetcher, make_client
from tui.data.providers.yahoo import YahooChartProvider

SYMBOLS = [f"SYM{i}.X" for i in range(45)]


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with FaultServer() as started:
        yield started


@pytest.fixture(autouse=True)
def clean(server: FaultServer) -> Iterator[None]:
    server.clear()
    server.requests.clear()
    server.unknown.clear()
    yield
    server.clear()


def spark_requests(server: FaultServer) -> list[str]:
    return [r.path for r in server.requests if r.path.startswith("/v7/finance/spark")]


async def test_45_symbols_cost_three_spark_requests_and_unknown_ones_are_not_found(
    server: FaultServer,
) -> None:
    server.unknown.update({"SYM3.X", "SYM44.X"})
    async with make_client() as client:
        provider = YahooChartProvider(Fetcher(client, governor=Governor(clock=VirtualClock())))
        provider.base_url = server.url
        result = await provider.fetch(SYMBOLS)
    assert len(server.requests) == 3  # ⌈45/20⌉, no chart requests
    assert len(spark_requests(server)) == 3
    assert result.frame.height == 43
    assert {(e.symbol, e.kind) for e in result.errors} == {
        ("SYM3.X", ErrorKind.NO_DATA),
        ("SYM44.X", ErrorKind.NO_DATA),
    }
    assert provider.note is None


@pytest.mark.parametrize("fault", [Fault.HTML, Fault.SCHEMA_DRIFT, "400"])
async def test_spark_failing_as_a_whole_falls_back_to_charts(
    server: FaultServer, fault: Fault | str
) -> None:
    if fault == "400":  # what Yahoo answers above 20 symbols (were its limit to drop)
        server.spark_limit = 2
    else:
        server.fault("/v7/finance/spark", fault)
    try:
        async with make_client() as client:
            clock = VirtualClock()
            provider = YahooChartProvider(Fetcher(client, governor=Governor(clock=clock)))
            provider.base_url = server.url
            result = await provider.fetch(SYMBOLS[:5])
            assert result.frame.height == 5  # every price, from charts
            assert result.errors == ()
            assert provider.note is not None and "per-symbol charts" in provider.note
            server.requests.clear()
            await provider.fetch(SYMBOLS[:5])  # spark is not asked again for a while
            assert spark_requests(server) == []
    finally:
        server.spark_limit = SPARK_LIMIT


async def test_a_host_wide_429_stops_every_request_to_the_host(server: FaultServer) -> None:
    server.fault_host(Fault.RATE_LIMIT_SECONDS, retry_after=120)
    clock = VirtualClock()
    async with make_client() as client:
        provider = YahooChartProvider(Fetcher(client, governor=Governor(clock=clock)))
        provider.base_url = server.url
        with pytest.raises(FetchError) as info:
            await provider.fetch(SYMBOLS)  # three batches: one is sent, the rest refused
        assert info.value.kind is ErrorKind.RATE_LIMITED
        sent = len(server.requests)
        assert 1 <= sent <= 3  # batches already on the wire when the 429 came back
        for _ in range(9):  # more than the deadline (10 s) left: refused, not sent
            clock.advance(11.9)
            with pytest.raises(FetchError):
                await provider.fetch(SYMBOLS)
        assert len(server.requests) == sent  # nothing within Retry-After
        server.clear()
        clock.advance(13)
        # After the pause the three batches leave one token at a time (no budget: 1 a second).
        task = asyncio.create_task(provider.fetch(SYMBOLS))
        await clock.run_for(3)
        result = await task
    assert result.frame.height == 45
