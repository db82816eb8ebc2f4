"""The UI through a long outage and an offline start, against a real server on 127.0.0.1.

Scheduling runs on a virtual clock (30 minutes pass in a second); HTTP crosses real sockets.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

import tui.app as app_module
from tests.upstream import Route, Upstream, serve
from tui.app import MarketmonApp, create_app
from tui.config import Config, _build
from tui.data.clock import VirtualClock
from tui.data.snapshot import SourceHealth, StaleReason
from widgets.market_header import MarketHeader
from widgets.quote_table import QuoteTable

# Tuesday 15:00 UTC: New York and Globex are open, crypto always is.
START = datetime(2026, 2, 3, 15, 0, tzinfo=UTC)
SYMBOLS = {"^GSPC": 6800.0, "GC=F": 4100.0, "BTC-USD": 66000.0}
HH_MM = re.compile(r"^\d\d:\d\d$")
LOOPS = 1  # one provider (yahoo) and no headline feeds: one engine loop to park


def chart_body(symbol: str, price: float, now: datetime) -> bytes:
    stamp = int(now.timestamp())
    day = int(now.replace(hour=0, minute=0, second=0).timestamp())
    meta = {
        "currency": "USD",
        "symbol": symbol,
        "regularMarketPrice": price,
        "regularMarketTime": stamp,
        "previousClose": price * 1.01,
        "range": "1d",
        "regularMarketDayHigh": price * 1.02,
        "regularMarketDayLow": price * 0.99,
        "exchangeTimezoneName": "America/New_York",
        "gmtoffset": -18000,
        "currentTradingPeriod": {"regular": {"start": day, "end": day + 86400}},
    }
    result = {
        "meta": meta,
        "timestamp": [stamp - 300, stamp],
        "indicators": {"quote": [{"close": [price * 1.005, price]}]},
    }
    return json.dumps({"chart": {"result": [result], "error": None}}).encode()


class Market:
    """Serves fresh Yahoo charts at the virtual time, or a 503 while ``down``."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.down = False

    def __call__(self, path: str) -> Route:
        if self.down:
            return Route(b'{"chart":{"result":null,"error":{"code":"Service Unavailable"}}}', 503)
        symbol = path.rsplit("/", 1)[-1]
        return Route(chart_body(symbol, SYMBOLS.get(symbol, 100.0), self.clock.now()))


def config_for(base: str) -> Config:
    return _build(
        {
            "general": {"refresh": 30, "timeout": 2, "backoff_cap": 120},
            "providers": {"yahoo": {"base_url": f"{base}/yahoo"}},
            "headlines": {"feeds": []},
            "panes": {
                "indices": {"symbols": ["^GSPC"]},
                "metals": {"symbols": ["GC=F"], "sources": ["yahoo"]},
                "crypto": {"symbols": ["BTC-USD"], "sources": ["yahoo"]},
            },
        },
        None,
    )


async def settle(app: MarketmonApp, pilot) -> None:
    """Recompute staleness at the virtual now and wait until it is on screen."""
    app._tick()
    for _ in range(100):
        await pilot.pause(0.02)
        if not app._apply_scheduled:
            return
    raise AssertionError("the snapshot never reached the screen")


def shown(app: MarketmonApp) -> dict[str, str]:
    """symbol -> the text of its Time column, as the user sees it."""
    out: dict[str, str] = {}
    for table in app.main_screen.query(QuoteTable):
        for symbol in table._shown:
            out[symbol] = table.get_cell(symbol, "age").plain
    return out


def assert_nothing_shown_fresh_that_is_not(app: MarketmonApp, clock: VirtualClock) -> None:
    snap = app.snapshot
    assert snap is not None
    health = {s.name: s.health for s in snap.sources}
    for quote in snap.quotes:
        cell = shown(app)[quote.symbol]
        if HH_MM.match(cell):  # shown as fresh
            assert quote.stale_reason is None
            assert quote.as_of is not None
            assert clock.now() - quote.as_of <= timedelta(seconds=1500)
            assert health[quote.source or ""] is SourceHealth.OK
        if quote.stale_reason is StaleReason.FAILING:
            assert cell.startswith("!"), cell


