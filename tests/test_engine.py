"""Polling engine behaviour: fallback, last good values, backoff, Retry-After, independence."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from itertools import pairwise

import pytest

from tests.fakes import ScriptedProvider, no_data, rate_limited
from tui.data.backoff import Backoff
from tui.data.clock import VirtualClock
from tui.data.engine import Engine, EngineSettings
from tui.data.errors import ErrorKind, FetchError
from tui.data.instruments import Instrument
from tui.data.snapshot import MarketSnapshot, SourceHealth, StaleReason

# A Tuesday at 15:00 UTC: New York and crypto are open.
START = datetime(2026, 2, 3, 15, 0, tzinfo=UTC)
BTC = Instrument("crypto", "Crypto", "BTC-USD", "Bitcoin", "CRYPTO")
ETH = Instrument("crypto", "Crypto", "ETH-USD", "Ether", "CRYPTO")


def make_engine(
    clock: VirtualClock,
    *providers: ScriptedProvider,
    instruments: tuple[Instrument, ...] = (BTC, ETH),
    intervals: dict[str, float] | None = None,
) -> Engine:
    settings = EngineSettings(
        chains={"crypto": tuple(p.name for p in providers)},
        intervals=intervals or {p.name: 10.0 for p in providers},
        max_age={p.name: 120.0 for p in providers},
    )
    backoff = Backoff(base=2.0, cap=60.0, rng=random.Random(1))
    return Engine(instruments, {p.name: p for p in providers}, settings, clock, None, backoff)


def quote(snap: MarketSnapshot, symbol: str):
    return next(q for q in snap.quotes if q.symbol == symbol)


async def test_fallback_per_symbol_and_row_names_its_source() -> None:
    clock = VirtualClock(START)
    first = ScriptedProvider(
        "coinbase", clock, lambda s, _: no_data(s) if s == "BTC-USD" else 3000.0
    )
    second = ScriptedProvider("binance", clock, lambda s, _: 60000.0)
    engine = make_engine(clock, first, second)
    snap = await engine.refresh_once()
    btc, eth = quote(snap, "BTC-USD"), quote(snap, "ETH-USD")
    assert (btc.source, btc.last, btc.stale_reason) == ("binance", 60000.0, None)
    assert (eth.source, eth.last) == ("coinbase", 3000.0)
    assert second.calls[0][1] == ("BTC-USD",)  # only the symbol the first source failed
    assert [(e.source, e.symbol, e.kind) for e in snap.errors] == [
        ("coinbase", "BTC-USD", ErrorKind.NO_DATA)
    ]


async def test_whole_source_failure_falls_through_and_is_reported() -> None:
    clock = VirtualClock(START)
    first = ScriptedProvider("coinbase", clock, lambda s, _: rate_limited(30))
    second = ScriptedProvider("binance", clock, lambda s, _: 61000.0)
    engine = make_engine(clock, first, second)
    snap = await engine.refresh_once()
    assert {q.source for q in snap.quotes} == {"binance"}
    status = {s.name: s for s in snap.sources}
    assert status["coinbase"].health is SourceHealth.RATE_LIMITED
    assert status["coinbase"].next_retry is not None
    assert (status["coinbase"].next_retry - START).total_seconds() >= 30
    assert status["binance"].health is SourceHealth.OK


async def test_last_good_value_is_kept_and_marked_failing() -> None:
    clock = VirtualClock(START)
    only = ScriptedProvider(
        "coinbase", clock, lambda s, call: 100.0 + call if call == 0 else rate_limited()
    )
    engine = make_engine(clock, only, instruments=(BTC,))
    snap = await engine.refresh_once()
    assert quote(snap, "BTC-USD").stale_reason is None
    only.calls.clear()
    only.behaviour = lambda s, call: FetchError(ErrorKind.NETWORK, "connection refused")
    snap = await engine.refresh_once()
    btc = quote(snap, "BTC-USD")
    assert btc.last == 100.0  # never blanked
    assert btc.stale_reason is StaleReason.FAILING
    assert {s.name: s.health for s in snap.sources}["coinbase"] is SourceHealth.OFFLINE


async def test_no_source_at_all_keeps_the_row_with_no_data() -> None:
    clock = VirtualClock(START)
    only = ScriptedProvider("coinbase", clock, lambda s, _: None)
    engine = make_engine(clock, only, instruments=(BTC,))
    snap = await engine.refresh_once()
    btc = quote(snap, "BTC-USD")
    assert btc.name == "Bitcoin" and btc.last is None and not btc.has_data
    assert snap.quote_count == 0
    assert snap.errors[0].message == "missing from the response"


async def run_engine(engine: Engine, clock: VirtualClock, seconds: float) -> list[MarketSnapshot]:
    published: list[MarketSnapshot] = []
    task = asyncio.create_task(engine.run(lambda: published.append(engine.snapshot())))
    try:
        await clock.run_for(seconds)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    return published


async def test_retry_after_is_honoured_and_backoff_grows_to_the_cap() -> None:
    clock = VirtualClock(START)
    flaky = ScriptedProvider("coinbase", clock, lambda s, _: rate_limited(45))
    engine = make_engine(clock, flaky, instruments=(BTC,))
    await run_engine(engine, clock, 600)
    times = [t for t, _ in flaky.calls]
    gaps = [b - a for a, b in pairwise(times)]
    assert len(times) >= 5
    assert all(gap >= 45 for gap in gaps)  # never a request before Retry-After allows
    assert all(gap <= 60 for gap in gaps)  # the cap (60) bounds the wait


async def test_backoff_is_exponential_with_jitter_then_recovers_within_one_interval() -> None:
    clock = VirtualClock(START)
    failing_until = 200.0

    def behaviour(symbol: str, call: int) -> float | FetchError:
        if clock.monotonic() < failing_until:
            return FetchError(ErrorKind.HTTP, "HTTP 502: bad gateway", status=502)
        return 65000.0

    source = ScriptedProvider("coinbase", clock, behaviour)
    engine = make_engine(clock, source, instruments=(BTC,))
    snaps = await run_engine(engine, clock, 400)
    times = [t for t, _ in source.calls]
    failing = [t for t in times if t < failing_until]
    gaps = [b - a for a, b in pairwise(failing)]
    # First delay = the 10 s interval, factor 2, equal jitter: gap n lies in [raw/2, raw].
    assert len(gaps) >= 4
    for n, gap in enumerate(gaps, start=1):
        raw = min(60.0, 10.0 * 2 ** (n - 1))
        assert raw / 2 <= gap <= raw + 1e-9
    first_ok = next(t for t in times if t >= failing_until)
    assert first_ok - failing_until <= 60.0  # recovers within one (capped) backoff interval
    later = [t for t in times if t > first_ok]
    assert later and later[0] - first_ok == pytest.approx(10.0)  # back on its 10 s interval
    assert snaps[-1].quotes[0].stale_reason is None


async def test_one_failing_source_never_delays_another() -> None:
    clock = VirtualClock(START)
    broken = ScriptedProvider("coinbase", clock, lambda s, _: rate_limited(300))
    healthy = ScriptedProvider("binance", clock, lambda s, _: 60500.0)
    engine = make_engine(clock, broken, healthy, intervals={"coinbase": 10.0, "binance": 10.0})
    snaps = await run_engine(engine, clock, 100)
    healthy_times = [t for t, _ in healthy.calls]
    assert len(broken.calls) == 1  # waiting out its 300 s Retry-After
    assert len(healthy_times) >= 9  # the fallback keeps polling every 10 s meanwhile
    assert quote(snaps[-1], "BTC-USD").source == "binance"


async def test_primary_recovery_takes_symbols_back() -> None:
    clock = VirtualClock(START)
    primary = ScriptedProvider(
        "coinbase",
        clock,
        lambda s, _: (
            64000.0
            if clock.monotonic() >= 50
            else FetchError(ErrorKind.NETWORK, "connection reset")
        ),
    )
    secondary = ScriptedProvider("binance", clock, lambda s, _: 63900.0)
    engine = make_engine(clock, primary, secondary)
    snaps = await run_engine(engine, clock, 200)
    assert quote(snaps[-1], "BTC-USD").source == "coinbase"
    assert quote(snaps[-1], "BTC-USD").last == 64000.0
    late_secondary = [symbols for t, symbols in secondary.calls if t > 150]
    assert late_secondary == []  # no longer needed once the primary is back
