"""The detail view's OHLC bars in the running app: one chart request per opening per minute.

The app runs on live Yahoo through ``httpx.MockTransport`` serving real recordings
(../shared/fixtures/yahoo): the spark answer carries EURUSD=X's recorded chart result, the v8
chart route the whole recording. Engine time is a VirtualClock, so "within 60 s" is exact.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from textual.widgets import Static

from tests.helpers import shared_dir, unwrap_recording
from tui.app import MarketmonApp, create_app
from tui.config import Config, _build
from tui.data.clock import VirtualClock
from tui.messages import OpenDetail
from tui.screens.detail import DetailScreen

EURUSD_5M = "chart-v8_EURUSD=X_fx_5m_range1d_12-bars.omarchy.json"
START = datetime(2026, 9, 2, 21, 31, tzinfo=UTC)  # just after the recording's last bar
LOOPS = 1  # one yahoo unit, no feeds


class Yahoo:
    """Spark and v8 chart routes from one recording; counts the chart requests."""

    def __init__(self) -> None:
        _status, _headers, self.chart = unwrap_recording(shared_dir("yahoo") / EURUSD_5M)
        result = json.loads(self.chart)["chart"]["result"][0]
        entry = {"symbol": "EURUSD=X", "response": [result]}
        self.spark = json.dumps({"spark": {"result": [entry], "error": None}}).encode()
        self.charts: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if "/v8/finance/chart/" in request.url.path:
            self.charts.append(request.url.path)
            return httpx.Response(200, content=self.chart)
        return httpx.Response(200, content=self.spark)


def config() -> Config:
    return _build(
        {
            "general": {"refresh": 30, "timeout": 2},
            "providers": {"yahoo": {"base_url": "http://yahoo.test"}},
            "headlines": {"feeds": []},
            "macro": {"series": []},
            "panes": {
                "indices": {"symbols": [], "futures": {}},
                "metals": {"symbols": [], "sources": ["yahoo"]},
                "crypto": {"symbols": [], "sources": ["yahoo"]},
                "fx": {"symbols": ["EURUSD=X"]},
                "rates": {"symbols": []},
                "energy": {"symbols": []},
            },
        },
        None,
    )


def live_app() -> tuple[MarketmonApp, VirtualClock, Yahoo]:
    clock = VirtualClock(START)
    yahoo = Yahoo()
    client = httpx.AsyncClient(transport=httpx.MockTransport(yahoo))
    app = create_app(config(), clock=clock, client=client, animate=False)
    return app, clock, yahoo


async def wait_for(pilot: Any, ok: Callable[[], bool], what: str) -> None:
    for _ in range(200):
        if ok():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"never: {what}")


def priced(app: MarketmonApp) -> bool:
    return app.snapshot is not None and app.snapshot.quote_count == 1


def bars_text(app: MarketmonApp) -> str:
    return str(app.screen.query_one("#detail-bars", Static).render())


async def open_detail(app: MarketmonApp, pilot: Any) -> DetailScreen:
    app.post_message(OpenDetail("fx", "EURUSD=X"))
    await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), "detail open")
    assert isinstance(app.screen, DetailScreen)
    return app.screen


async def test_opening_the_detail_view_fetches_the_bars_once() -> None:
    app, clock, yahoo = live_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await clock.run_for(1, parked=LOOPS)
        await wait_for(pilot, lambda: priced(app), "price")
        assert yahoo.charts == []  # the board itself never asks for per-symbol charts
        screen = await open_detail(app, pilot)
        await wait_for(pilot, lambda: "bars" in bars_text(app), "bars line")
        assert yahoo.charts == ["/v8/finance/chart/EURUSD=X"]
        text = bars_text(app)
        # The recording's last bar and the range of its 12 bars, at the quote's 4 decimals.
        assert "5m bars last" in text
        assert "O 1.1592  H 1.1592  L 1.1592  C 1.1592" in text
        assert "range 1.1589–1.1593" in text
        assert screen._shown_bars() is not None  # drawn as candles

        await pilot.press("escape")
        await open_detail(app, pilot)
        await wait_for(pilot, lambda: "bars" in bars_text(app), "bars line again")
        assert len(yahoo.charts) == 1  # re-opened within 60 s: the kept bars, no request

        await pilot.press("escape")
        await clock.run_for(61, parked=LOOPS)
        await open_detail(app, pilot)
        await wait_for(pilot, lambda: len(yahoo.charts) == 2, "a refetch after 60 s")


async def test_a_paused_host_sends_no_chart_request_and_the_view_says_why() -> None:
    app, clock, yahoo = live_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await clock.run_for(1, parked=LOOPS)
        await wait_for(pilot, lambda: priced(app), "price")
        assert app.engine is not None
        fetcher = app.engine.providers["yahoo"].fetcher
        fetcher.gov.observe("http://yahoo.test/v7/finance/spark", 429, 300.0)
        await open_detail(app, pilot)
        await wait_for(pilot, lambda: "rate-limited" in bars_text(app), "the reason")
        assert yahoo.charts == []
        assert "rate-limited · retry 5:00 (showing the closes)" in bars_text(app)


async def test_the_demo_shows_no_bars() -> None:
    """The simulated market has no bars; the view shows its closes and claims nothing more."""
    app = create_app(config(), demo=True, clock=VirtualClock(START), animate=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.snapshot is not None, "a snapshot")
        await open_detail(app, pilot)
        assert app.screen.query_one("#detail-bars", Static).display is False
