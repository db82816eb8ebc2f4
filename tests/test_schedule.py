"""Per-symbol scheduling: one slow request delays only its own symbols (virtual time)."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import pairwise

from tests.fakes import ScriptedProvider
from tui.data.backoff import Backoff
from tui.data.clock import VirtualClock
from tui.data.engine import Engine, EngineSettings
from tui.data.errors import ErrorKind, FetchError
from tui.data.instruments import Instrument
from tui.data.providers.base import ProviderResult
from tui.data.schedule import units

START = datetime(2026, 2, 3, 15, 0, tzinfo=UTC)
SYMBOLS = ("AAA", "BBB", "CCC", "SLOW")
DEADLINE = 10.0


class OnePerRequest(ScriptedProvider):
    """One symbol per request, like gold-api; ``SLOW`` drips to the deadline, then times out."""

    batch_size = 1

    async def fetch(self, symbols: Sequence[str]) -> ProviderResult:
        if "SLOW" in symbols:
            self.calls.append((self.clock.monotonic(), tuple(symbols)))
            await self.clock.sleep(DEADLINE)
            raise FetchError(ErrorKind.TIMEOUT, f"no complete answer within {DEADLINE:g}s")
        return await super().fetch(symbols)


def test_units_split_by_batch_size() -> None:
    assert units(["a", "b", "c"], 2) == [("a", "b"), ("c",)]
    assert units(["a", "b"], None) == [("a", "b")]
    assert units([], 20) == []
    assert len(units([f"S{i}" for i in range(500)], 20)) == 25


async def test_healthy_symbols_keep_their_interval_while_one_request_drips() -> None:
    clock = VirtualClock(START)
    provider = OnePerRequest("goldapi", clock, lambda s, _: 100.0)
    instruments = [Instrument("metals", "Spot", s, s, "CRYPTO") for s in SYMBOLS]
    settings = EngineSettings(
        chains={"metals": ("goldapi",)}, intervals={"goldapi": 5.0}, max_age={"goldapi": 60.0}
    )
    engine = Engine(
        instruments, {"goldapi": provider}, settings, clock, None, Backoff(rng=random.Random(1))
    )
    task = asyncio.create_task(engine.run(lambda: None))
    try:
        await clock.run_for(60.0)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    for symbol in ("AAA", "BBB", "CCC"):
        times = [t for t, syms in provider.calls if syms == (symbol,)]
        assert [b - a for a, b in pairwise(times)] == [5.0] * (len(times) - 1), symbol
        assert len(times) == 13  # 0, 5, ..., 60 s: the interval, not the slow one's deadline
    slow = [t for t, syms in provider.calls if syms == ("SLOW",)]
    assert 2 <= len(slow) <= 4  # the slow one costs its deadline plus its own backoff
    snap = engine.snapshot()
    assert {q.symbol for q in snap.quotes if q.last is not None} == {"AAA", "BBB", "CCC"}
    (error,) = [e for e in snap.errors if e.symbol == "SLOW"]
    assert error.kind is ErrorKind.TIMEOUT
