"""OHLC bars from Yahoo's v8 chart (tui/data/bars.py) against real recorded responses.

Every expected value was read from the recording itself (../shared/fixtures/yahoo). Requests
go through the real Fetcher and governor over ``httpx.MockTransport``; time is a FakeClock.
"""

from __future__ import annotations

import asyncio
import json
import math
from datetime import UTC, datetime
from functools import partial
from typing import Any

import httpx
import pytest

from tests.helpers import shared_dir, unwrap_recording
from tui.data.bars import BARS_MAX_AGE, BarBook, Bars, fetch_yahoo_bars, parse_bars
from tui.data.clock import FakeClock
from tui.data.errors import ErrorKind, FetchError
from tui.data.governor import Governor
from tui.data.http import Fetcher, make_client

EURUSD_5M = "chart-v8_EURUSD=X_fx_5m_range1d_12-bars.omarchy.json"
TNX = "chart-v8_^TNX_10y-yield-index_5m_range1d.lpad.json"
AAPL_1M = "chart-v8_AAPL_1m_2024-10-02_null-close.nyf2.json"
WSU = "chart-v8_WSU.DE_1d_null-row.nyf2.json"
AAPL_WEEKEND = "chart-v8_AAPL_1m_weekend-range_no-timestamps.nyf2.json"
SI_404 = "chart-v8_SI_404_no-data-found-symbol-may-be-delisted.nyf2.json"
BASE = "https://query1.finance.yahoo.com"


def recording(name: str) -> tuple[int, dict[str, str], bytes]:
    return unwrap_recording(shared_dir("yahoo") / name)


def payload(name: str) -> Any:
    return json.loads(recording(name)[2])


def test_eurusd_5m_bars_as_recorded() -> None:
    bars = parse_bars(payload(EURUSD_5M), "EURUSD=X")
    assert (len(bars.bars), bars.interval, bars.decimals, bars.currency) == (12, "5m", 4, "USD")
    first = bars.bars[0]
    assert first.time == datetime(2026, 9, 2, 20, 40, tzinfo=UTC)
    assert (first.open, first.high, first.low, first.close) == (
        1.1592857837677002,
        1.1592857837677002,
        1.159151554107666,
        1.159151554107666,
    )
    # The last bar is the live partial one, stamped at regularMarketTime (off the 5 m grid).
    assert bars.last is not None and bars.last.time == datetime(2026, 9, 2, 21, 30, 52, tzinfo=UTC)
    assert bars.day_range == (1.1588828563690186, 1.1592857837677002)


def test_tnx_range_comes_from_the_bars_not_the_inconsistent_meta() -> None:
    # meta says dayHigh 4.261 below the price 4.275; the bars show what traded.
    bars = parse_bars(payload(TNX), "^TNX")
    assert len(bars.bars) == 15
    last = bars.last
    assert last is not None
    assert (last.open, last.high, last.low, last.close) == (
        4.2729997634887695,
        4.275000095367432,
        4.269000053405762,
        4.275000095367432,
    )
    assert bars.day_range == (4.269000053405762, 4.279000282287598)


def test_null_bars_stay_gaps() -> None:
    aapl = parse_bars(payload(AAPL_1M), "AAPL")
    gaps = [b for b in aapl.bars if b.is_gap]
    assert len(aapl.bars) == 391 and len(aapl.complete) == 390
    assert [g.time for g in gaps] == [datetime(2024, 10, 2, 15, 15, tzinfo=UTC)]
    assert math.isnan(gaps[0].close)
    wsu = parse_bars(payload(WSU), "WSU.DE")  # the middle bar entirely null
    assert [b.is_gap for b in wsu.bars] == [False, True, False]
    assert wsu.day_range == (32.900001525878906, 34.54999923706055)


def test_a_closed_market_answer_has_no_bars() -> None:
    with pytest.raises(FetchError) as caught:
        parse_bars(payload(AAPL_WEEKEND), "AAPL")
    assert caught.value.kind is ErrorKind.NO_DATA