@pytest.fixture
def market() -> Iterator[tuple[Upstream, VirtualClock, Market]]:
    clock = VirtualClock(START)
    feed = Market(clock)
    up = Upstream(dynamic={"/yahoo/v8/finance/chart/": feed}, now=clock.now)
    with serve(up):
        yield up, clock, feed


async def test_thirty_minute_outage_then_recovery(market) -> None:
    up, clock, feed = market
    app = create_app(config_for(up.url), clock=clock, animate=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await clock.run_for(1, parked=LOOPS)
        await settle(app, pilot)
        assert all(HH_MM.match(t) for t in shown(app).values()), shown(app)
        assert_nothing_shown_fresh_that_is_not(app, clock)

        feed.down = True
        requests_before = len(up.requests)
        for _minute in range(30):
            await clock.run_for(60, parked=LOOPS)
            await settle(app, pilot)
            assert_nothing_shown_fresh_that_is_not(app, clock)
        cells = shown(app)
        assert all(t.startswith("!") for t in cells.values()), cells  # stale, with the reason
        assert [q.last for q in app.snapshot.quotes] == list(SYMBOLS.values())  # never blanked
        status = {s.name: s for s in app.snapshot.sources}["yahoo"]
        assert status.health is SourceHealth.STALE
        # Backing off: 30 minutes of outage cost far fewer polls than the 60 a 30 s poll makes.
        polls = (len(up.requests) - requests_before) / len(SYMBOLS)
        assert 10 <= polls <= 30

        feed.down = False
        await clock.run_for(120 + 30, parked=LOOPS)  # at most one capped backoff, then a poll
        await settle(app, pilot)
        assert all(HH_MM.match(t) for t in shown(app).values()), shown(app)
        assert all(q.stale_reason is None for q in app.snapshot.quotes)
        assert_nothing_shown_fresh_that_is_not(app, clock)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_offline_start_ends_start_up_without_prices(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The collector paused for start-up must not stay paused when no price ever comes."""
    monkeypatch.setattr(app_module, "STARTUP_GRACE_SECONDS", 0.2)
    clock = VirtualClock(START)
    app = create_app(config_for(f"http://127.0.0.1:{free_port()}"), clock=clock, animate=False)
    ended: list[bool] = []
    app.on_first_prices = lambda: ended.append(True)
    async with app.run_test(size=(120, 40)) as pilot:
        await clock.run_for(1, parked=LOOPS)
        await pilot.pause(0.5)
        assert app.snapshot is not None and app.snapshot.quote_count == 0
        assert ended == [True]


async def test_offline_start_says_so_retries_and_fills_in() -> None:
    clock = VirtualClock(START)
    port = free_port()  # nothing listens here yet: every connection is refused
    app = create_app(config_for(f"http://127.0.0.1:{port}"), clock=clock, animate=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await clock.run_for(1, parked=LOOPS)
        await settle(app, pilot)
        header = app.main_screen.query_one(MarketHeader)
        assert header.offline
        assert "OFFLINE" in header.build_line(120).plain
        assert {s.name: s.health for s in app.snapshot.sources}["yahoo"] is SourceHealth.OFFLINE
        # The UI is up, with no data yet, and every row says why.
        assert set(shown(app).values()) == {"offline"}

        attempts = []
        for _ in range(5):  # it keeps retrying, further apart each time
            await clock.run_for(60, parked=LOOPS)
            attempts.append(app.engine.states["yahoo"].failures)
        assert attempts == sorted(attempts) and attempts[-1] >= 3

        feed = Market(clock)
        with serve(Upstream(port=port, dynamic={"/yahoo/v8/finance/chart/": feed}, now=clock.now)):
            await clock.run_for(120 + 30, parked=LOOPS)
            await settle(app, pilot)
            assert not header.offline
            assert all(HH_MM.match(t) for t in shown(app).values()), shown(app)
