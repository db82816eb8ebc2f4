"""Impossible answers and wrong clocks, served over real sockets by ``tests.faultserver``.

Each answer is well formed; what it says cannot be right (another symbol, a zero price, a zero
previous close, times from the future, a server clock an hour ahead of ours). None of it may be
shown as a fresh number: it becomes a typed per-symbol error (the last good value stays, marked
failing) or a mark next to a value that is kept.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.faultserver import YEAR_9999, Fault, FaultServer
from tui.config import PROVIDER_URLS, Config, _build
from tui.data.clock import VirtualClock
from tui.data.clock_truth import ClockTruth, estimate
from tui.data.engine import Engine
from tui.data.errors import ErrorKind
from tui.data.factory import build_engine
from tui.data.http import make_client
from tui.data.plausibility import JUMP_MARK_SECONDS, Mark, canonical, same_symbol
from tui.data.snapshot import MarketSnapshot, Quote, StaleReason
from tui.format import AHEAD, age_between

START = datetime(2026, 2, 3, 15, 0, tzinfo=UTC)  # a Tuesday: New York is open
SPARK = "/v7/finance/spark"  # Yahoo quotes arrive in spark batches (issue 9)


@pytest.fixture(scope="module")
def shared_server() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


@pytest.fixture
def server(shared_server: FaultServer) -> Iterator[FaultServer]:
    shared_server.clear()
    shared_server.prices.pop("^GSPC", None)
    shared_server.prices.pop("GC=F", None)
    yield shared_server
    shared_server.clear()
    shared_server.prices.pop("^GSPC", None)
    shared_server.prices.pop("GC=F", None)


def config(url: str) -> Config:
    return _build(
        {
            "general": {"refresh": 30, "timeout": 5, "per_host": 64},
            "providers": {name: {"base_url": url} for name in PROVIDER_URLS},
            "headlines": {"feeds": [f"{url}/rss/markets.xml"], "interval": 30},
            "panes": {
                "indices": {"symbols": ["^GSPC"], "sources": ["yahoo"]},
                "metals": {"symbols": ["GC=F", "XAU"], "sources": ["yahoo", "goldapi"]},
                "crypto": {"symbols": ["BTC-USD"], "sources": ["coinbase"]},
            },
        },
        None,
    )


def quote(snap: MarketSnapshot, symbol: str) -> Quote:
    return next(q for q in snap.quotes if q.symbol == symbol)


def errors_for(snap: MarketSnapshot, symbol: str) -> set[ErrorKind]:
    return {e.kind for e in snap.errors if e.symbol == symbol}


async def first_refresh(
    server: FaultServer, clock: VirtualClock
) -> tuple[Engine, httpx.AsyncClient]:
    client = make_client()
    engine = build_engine(config(server.url), clock=clock, client=client, rng=random.Random(7))
    snap = await engine.refresh_once()
    assert quote(snap, "^GSPC").stale_reason is None
    return engine, client


@pytest.fixture
def clock(server: FaultServer) -> VirtualClock:
    virtual = VirtualClock(START)
    server.now = virtual.now
    return virtual


# --- the rules, one by one ------------------------------------------------------------------


def test_canonical_symbols_ignore_case_encoding_and_yahoos_dollar_pairs() -> None:
    assert same_symbol("^gspc", "^GSPC")
    assert same_symbol("%5EGSPC", "^GSPC")
    assert same_symbol("USDJPY=X", "JPY=X")
    assert not same_symbol("^GSPC", "^DJI")
    assert not same_symbol("EURUSD=X", "USD=X")
    assert canonical(" gc=f ") == "GC=F"


async def test_an_answer_for_another_symbol_is_a_typed_error_never_fresh(
    server: FaultServer, clock: VirtualClock
) -> None:
    engine, client = await first_refresh(server, clock)
    good = quote(engine.snapshot(), "^GSPC").last
    server.fault(SPARK, Fault.OTHER_SYMBOL, other="^DJI", symbol="^GSPC")
    server.set_price("^GSPC", 39_000.0)  # what ^DJI would cost: must never show as ^GSPC
    clock.advance(60)
    snap = await engine.refresh_once()
    spx = quote(snap, "^GSPC")
    assert spx.last == good
    assert spx.name != "Fault ^DJI"
    assert spx.stale_reason is StaleReason.FAILING
    assert errors_for(snap, "^GSPC") == {ErrorKind.WRONG_SYMBOL}
    assert "^DJI" in next(e.message for e in snap.errors if e.symbol == "^GSPC")
    assert quote(snap, "GC=F").stale_reason is None  # only that symbol
    await client.aclose()


async def test_a_zero_price_is_bad_data_and_the_last_good_value_stays(
    server: FaultServer, clock: VirtualClock
) -> None:
    engine, client = await first_refresh(server, clock)
    good = quote(engine.snapshot(), "^GSPC").last
    server.fault(SPARK, Fault.ZERO_PRICE, symbol="^GSPC")
    clock.advance(60)
    snap = await engine.refresh_once()
    spx = quote(snap, "^GSPC")
    assert (spx.last, spx.stale_reason) == (good, StaleReason.FAILING)
    assert spx.change_pct is not None and spx.change_pct > -50  # never the fake -100 %
    assert errors_for(snap, "^GSPC") == {ErrorKind.BAD_DATA}
    server.clear()
    clock.advance(60)
    snap = await engine.refresh_once()
    assert quote(snap, "^GSPC").stale_reason is None  # recovers with the next good answer
    await client.aclose()


async def test_a_zero_previous_close_makes_change_and_change_pct_unknown(
    server: FaultServer, clock: VirtualClock
) -> None:
    server.fault(SPARK, Fault.ZERO_PREV_CLOSE, symbol="^GSPC")
    engine, client = await first_refresh(server, clock)
    spx = quote(engine.snapshot(), "^GSPC")
    assert spx.last == server.price("^GSPC")
    assert (spx.prev_close, spx.change, spx.change_pct) == (None, None, None)
    await client.aclose()


async def test_a_negative_future_price_is_kept_marked_with_a_meaningful_move(
    server: FaultServer, clock: VirtualClock
) -> None:
    engine, client = await first_refresh(server, clock)
    server.fault(SPARK, Fault.NEGATIVE_PRICE, price=-37.63, symbol="GC=F")
    clock.advance(60)
    snap = await engine.refresh_once()
    gold = quote(snap, "GC=F")
    assert gold.last == -37.63
    assert gold.stale_reason is None
    assert Mark.NEGATIVE in gold.marks
    assert gold.prev_close is not None and gold.prev_close > 0
    assert gold.change == pytest.approx(-37.63 - gold.prev_close)
    assert gold.change_pct is not None and gold.change_pct < -100  # down more than all of it
    await client.aclose()


async def test_a_jump_of_more_than_half_is_kept_and_marked_for_a_while(
    server: FaultServer, clock: VirtualClock
) -> None:
    engine, client = await first_refresh(server, clock)
    before = quote(engine.snapshot(), "^GSPC").last
    assert before is not None
    server.set_price("^GSPC", round(before * 0.4, 2))  # a 60 % crash
    clock.advance(30)
    snap = await engine.refresh_once()
    spx = quote(snap, "^GSPC")
    assert spx.last == round(before * 0.4, 2)  # kept: real crashes happen
    assert spx.stale_reason is None
    assert Mark.JUMP in spx.marks
    clock.advance(30)
    assert Mark.JUMP in quote(await engine.refresh_once(), "^GSPC").marks  # still marked
    clock.advance(JUMP_MARK_SECONDS)
    assert Mark.JUMP not in quote(await engine.refresh_once(), "^GSPC").marks
    await client.aclose()


async def test_a_quote_from_the_future_is_marked_stale_and_never_shown_as_0s(
    server: FaultServer, clock: VirtualClock
) -> None:
    engine, client = await first_refresh(server, clock)
    server.fault(SPARK, Fault.FUTURE_TIME, symbol="^GSPC")  # a year ahead
    clock.advance(60)
    snap = await engine.refresh_once()
    spx = quote(snap, "^GSPC")
    assert spx.as_of is not None and spx.as_of > START + timedelta(days=300)
    assert spx.stale_reason is StaleReason.OLD
    assert Mark.FUTURE in spx.marks
    assert age_between(spx.as_of, snap.generated_at) == AHEAD
    await client.aclose()


@pytest.mark.parametrize("ahead", [30 * 86400.0, 0.0])  # 30 days ahead, and year 9999
async def test_headlines_from_the_future_sink_as_newer_ones_arrive(
    server: FaultServer, clock: VirtualClock, ahead: float
) -> None:
    server.fault("/rss/", Fault.FUTURE_TIME, ahead=ahead, times=1)
    engine, client = await first_refresh(server, clock)
    future = [h for h in engine.headlines if h.received is not None]
    assert future, "the future-dated headlines were not recognised"
    for headline in future:
        assert headline.published is not None
        assert headline.published > START + timedelta(days=29)
        assert ahead or headline.published == YEAR_9999
        assert headline.received == START
        assert age_between(headline.published, clock.now()) == AHEAD  # never "0s"
    clock.advance(3600)  # an hour later the feed has newer (honestly dated) items
    await engine.refresh_once()
    newest = engine.headlines[0]
    assert newest.received is None
    assert newest.published is not None and newest.published > START
    # The future ones stay below, at the time they arrived, even after being seen again.
    assert all(h.sort_time == START for h in engine.headlines if h.received is not None)
    await client.aclose()


# --- clock truth ----------------------------------------------------------------------------


async def test_a_local_clock_an_hour_behind_is_corrected_and_warned_about(
    server: FaultServer, clock: VirtualClock
) -> None:
    """The servers (and their quotes) are an hour ahead of our clock: ours is wrong."""
    server.now = lambda: clock.now() + timedelta(hours=1)
    client = make_client()
    engine = build_engine(config(server.url), clock=clock, client=client, rng=random.Random(7))
    snap = await engine.refresh_once()
    assert engine.truth is not None
    assert engine.truth.offset == 3600
    assert snap.clock_offset == 3600
    assert engine.truth.warning == "local clock 1.0h behind"
    spx = quote(snap, "^GSPC")
    # Uncorrected, the quote would be an hour in the future (marked "ahead", stale).
    assert spx.stale_reason is None
    assert spx.marks == ()
    assert age_between(spx.as_of, snap.generated_at) == "0s"
    assert snap.generated_at == clock.now() + timedelta(hours=1)

    # One liar of each kind: the offset does not move.
    for fault in (Fault.DATE_MISSING, Fault.DATE_GARBAGE, Fault.DATE_LIAR):
        server.fault(SPARK, fault, times=1)
        clock.advance(60)
        await engine.refresh_once()
        assert engine.truth.offset == 3600, fault
    assert engine.truth.ignored == 2  # missing and unparseable
    await client.aclose()


def test_the_median_ignores_a_wild_sample_and_small_offsets_are_zero() -> None:
    honest = [299.2, 299.8, 300.1, 299.6, 300.4]
    assert estimate(honest) == 300.0
    assert estimate([*honest, 365 * 86400.0]) == 300.0
    assert estimate([*honest, -365 * 86400.0]) == 300.0
    assert estimate([0.4, -0.8, 1.2, 0.1]) == 0.0  # within the Date header's resolution
    assert estimate([3600.0, 3600.0]) == 0.0  # too few to outvote the local clock


def test_clock_truth_reads_only_parseable_date_headers() -> None:
    now = datetime(2026, 2, 3, 15, 0, tzinfo=UTC)
    truth = ClockTruth(lambda: now)
    for _ in range(5):
        truth.observe({"date": "Tue, 03 Feb 2026 15:10:00 GMT"})
    truth.observe({})
    truth.observe({"date": "soon"})
    truth.observe({"date": "Fri, 31 Dec 9999 23:00:00 GMT"})
    assert (truth.offset, truth.ignored, truth.samples) == (600.0, 2, 6)
    assert truth.warning == "local clock 10m behind"