def doctored(change: Any) -> Any:
    body = payload(EURUSD_5M)
    change(body["chart"]["result"][0])
    return body


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        (lambda r: r["meta"].update(symbol="GBPUSD=X"), ErrorKind.WRONG_SYMBOL),
        (lambda r: r["indicators"]["quote"][0]["high"].__setitem__(3, 1.0), ErrorKind.BAD_DATA),
        (lambda r: r["indicators"]["quote"][0]["low"].__setitem__(3, -1.0), ErrorKind.BAD_DATA),
        (lambda r: r["indicators"]["quote"][0]["open"].pop(), ErrorKind.PARSE),
        (lambda r: r["indicators"].update(quote="x"), ErrorKind.PARSE),
        (lambda r: r.pop("meta"), ErrorKind.PARSE),
    ],
)
def test_bad_answers_are_typed_errors(change: Any, kind: ErrorKind) -> None:
    with pytest.raises(FetchError) as caught:
        parse_bars(doctored(change), "EURUSD=X")
    assert caught.value.kind is kind


def test_html_is_a_parse_error() -> None:
    with pytest.raises(FetchError) as caught:
        parse_bars("<html>", "EURUSD=X")
    assert caught.value.kind is ErrorKind.PARSE


class Recorded:
    """A MockTransport handler serving one recording (status and body) and counting requests."""

    def __init__(self, name: str, status: int | None = None, **headers: str) -> None:
        code, _headers, self.body = recording(name)
        self.status = status or code
        self.headers = headers
        self.urls: list[httpx.URL] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(request.url)
        return httpx.Response(self.status, content=self.body, headers=self.headers)


def book_over(handler: Recorded, clock: FakeClock) -> tuple[BarBook, Fetcher]:
    client = make_client(transport=httpx.MockTransport(handler))
    fetcher = Fetcher(client, governor=Governor(clock=clock, budgets={}, default_budget=60))
    return BarBook(partial(fetch_yahoo_bars, fetcher, BASE), clock), fetcher


async def test_one_request_per_minute_per_symbol_and_callers_share_it() -> None:
    clock = FakeClock()
    served = Recorded(EURUSD_5M)
    book, _ = book_over(served, clock)
    states = await asyncio.gather(*(book.get("EURUSD=X") for _ in range(5)))
    assert len(served.urls) == 1 and book.requests == 1
    assert all(s.bars is states[0].bars for s in states)
    url = served.urls[0]
    assert url.raw_path.split(b"?")[0] == b"/v8/finance/chart/EURUSD%3DX"
    assert dict(url.params) == {"range": "1d", "interval": "5m", "includePrePost": "false"}
    clock.advance(BARS_MAX_AGE - 1)
    await book.get("EURUSD=X")
    assert len(served.urls) == 1  # within 60 s: the kept answer
    clock.advance(1)
    await book.get("EURUSD=X")
    assert len(served.urls) == 2


async def test_not_found_is_typed_and_retried_only_after_the_cadence() -> None:
    clock = FakeClock()
    served = Recorded(SI_404)
    book, _ = book_over(served, clock)
    state = await book.get("SI")
    assert state.bars is None and state.error is not None
    assert (state.error.kind, state.error.status) == (ErrorKind.NO_DATA, 404)
    assert "No data found, symbol may be delisted" in state.error.message
    assert not book.due("SI")


async def test_a_failure_keeps_the_last_good_bars() -> None:
    clock = FakeClock()
    served = Recorded(EURUSD_5M)
    book, _ = book_over(served, clock)
    good = (await book.get("EURUSD=X")).bars
    assert isinstance(good, Bars)
    served.status, served.body = 429, b"Too Many Requests"
    served.headers = {"Retry-After": "300"}
    clock.advance(BARS_MAX_AGE)
    state = await book.get("EURUSD=X")
    assert state.bars is good
    assert state.error is not None and state.error.kind is ErrorKind.RATE_LIMITED
    assert state.retry_in(clock.monotonic()) == 300
    clock.advance(BARS_MAX_AGE)  # the cadence has passed but the rate limit has not
    assert not book.due("EURUSD=X")
    await book.get("EURUSD=X")
    assert len(served.urls) == 2


async def test_a_paused_host_sends_nothing() -> None:
    clock = FakeClock()
    served = Recorded(EURUSD_5M)
    book, fetcher = book_over(served, clock)
    fetcher.gov.observe(f"{BASE}/v7/finance/spark", 429, 120.0)  # spark's 429 pauses the host
    state = await book.get("EURUSD=X")
    assert served.urls == []
    assert state.error is not None and state.error.kind is ErrorKind.RATE_LIMITED
    assert state.retry_in(clock.monotonic()) == pytest.approx(120.0)
