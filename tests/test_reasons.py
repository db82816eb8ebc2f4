"""Rows that say why: the reason word of each row without a fresh price."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from tests.fakes import ScriptedProvider, no_data, rate_limited
from tui.data.backoff import Backoff
from tui.data.clock import VirtualClock
from tui.data.engine import Engine, EngineSettings
from tui.data.errors import ErrorKind, FetchError
from tui.data.instruments import Instrument

START = datetime(2026, 2, 3, 15, 0, tzinfo=UTC)
SYMBOLS = ("OK", "GONE", "SLOW", "JUNK")


def engine_for(clock: VirtualClock, provider: ScriptedProvider) -> Engine:
    instruments = [Instrument("crypto", "Crypto", s, s, "CRYPTO") for s in SYMBOLS]
    settings = EngineSettings(
        chains={"crypto": (provider.name,)},
        intervals={provider.name: 10.0},
        max_age={provider.name: 120.0},
    )
    backoff = Backoff(rng=random.Random(1))
    return Engine(instruments, {provider.name: provider}, settings, clock, None, backoff)


def answer(symbol: str, call: int) -> float | FetchError | None:
    if symbol == "GONE":
        return no_data(symbol)
    if symbol == "SLOW":
        return FetchError(ErrorKind.TIMEOUT, "no complete answer within 10s", symbol=symbol)
    if symbol == "JUNK":
        return FetchError(ErrorKind.PARSE, "no 'chart' object", symbol=symbol)
    return 100.0


async def test_each_row_without_a_price_says_why() -> None:
    clock = VirtualClock(START)
    snap = await engine_for(clock, ScriptedProvider("coinbase", clock, answer)).refresh_once()
    problems = {q.symbol: q.problem for q in snap.quotes}
    assert problems == {"OK": None, "GONE": "not found", "SLOW": "timeout", "JUNK": "bad data"}


@pytest.mark.parametrize(
    ("error", "word"),
    [
        (rate_limited(60), "rate-ltd"),
        (FetchError(ErrorKind.NETWORK, "DNS lookup failed"), "offline"),
    ],
)
async def test_a_last_good_price_of_a_failing_source_says_why(error: FetchError, word: str) -> None:
    clock = VirtualClock(START)
    provider = ScriptedProvider("coinbase", clock, lambda s, call: 100.0 if call == 0 else error)
    engine = engine_for(clock, provider)
    await engine.refresh_once()
    clock.advance(600)
    snap = await engine.refresh_once()
    for quote in snap.quotes:
        assert quote.last == 100.0  # kept on screen, marked
        assert quote.problem == word
