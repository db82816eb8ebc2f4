"""Requests queued behind a host pause: they wait (unsent) when the pause ends within their
deadline, are refused when it does not, leave one token at a time afterwards, and never pile
up behind the engine's per-symbol scheduling. Virtual time throughout (tui/data/clock.py)."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import pairwise

import httpx
import pytest

from tests.fakes import ScriptedProvider
from tui.data.backoff import Backoff
from tui.data.clock import VirtualClock
from tui.data.engine import Engine, EngineSettings
from tui.data.errors import ErrorKind, FetchError
from tui.data.governor import MAX_WAITERS, Governor
from tui.data.http import Fetcher, make_client
from tui.data.instruments import Instrument
from tui.data.providers.base import ProviderResult

START = datetime(2026, 2, 3, 15, 0, tzinfo=UTC)
URL = "https://query1.finance.yahoo.com/v8/finance/chart/X"


def counting_fetcher(clock: VirtualClock, budget: float | None) -> tuple[Fetcher, list[float]]:
    """A Fetcher (deadline 10 s) over MockTransport recording the virtual time of each send."""
    sent: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(clock.monotonic())
        return httpx.Response(200, json={})

    gov = Governor(clock=clock, default_budget=budget)
    client = make_client(transport=httpx.MockTransport(handler))
    return Fetcher(client, deadline=10.0, governor=gov), sent


async def test_a_request_waits_for_a_pause_that_ends_within_its_deadline() -> None:
    clock = VirtualClock(START)
    fetcher, sent = counting_fetcher(clock, budget=60)
    fetcher.gov.observe(URL, 429, 6.0)
    task = asyncio.create_task(fetcher.get(URL))
    await clock.run_for(5.9)
    assert sent == [] and not task.done()
    (state,) = fetcher.gov.states()
    assert state.waiting == 1
    await clock.run_for(0.1)
    assert (await task).status == 200
    assert sent == [6.0]  # sent the moment the pause ended, not before


async def test_a_pause_longer_than_the_deadline_is_refused_at_once_with_its_wait() -> None:
    clock = VirtualClock(START)
    fetcher, sent = counting_fetcher(clock, budget=60)
    fetcher.gov.observe(URL, 429, 120.0)
    with pytest.raises(FetchError) as info:
        await fetcher.get(URL)
    assert info.value.kind is ErrorKind.RATE_LIMITED
    assert info.value.retry_after == 120.0  # the row says rate-ltd, the status line counts down
    assert sent == [] and clock.monotonic() == 0.0  # refused without waiting


@pytest.mark.parametrize("budget", [60.0, None])
async def test_the_end_of_a_pause_releases_waiters_one_token_at_a_time(
    budget: float | None,
) -> None:
    """60 a minute is one a second; a service without a budget recovers at one a second."""
    clock = VirtualClock(START)
    fetcher, sent = counting_fetcher(clock, budget=budget)
    fetcher.gov.observe(URL, 429, 5.0)
    tasks = [asyncio.create_task(fetcher.get(URL)) for _ in range(6)]
    await clock.run_for(4.9)
    assert sent == []
    await clock.run_for(10)
    await asyncio.gather(*tasks)
    assert sent[0] == 5.0
    assert [round(b - a, 6) for a, b in pairwise(sent)] == [1.0] * 5  # no burst


async def test_waiters_are_capped_per_service() -> None:
    clock = VirtualClock(START)
    gov = Governor(clock=clock)
    gov.observe(URL, 429, 5.0)

    async def one() -> None:
        async with gov.slot(URL, budget=10):
            pass

    tasks = [asyncio.create_task(one()) for _ in range(MAX_WAITERS)]
    await clock.run_for(0)
    assert gov.states()[0].waiting == MAX_WAITERS
    with pytest.raises(FetchError) as info:
        await one()
    assert info.value.kind is ErrorKind.RATE_LIMITED
    await clock.run_for(5 + MAX_WAITERS)
    await asyncio.gather(*tasks)


async def test_a_429_while_waiting_for_a_token_makes_the_request_wait_again() -> None:
    clock = VirtualClock(START)
    fetcher, sent = counting_fetcher(clock, budget=6)  # a token every 10 s, bucket of 1
    await fetcher.get(URL)  # uses the only token
    task = asyncio.create_task(fetcher.get(URL))
    await clock.run_for(2)  # waiting for the next token (due at 10 s)
    fetcher.gov.observe(URL, 429, 30.0)  # paused until 32 s: beyond this request's deadline
    await clock.run_for(10)
    with pytest.raises(FetchError) as info:
        await task
    assert info.value.kind is ErrorKind.RATE_LIMITED
    assert sent == [0.0]  # nothing sent during the pause


class Governed(ScriptedProvider):
    """One symbol per request, each through the governor's slot (as the Fetcher does)."""

    batch_size = 1

    def __init__(self, clock: VirtualClock, gov: Governor) -> None:
        super().__init__("yahoo", clock, lambda s, _: 100.0)
        self.gov = gov
        self.most_waiting = 0

    async def fetch(self, symbols: Sequence[str]) -> ProviderResult:
        async with self.gov.slot(URL, budget=10.0):
            return await super().fetch(symbols)


async def test_the_scheduler_never_queues_two_requests_for_one_symbol() -> None:
    """While the host is paused, pressing refresh again and again leaves one waiter per unit."""
    clock = VirtualClock(START)
    gov = Governor(clock=clock, default_budget=600)
    provider = Governed(clock, gov)
    symbols = ("AAA", "BBB", "CCC")
    instruments = [Instrument("indices", "US", s, s, "NYSE") for s in symbols]
    settings = EngineSettings(
        chains={"indices": ("yahoo",)}, intervals={"yahoo": 2.0}, max_age={"yahoo": 60.0}
    )
    engine = Engine(
        instruments, {"yahoo": provider}, settings, clock, None, Backoff(rng=random.Random(1))
    )
    task = asyncio.create_task(engine.run(lambda: None))
    try:
        await clock.run_for(1.0)  # first answers in
        first = len(provider.calls)
        gov.observe(URL, 429, 8.0)  # paused from 1 s to 9 s
        for _ in range(30):
            engine.wake_all()
            await clock.run_for(0.25)
            provider.most_waiting = max(provider.most_waiting, gov.states()[0].waiting)
        await clock.run_for(5.0)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert first == len(symbols)
    assert 1 <= provider.most_waiting <= len(symbols)
    during = [t for t, _ in provider.calls if 1.0 < t < 9.0]
    assert during == []  # nothing sent within the pause
    after = sorted(t for t, _ in provider.calls if t >= 9.0)
    assert after[:3] == [9.0, 9.1, 9.2]  # released at the budget's pace (600/min)
