"""query1 -> query2 failover over real sockets: two fault servers stand for Yahoo's two hosts.

A 5xx or a refused connection on one is tried once on the other (within the deadline) and the
host is avoided for ``DOWN_FOR`` seconds; a 429, or a 503 with Retry-After, is a rate limit of
the one service and never fails over.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.faultserver import Fault, FaultServer
from tui.data.clock import FakeClock
from tui.data.errors import ErrorKind, FetchError
from tui.data.failover import DOWN_FOR, YAHOO_MIRRORS, Failover
from tui.data.governor import Governor
from tui.data.http import Fetcher, make_client
from tui.data.providers.yahoo import YahooChartProvider

PATH = "/v8/finance/chart/^GSPC"


@pytest.fixture
def pair() -> Iterator[tuple[FaultServer, FaultServer]]:
    with FaultServer() as one, FaultServer() as two:
        yield one, two


def netloc(url: str) -> str:
    return urlsplit(url).netloc


def fetcher_for(client: object, clock: FakeClock, first: str, second: str) -> Fetcher:
    a, b = netloc(first), netloc(second)
    return Fetcher(
        client,  # type: ignore[arg-type]
        governor=Governor(clock=clock),
        failover=Failover(clock, mirrors={a: b, b: a}),
    )


def test_yahoo_hosts_are_each_others_mirror() -> None:
    assert YAHOO_MIRRORS["query1.finance.yahoo.com"] == "query2.finance.yahoo.com"
    assert YAHOO_MIRRORS["query2.finance.yahoo.com"] == "query1.finance.yahoo.com"
    failover = Failover(FakeClock())
    url = "https://query1.finance.yahoo.com/v7/finance/spark?symbols=A"
    failover.mark_down(url)
    assert failover.route(url) == "https://query2.finance.yahoo.com/v7/finance/spark?symbols=A"


@pytest.mark.parametrize("fault", [Fault.SERVER_ERROR, Fault.BAD_GATEWAY])
async def test_a_5xx_fails_over_once_and_the_host_is_avoided_for_a_while(
    pair: tuple[FaultServer, FaultServer], fault: Fault
) -> None:
    one, two = pair
    one.fault_host(fault)
    clock = FakeClock()
    async with make_client() as client:
        fetcher = fetcher_for(client, clock, one.url, two.url)
        resp = await fetcher.get(f"{one.url}{PATH}")
        assert resp.status == 200 and netloc(resp.url) == netloc(two.url)
        assert (one.request_count, two.request_count) == (1, 1)
        for _ in range(3):  # within DOWN_FOR: straight to the healthy host
            clock.advance(DOWN_FOR / 4)
            assert (await fetcher.get(f"{one.url}{PATH}")).status == 200
        assert (one.request_count, two.request_count) == (1, 4)
        clock.advance(DOWN_FOR / 4)  # the time is up: query1 is asked again (still down)
        assert (await fetcher.get(f"{one.url}{PATH}")).status == 200
        assert (one.request_count, two.request_count) == (2, 5)
        assert fetcher.failover is not None and fetcher.failover.switched == 2


async def test_a_refused_connection_fails_over(pair: tuple[FaultServer, FaultServer]) -> None:
    one, two = pair
    dead = one.refused_url()
    async with make_client() as client:
        fetcher = fetcher_for(client, FakeClock(), dead, two.url)
        resp = await fetcher.get(f"{dead}{PATH}")
    assert resp.status == 200 and netloc(resp.url) == netloc(two.url)
    assert two.request_count == 1


@pytest.mark.parametrize(
    ("fault", "options", "status"),
    [
        (Fault.RATE_LIMIT_SECONDS, {"retry_after": 60.0}, 429),
        (Fault.SERVICE_UNAVAILABLE, {"retry_after": 60.0}, 503),
    ],
)
async def test_a_rate_limit_never_fails_over(
    pair: tuple[FaultServer, FaultServer], fault: Fault, options: dict[str, float], status: int
) -> None:
    one, two = pair
    one.fault_host(fault, **options)
    async with make_client() as client:
        fetcher = fetcher_for(client, FakeClock(), one.url, two.url)
        resp = await fetcher.get(f"{one.url}{PATH}")
        assert resp.status == status and two.request_count == 0
        assert fetcher.gov.paused_for(one.url) == 60.0


async def test_a_503_without_retry_after_is_an_outage(
    pair: tuple[FaultServer, FaultServer],
) -> None:
    one, two = pair
    one.fault_host(Fault.SERVICE_UNAVAILABLE)
    async with make_client() as client:
        fetcher = fetcher_for(client, FakeClock(), one.url, two.url)
        assert (await fetcher.get(f"{one.url}{PATH}")).status == 200
    assert two.request_count == 1


async def test_both_hosts_down_costs_two_requests_then_one(
    pair: tuple[FaultServer, FaultServer],
) -> None:
    one, two = pair
    one.fault_host(Fault.BAD_GATEWAY)
    two.fault_host(Fault.BAD_GATEWAY)
    async with make_client() as client:
        fetcher = fetcher_for(client, FakeClock(), one.url, two.url)
        assert (await fetcher.get(f"{one.url}{PATH}")).status == 502
        assert (await fetcher.get(f"{one.url}{PATH}")).status == 502
    assert one.request_count + two.request_count == 3  # never more than one retry


async def test_the_yahoo_provider_keeps_its_prices_through_a_query1_outage(
    pair: tuple[FaultServer, FaultServer],
) -> None:
    one, two = pair
    one.fault_host(Fault.BAD_GATEWAY)
    async with make_client() as client:
        provider = YahooChartProvider(fetcher_for(client, FakeClock(), one.url, two.url))
        provider.base_url = one.url
        result = await provider.fetch(["^GSPC", "GC=F"])
    assert result.frame.height == 2 and not result.errors
    assert [r.path for r in two.requests] == ["/v7/finance/spark"]


async def test_without_a_mirror_a_5xx_is_an_error_as_before(
    pair: tuple[FaultServer, FaultServer],
) -> None:
    one, _two = pair
    one.fault_host(Fault.SERVER_ERROR)
    async with make_client() as client:
        fetcher = Fetcher(client, governor=Governor(clock=FakeClock()))
        assert (await fetcher.get(f"{one.url}{PATH}")).status == 500
        provider = YahooChartProvider(fetcher)
        provider.base_url = one.url
        with pytest.raises(FetchError) as info:
            await provider.fetch_chart("^GSPC")
    assert info.value.kind is ErrorKind.HTTP
    assert one.request_count == 2
