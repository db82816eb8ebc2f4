"""Crypto and spot-metal providers: parsers on realistic bodies, fetches on a mock transport."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import httpx
import pytest

from tests.helpers import own_fixture
from tui.data.errors import ErrorKind, FetchError
from tui.data.http import Fetcher, make_client
from tui.data.providers.binance import (
    BinanceProvider,
    binance_pair,
    index_tickers,
    parse_klines,
    parse_ticker_24hr,
)
from tui.data.providers.coinbase import (
    CoinbaseProvider,
    Stats,
    build_quote,
    parse_candles,
    parse_stats,
    parse_ticker,
    recent_candles,
)
from tui.data.providers.coingecko import CoinGeckoProvider, index_markets, parse_market
from tui.data.providers.goldapi import GoldApiProvider, parse_price

Handler = Callable[[httpx.Request], httpx.Response]

HOSTILE = "\x1b]0;pwned\x07\x1b[2J\u202eevil\u202c\x1b]52;c;ZXZpbA==\x07 name\x9b31m"


def load(name: str) -> Any:
    return json.loads(own_fixture(name))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def is_clean(text: str) -> bool:
    return not any(ch in text for ch in "\x1b\x07\x9b\u202e\u202c")


@asynccontextmanager
async def mock_fetcher(handler: Handler) -> AsyncIterator[Fetcher]:
    async with make_client(transport=httpx.MockTransport(handler)) as client:
        yield Fetcher(client)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


# --------------------------------------------------------------------------- Coinbase


def test_coinbase_parse_ticker() -> None:
    price, when = parse_ticker(load("coinbase_ticker_BTC-USD.json"))
    assert price == 91234.57
    assert when == datetime(2025, 11, 20, 14, 5, 12, 532117, tzinfo=UTC)


def test_coinbase_parse_stats() -> None:
    assert parse_stats(load("coinbase_stats_BTC-USD.json")) == Stats(90512.01, 92880.0, 89011.32)


def test_coinbase_candles_are_reordered_oldest_first_with_low_before_high() -> None:
    candles = parse_candles(load("coinbase_candles_BTC-USD.json"))
    assert len(candles) == 300
    first, last = candles[0], candles[-1]
    assert first.time == utc(2025, 11, 19, 13, 10)
    assert (first.low, first.high, first.open, first.close) == (
        91455.6,
        91529.87,
        91463.27,
        91509.02,
    )
    assert last.time == utc(2025, 11, 20, 14, 5)
    assert last.close == 91234.57
    assert all(c.low <= min(c.open, c.close) <= max(c.open, c.close) <= c.high for c in candles)
    assert [c.time for c in candles] == sorted(c.time for c in candles)


def test_coinbase_quote_keeps_the_last_24_hours_of_candles() -> None:
    last, as_of = parse_ticker(load("coinbase_ticker_BTC-USD.json"))
    stats = parse_stats(load("coinbase_stats_BTC-USD.json"))
    candles = recent_candles(parse_candles(load("coinbase_candles_BTC-USD.json")), as_of)
    row = build_quote("BTC-USD", "BTC-USD", last, as_of, stats, candles)
    assert row.last == 91234.57
    assert row.prev_close == 90512.01
    assert (row.day_high, row.day_low) == (92880.0, 89011.32)
    assert row.currency == "USD"
    assert row.name is None
    assert len(row.series) == len(row.series_time) == 288
    assert row.series_time[0] == utc(2025, 11, 19, 14, 10)
    assert row.series[0] == 91605.65
    assert row.series_time[-1] == utc(2025, 11, 20, 14, 5)
    assert row.series[-1] == 91234.57


def test_coinbase_candles_skip_malformed_rows() -> None:
    candles = parse_candles([[1763647500, 1, 3, 2, 2.5, 9], [None, 1, 2, 3, 4, 5], "junk", [1]])
    assert [c.close for c in candles] == [2.5]
    with pytest.raises(FetchError) as info:
        parse_candles({"message": "oops"})
    assert info.value.kind is ErrorKind.PARSE


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"time": "2025-11-20T14:05:12Z"}, "price"),
        ({"price": None, "time": "2025-11-20T14:05:12Z"}, "price"),
        ({"price": "abc", "time": "2025-11-20T14:05:12Z"}, "price"),
        ({"price": "1.5", "time": 1763647512}, "time"),
        (["price", "1.5"], "object"),
    ],
)
def test_coinbase_ticker_drift_is_a_parse_error(payload: Any, field: str) -> None:
    with pytest.raises(FetchError) as info:
        parse_ticker(payload)
    assert info.value.kind is ErrorKind.PARSE
    assert field in info.value.message


def coinbase_handler(
    seen: list[httpx.Request], overrides: dict[str, httpx.Response] | None = None
) -> Handler:
    bodies = {
        "/products/BTC-USD/ticker": "coinbase_ticker_BTC-USD.json",
        "/products/BTC-USD/stats": "coinbase_stats_BTC-USD.json",
        "/products/BTC-USD/candles": "coinbase_candles_BTC-USD.json",
    }

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if overrides and request.url.path in overrides:
            return overrides[request.url.path]
        name = bodies.get(request.url.path)
        if name is None:
            return json_response(404, {"message": "NotFound"})
        return httpx.Response(200, content=own_fixture(name))

    return handler


async def test_coinbase_fetch_requests_and_unknown_product() -> None:
    seen: list[httpx.Request] = []
    async with mock_fetcher(coinbase_handler(seen)) as fetcher:
        result = await CoinbaseProvider(fetcher).fetch(["BTC-USD", "BNB-USD"])
    urls = {str(r.url) for r in seen}
    assert "https://api.exchange.coinbase.com/products/BTC-USD/ticker" in urls
    assert "https://api.exchange.coinbase.com/products/BTC-USD/stats" in urls
    assert "https://api.exchange.coinbase.com/products/BTC-USD/candles?granularity=300" in urls
    assert result.frame["symbol"].to_list() == ["BTC-USD"]
    row = result.frame.row(0, named=True)
    assert row["source"] == "coinbase"
    assert row["last"] == 91234.57
    assert row["prev_close"] == 90512.01
    assert row["currency"] == "USD"
    assert len(row["series"]) == 289  # 288 candles of the last 24 h + the live ticker price
    assert row["series"][-1] == 91234.57
    [error] = result.errors
    assert (error.symbol, error.source, error.kind, error.status) == (
        "BNB-USD",
        "coinbase",
        ErrorKind.UNSUPPORTED,
        404,
    )
    assert "NotFound" in error.message


async def test_coinbase_candles_failure_keeps_the_quote() -> None:
    seen: list[httpx.Request] = []
    broken = {"/products/BTC-USD/candles": json_response(500, {"message": "Internal"})}
    async with mock_fetcher(coinbase_handler(seen, broken)) as fetcher:
        result = await CoinbaseProvider(fetcher).fetch(["BTC-USD"])
    assert result.errors == ()
    row = result.frame.row(0, named=True)
    assert row["last"] == 91234.57
    assert row["series"] == []
    assert row["series_time"] == []


async def test_coinbase_stats_failure_with_only_unlisted_others_is_source_wide() -> None:
    """BNB-USD is simply not listed, so the 503 is all we know about the source: back off."""
    seen: list[httpx.Request] = []
    broken = {"/products/BTC-USD/stats": json_response(503, {"message": "Service Unavailable"})}
    async with mock_fetcher(coinbase_handler(seen, broken)) as fetcher:
        with pytest.raises(FetchError) as info:
            await CoinbaseProvider(fetcher).fetch(["BTC-USD", "BNB-USD"])
    assert (info.value.kind, info.value.status) == (ErrorKind.HTTP, 503)
    assert "Service Unavailable" in info.value.message


async def test_coinbase_stats_failure_fails_only_that_symbol() -> None:
    seen: list[httpx.Request] = []
    broken = {"/products/BTC-USD/stats": json_response(503, {"message": "Service Unavailable"})}
    for part in ("ticker", "stats", "candles"):  # ETH-USD answers with BTC's bodies
        broken[f"/products/ETH-USD/{part}"] = httpx.Response(
            200, content=own_fixture(f"coinbase_{part}_BTC-USD.json")
        )
    async with mock_fetcher(coinbase_handler(seen, broken)) as fetcher:
        result = await CoinbaseProvider(fetcher).fetch(["BTC-USD", "ETH-USD", "BNB-USD"])
    assert result.frame.get_column("symbol").to_list() == ["ETH-USD"]
    failures = {e.symbol: (e.kind, e.status) for e in result.errors}
    assert failures == {
        "BTC-USD": (ErrorKind.HTTP, 503),
        "BNB-USD": (ErrorKind.UNSUPPORTED, 404),
    }


async def test_coinbase_schema_drift_is_a_per_symbol_parse_error() -> None:
    seen: list[httpx.Request] = []
    drift = {"/products/BTC-USD/stats": json_response(200, {"open": None, "high": "1", "low": "1"})}
    async with mock_fetcher(coinbase_handler(seen, drift)) as fetcher:
        result = await CoinbaseProvider(fetcher).fetch(["BTC-USD", "ETH-USD"])
    assert result.frame.height == 0
    kinds = {e.symbol: e.kind for e in result.errors}
    assert kinds == {"BTC-USD": ErrorKind.PARSE, "ETH-USD": ErrorKind.UNSUPPORTED}


async def test_coinbase_rate_limit_everywhere_is_source_wide() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return json_response(429, {"message": "Too Many Requests"}, {"Retry-After": "30"})

    async with mock_fetcher(handler) as fetcher:
        with pytest.raises(FetchError) as info:
            await CoinbaseProvider(fetcher).fetch(["BTC-USD", "ETH-USD"])
    assert info.value.kind is ErrorKind.RATE_LIMITED
    assert info.value.retry_after == 30.0
    assert info.value.source == "coinbase"
    assert info.value.symbol is None


async def test_coinbase_hostile_error_message_is_sanitised() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return json_response(404, {"message": HOSTILE})

    async with mock_fetcher(handler) as fetcher:
        result = await CoinbaseProvider(fetcher).fetch(["EVIL-USD"])
    [error] = result.errors
    assert is_clean(error.message)
    assert "evil" in error.message


async def test_coinbase_supports_product_ids_only() -> None:
    async with mock_fetcher(lambda request: json_response(500, {})) as fetcher:
        provider = CoinbaseProvider(fetcher)
    assert provider.supports("BTC-USD")
    assert provider.supports("eth-btc")
    assert not provider.supports("^GSPC")
    assert not provider.supports("BTC-USD/../../x")


# --------------------------------------------------------------------------- Binance


def test_binance_symbol_mapping() -> None:
    assert binance_pair("BTC-USD") == ("BTCUSDT", "USDT")
    assert binance_pair("ETH-BTC") == ("ETHBTC", "BTC")
    assert binance_pair("sol-usdt") == ("SOLUSDT", "USDT")
    assert binance_pair("^GSPC") is None
    assert binance_pair("XAU") is None


def test_binance_parse_ticker_24hr() -> None:
    entries = index_tickers(load("binance_ticker24hr_batch.json"))
    assert set(entries) == {"BTCUSDT", "ETHUSDT"}
    row = parse_ticker_24hr(entries["BTCUSDT"], "BTC-USD", "USDT")
    assert row.last == 91230.01
    assert row.prev_close == 90498.76
    assert row.last - (row.prev_close or 0) == pytest.approx(731.25)  # == priceChange
    assert (row.day_high, row.day_low) == (92877.0, 89001.12)
    assert row.as_of == datetime(2025, 11, 20, 14, 5, 12, 345000, tzinfo=UTC)
    assert row.currency == "USDT"
    assert row.source == "binance"
    eth = parse_ticker_24hr(entries["ETHUSDT"], "ETH-USD", "USDT")
    assert eth.last - (eth.prev_close or 0) == pytest.approx(-67.45)


def test_binance_parse_klines() -> None:
    points = parse_klines(load("binance_klines_BTCUSDT.json"))
    assert len(points) == 288
    assert points[0] == (utc(2025, 11, 19, 14, 10), 91647.26)
    assert points[-1] == (utc(2025, 11, 20, 14, 5), 91230.01)
    assert all(b[0] - a[0] == timedelta(minutes=5) for a, b in pairwise(points))


def test_binance_parse_klines_sorts_and_skips_junk() -> None:
    rows = [[300000, "1", "1", "1", "2"], [0, "1", "1", "1", "1"], [600000, "1", "1", "1", None]]
    assert parse_klines([*rows, "x", []]) == [
        (datetime(1970, 1, 1, tzinfo=UTC), 1.0),
        (datetime(1970, 1, 1, 0, 5, tzinfo=UTC), 2.0),
    ]


@pytest.mark.parametrize("field", ["lastPrice", "closeTime", "openPrice", "highPrice"])
@pytest.mark.parametrize("bad", [None, "n/a", [], {}])
def test_binance_ticker_drift_is_a_parse_error(field: str, bad: Any) -> None:
    entry = dict(load("binance_ticker24hr_BTCUSDT.json"))
    entry[field] = bad
    with pytest.raises(FetchError) as info:
        parse_ticker_24hr(entry, "BTC-USD", "USDT")
    assert info.value.kind is ErrorKind.PARSE
    missing = dict(load("binance_ticker24hr_BTCUSDT.json"))
    del missing[field]
    with pytest.raises(FetchError):
        parse_ticker_24hr(missing, "BTC-USD", "USDT")


def binance_handler(
    seen: list[httpx.Request],
    *,
    batch: httpx.Response | None = None,
    single: Callable[[str], httpx.Response] | None = None,
    klines: httpx.Response | None = None,
) -> Handler:
    singles = {
        "BTCUSDT": "binance_ticker24hr_BTCUSDT.json",
        "ETHUSDT": "binance_ticker24hr_ETHUSDT.json",
    }

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        params = request.url.params
        if request.url.path == "/api/v3/ticker/24hr" and "symbols" in params:
            if batch is not None:
                return batch
            return httpx.Response(200, content=own_fixture("binance_ticker24hr_batch.json"))
        if request.url.path == "/api/v3/ticker/24hr":
            if single is not None:
                return single(params["symbol"])
            name = singles.get(params["symbol"])
            if name is None:
                return httpx.Response(400, content=own_fixture("binance_error_invalid_symbol.json"))
            return httpx.Response(200, content=own_fixture(name))
        if request.url.path == "/api/v3/klines":
            if klines is not None:
                return klines
            if params["symbol"] == "BTCUSDT":
                return httpx.Response(200, content=own_fixture("binance_klines_BTCUSDT.json"))
            return json_response(200, [])
        return json_response(404, {})

    return handler


async def test_binance_fetch_uses_one_batch_request() -> None:
    seen: list[httpx.Request] = []
    async with mock_fetcher(binance_handler(seen)) as fetcher:
        result = await BinanceProvider(fetcher).fetch(["BTC-USD", "ETH-USD"])
    tickers = [r for r in seen if r.url.path == "/api/v3/ticker/24hr"]
    assert len(tickers) == 1
    assert tickers[0].url.host == "data-api.binance.vision"
    assert tickers[0].url.params["symbols"] == '["BTCUSDT","ETHUSDT"]'
    klines = sorted(
        (r.url.params["symbol"], r.url.params["interval"], r.url.params["limit"])
        for r in seen
        if r.url.path == "/api/v3/klines"
    )
    assert klines == [("BTCUSDT", "5m", "288"), ("ETHUSDT", "5m", "288")]
    assert result.errors == ()
    rows = {r["symbol"]: r for r in result.frame.iter_rows(named=True)}
    assert rows["BTC-USD"]["last"] == 91230.01
    assert rows["BTC-USD"]["currency"] == "USDT"
    assert len(rows["BTC-USD"]["series"]) == 289  # 288 klines + the live last price
    assert rows["BTC-USD"]["series"][-1] == 91230.01
    assert rows["ETH-USD"]["prev_close"] == 3088.9
    assert rows["ETH-USD"]["series"] == []


async def test_binance_invalid_symbol_falls_back_to_per_symbol() -> None:
    seen: list[httpx.Request] = []
    invalid = httpx.Response(400, content=own_fixture("binance_error_invalid_symbol.json"))
    async with mock_fetcher(binance_handler(seen, batch=invalid)) as fetcher:
        result = await BinanceProvider(fetcher).fetch(["BTC-USD", "NOPE-USD", "ETH-USD"])
    singles = sorted(
        r.url.params["symbol"]
        for r in seen
        if r.url.path == "/api/v3/ticker/24hr" and "symbol" in r.url.params
    )
    assert singles == ["BTCUSDT", "ETHUSDT", "NOPEUSDT"]
    assert sorted(result.frame["symbol"].to_list()) == ["BTC-USD", "ETH-USD"]
    [error] = result.errors
    assert (error.symbol, error.kind, error.status) == ("NOPE-USD", ErrorKind.UNSUPPORTED, 400)
    assert "Invalid symbol." in error.message
    assert "-1121" in error.message
    # The bad symbol's klines are never asked for.
    assert {r.url.params["symbol"] for r in seen if r.url.path == "/api/v3/klines"} == {
        "BTCUSDT",
        "ETHUSDT",
    }


async def test_binance_single_symbol_400_needs_no_fallback() -> None:
    seen: list[httpx.Request] = []
    invalid = httpx.Response(400, content=own_fixture("binance_error_invalid_symbol.json"))
    async with mock_fetcher(binance_handler(seen, batch=invalid)) as fetcher:
        result = await BinanceProvider(fetcher).fetch(["NOPE-USD"])
    assert len(seen) == 1
    assert [(e.symbol, e.kind) for e in result.errors] == [("NOPE-USD", ErrorKind.UNSUPPORTED)]


@pytest.mark.parametrize(
    ("status", "kind"),
    [(429, ErrorKind.RATE_LIMITED), (418, ErrorKind.RATE_LIMITED), (451, ErrorKind.BLOCKED)],
)
async def test_binance_batch_ban_is_source_wide(status: int, kind: ErrorKind) -> None:
    seen: list[httpx.Request] = []
    body = {"code": -1003, "msg": "Too much request weight used; IP banned until 1763650000000."}
    banned = json_response(status, body, {"Retry-After": "120"})
    async with mock_fetcher(binance_handler(seen, batch=banned)) as fetcher:
        with pytest.raises(FetchError) as info:
            await BinanceProvider(fetcher).fetch(["BTC-USD", "ETH-USD"])
    assert info.value.kind is kind
    assert info.value.status == status
    assert info.value.retry_after == 120.0
    assert info.value.source == "binance"
    assert "Too much request weight" in info.value.message
    assert len(seen) == 1  # no klines, no per-symbol retries while banned


async def test_binance_rate_limit_on_every_fallback_symbol_is_source_wide() -> None:
    seen: list[httpx.Request] = []
    invalid = httpx.Response(400, content=own_fixture("binance_error_invalid_symbol.json"))

    def limited(symbol: str) -> httpx.Response:
        return json_response(429, {"code": -1003, "msg": "slow down"}, {"Retry-After": "45"})

    handler = binance_handler(seen, batch=invalid, single=limited)
    async with mock_fetcher(handler) as fetcher:
        with pytest.raises(FetchError) as info:
            await BinanceProvider(fetcher).fetch(["BTC-USD", "ETH-USD"])
    assert info.value.kind is ErrorKind.RATE_LIMITED
    assert info.value.retry_after == 45.0
    assert info.value.source == "binance"


async def test_binance_klines_failure_leaves_series_empty() -> None:
    seen: list[httpx.Request] = []
    teapot = json_response(500, {"code": -1000, "msg": "unknown error"})
    async with mock_fetcher(binance_handler(seen, klines=teapot)) as fetcher:
        result = await BinanceProvider(fetcher).fetch(["BTC-USD"])
    assert result.errors == ()
    assert result.frame["series"].to_list() == [[]]
    assert result.frame["last"].to_list() == [91230.01]


async def test_binance_rate_limited_klines_back_the_source_off() -> None:
    seen: list[httpx.Request] = []
    limited = json_response(429, {"code": -1003, "msg": "slow down"}, {"Retry-After": "61"})
    async with mock_fetcher(binance_handler(seen, klines=limited)) as fetcher:
        with pytest.raises(FetchError) as info:
            await BinanceProvider(fetcher).fetch(["BTC-USD", "ETH-USD"])
    assert info.value.kind is ErrorKind.RATE_LIMITED
    assert info.value.retry_after == 61.0
    assert info.value.source == "binance"


async def test_binance_schema_drift() -> None:
    batch = load("binance_ticker24hr_batch.json")
    batch[0]["lastPrice"] = None
    seen: list[httpx.Request] = []
    drifted = json_response(200, batch)
    async with mock_fetcher(binance_handler(seen, batch=drifted)) as fetcher:
        result = await BinanceProvider(fetcher).fetch(["BTC-USD", "ETH-USD", "DOGE-USD"])
    assert result.frame["symbol"].to_list() == ["ETH-USD"]
    kinds = {e.symbol: e.kind for e in result.errors}
    assert kinds == {"BTC-USD": ErrorKind.PARSE, "DOGE-USD": ErrorKind.NO_DATA}

    seen.clear()
    not_a_list = json_response(200, {"symbol": "BTCUSDT"})
    async with mock_fetcher(binance_handler(seen, batch=not_a_list)) as fetcher:
        result = await BinanceProvider(fetcher).fetch(["BTC-USD", "ETH-USD"])
    assert result.frame.height == 0
    assert {e.kind for e in result.errors} == {ErrorKind.PARSE}


async def test_binance_hostile_error_message_is_sanitised() -> None:
    seen: list[httpx.Request] = []
    hostile = json_response(400, {"code": -1121, "msg": HOSTILE})
    async with mock_fetcher(binance_handler(seen, batch=hostile)) as fetcher:
        result = await BinanceProvider(fetcher).fetch(["BTC-USD"])
    [error] = result.errors
    assert is_clean(error.message)
    assert "evil" in error.message


# --------------------------------------------------------------------------- CoinGecko


def test_coingecko_parse_market() -> None:
    markets = index_markets(load("coingecko_markets.json"))
    assert set(markets) == {"bitcoin", "ethereum", "solana"}
    row = parse_market(markets["bitcoin"], "BTC-USD")
    as_of = datetime(2025, 11, 20, 14, 4, 31, 118000, tzinfo=UTC)
    assert row.last == 91241.0
    assert row.prev_close == pytest.approx(90512.45)
    assert (row.day_high, row.day_low) == (92901.0, 88998.0)
    assert row.as_of == as_of
    assert (row.name, row.currency, row.source) == ("Bitcoin", "USD", "coingecko")
    assert len(row.series) == len(row.series_time) == 24
    assert row.series_time[0] == as_of - timedelta(hours=23)
    assert row.series_time[-1] == as_of
    assert row.series[0] == 90375.6438805583
    assert row.series[-1] == 91187.40451
    eth = parse_market(markets["ethereum"], "ETH-USD")
    assert eth.prev_close == pytest.approx(3022.11 + 66.312804)


def test_coingecko_pruned_and_null_fields() -> None:
    entry = {
        "id": "bitcoin",
        "name": "Bitcoin",
        "current_price": 77356,
        "price_change_24h": None,
        "high_24h": None,
        "last_updated": "2026-09-02T20:41:30.000Z",
        "sparkline_in_7d": {"price": [1.0, None, 3.0]},
    }
    row = parse_market(entry, "BTC-USD")
    assert (row.prev_close, row.day_high, row.day_low) == (None, None, None)
    as_of = datetime(2026, 9, 2, 20, 41, 30, tzinfo=UTC)
    # A null point is a gap: the others keep their hourly places.
    assert row.series_time == [as_of - timedelta(hours=2), as_of]
    assert row.series == [1.0, 3.0]
    entry["sparkline_in_7d"] = None
    assert parse_market(entry, "BTC-USD").series == []


@pytest.mark.parametrize(
    "change",
    [{"current_price": None}, {"current_price": "77k"}, {"last_updated": 1790000000}, {"id": []}],
)
def test_coingecko_drift_is_a_parse_error(change: dict[str, Any]) -> None:
    entry = {"id": "bitcoin", "current_price": 77356, "last_updated": "2026-09-02T20:41:30Z"}
    entry.update(change)
    if "id" in change:
        assert index_markets([entry]) == {}
        return
    with pytest.raises(FetchError) as info:
        parse_market(entry, "BTC-USD")
    assert info.value.kind is ErrorKind.PARSE


async def test_coingecko_fetch_one_request_and_missing_coin() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=own_fixture("coingecko_markets.json"))

    provider_symbols = ["BTC-USD", "ETH-USD", "SOL-USD", "BNB-USD", "BTC-EUR"]
    async with mock_fetcher(handler) as fetcher:
        provider = CoinGeckoProvider(fetcher)
        result = await provider.fetch(provider_symbols)
    [request] = seen
    assert request.url.host == "api.coingecko.com"
    assert request.url.path == "/api/v3/coins/markets"
    assert dict(request.url.params) == {
        "vs_currency": "usd",
        "ids": "bitcoin,ethereum,solana,binancecoin",
        "sparkline": "true",
        "price_change_percentage": "24h",
    }
    assert result.frame["symbol"].to_list() == ["BTC-USD", "ETH-USD", "SOL-USD"]
    kinds = {e.symbol: e.kind for e in result.errors}
    assert kinds == {"BNB-USD": ErrorKind.NO_DATA, "BTC-EUR": ErrorKind.UNSUPPORTED}
    assert provider.supports("DOGE-USD")
    assert provider.supports("ton-usd")
    assert not provider.supports("BTC-EUR")
    assert not provider.supports("PEPE-USD")


async def test_coingecko_rate_limit_is_source_wide() -> None:
    body = {"status": {"error_code": 429, "error_message": "You've exceeded the Rate Limit."}}

    def handler(request: httpx.Request) -> httpx.Response:
        return json_response(429, body, {"Retry-After": "60"})

    async with mock_fetcher(handler) as fetcher:
        with pytest.raises(FetchError) as info:
            await CoinGeckoProvider(fetcher).fetch(["BTC-USD"])
    assert info.value.kind is ErrorKind.RATE_LIMITED
    assert info.value.retry_after == 60.0
    assert info.value.source == "coingecko"
    assert "exceeded the Rate Limit" in info.value.message


async def test_coingecko_body_drift_and_hostile_name() -> None:
    markets = load("coingecko_markets.json")
    markets[0]["name"] = HOSTILE
    markets[1]["current_price"] = None

    def handler(request: httpx.Request) -> httpx.Response:
        return json_response(200, markets)

    async with mock_fetcher(handler) as fetcher:
        result = await CoinGeckoProvider(fetcher).fetch(["BTC-USD", "ETH-USD"])
    [name] = result.frame["name"].to_list()
    assert is_clean(name)
    assert name.endswith("evil name")
    assert [(e.symbol, e.kind) for e in result.errors] == [("ETH-USD", ErrorKind.PARSE)]

    def not_a_list(request: httpx.Request) -> httpx.Response:
        return json_response(200, {"bitcoin": {}})

    async with mock_fetcher(not_a_list) as fetcher:
        result = await CoinGeckoProvider(fetcher).fetch(["BTC-USD", "ETH-USD"])
    assert result.frame.height == 0
    assert [e.kind for e in result.errors] == [ErrorKind.PARSE, ErrorKind.PARSE]


# --------------------------------------------------------------------------- gold-api.com


def test_goldapi_parse_price() -> None:
    row = parse_price(load("goldapi_price_XAU.json"), "XAU")
    assert row.last == 4012.6
    assert row.as_of == utc(2025, 11, 20, 14, 3, 22)
    assert (row.name, row.currency, row.source) == ("Gold", "USD", "goldapi")
    # No previous close, range or history from this source: none is invented.
    assert (row.prev_close, row.day_high, row.day_low) == (None, None, None)
    assert row.series == []


@pytest.mark.parametrize(
    "change",
    [{"price": None}, {"price": "cheap"}, {"updatedAt": None}, {"symbol": "XAG"}, {"symbol": 7}],
)
def test_goldapi_drift_is_a_parse_error(change: dict[str, Any]) -> None:
    payload = load("goldapi_price_XAU.json")
    payload.update(change)
    with pytest.raises(FetchError) as info:
        parse_price(payload, "XAU")
    assert info.value.kind is ErrorKind.PARSE


async def test_goldapi_fetch() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/price/XAU":
            return httpx.Response(200, content=own_fixture("goldapi_price_XAU.json"))
        if request.url.path == "/price/XAG":
            return httpx.Response(200, content=own_fixture("goldapi_price_XAG.json"))
        return json_response(404, {"error": HOSTILE})

    async with mock_fetcher(handler) as fetcher:
        provider = GoldApiProvider(fetcher)
        result = await provider.fetch(["XAU", "XAG", "XPT"])
    assert sorted(str(r.url) for r in seen) == [
        "https://api.gold-api.com/price/XAG",
        "https://api.gold-api.com/price/XAU",
        "https://api.gold-api.com/price/XPT",
    ]
    rows = {r["symbol"]: r for r in result.frame.iter_rows(named=True)}
    assert rows["XAG"]["last"] == 50.87
    assert rows["XAU"]["prev_close"] is None
    [error] = result.errors
    assert (error.symbol, error.kind) == ("XPT", ErrorKind.NO_DATA)
    assert is_clean(error.message)
    assert provider.supports("HG")
    assert not provider.supports("GC=F")
    assert not provider.supports("BTC-USD")
    assert provider.default_max_age == 600


async def test_goldapi_rate_limit_everywhere_is_source_wide() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, text="Too Many Requests", headers={"Retry-After": "90"})

    async with mock_fetcher(handler) as fetcher:
        with pytest.raises(FetchError) as info:
            await GoldApiProvider(fetcher).fetch(["XAU", "XAG"])
    assert info.value.kind is ErrorKind.RATE_LIMITED
    assert info.value.retry_after == 90.0
    assert info.value.source == "goldapi"


async def test_coinbase_asks_for_candles_once_per_bar() -> None:
    """Coinbase allows ~10 public requests a second: candles are fetched once per 5-min bar."""
    seen: list[httpx.Request] = []
    async with mock_fetcher(coinbase_handler(seen)) as fetcher:
        provider = CoinbaseProvider(fetcher)
        first = await provider.fetch(["BTC-USD"])
        second = await provider.fetch(["BTC-USD"])  # same ticker time: same bar
    paths = [r.url.path for r in seen]
    assert paths.count("/products/BTC-USD/candles") == 1
    assert paths.count("/products/BTC-USD/ticker") == 2
    assert first.frame["series"].to_list() == second.frame["series"].to_list()


async def test_binance_asks_for_klines_once_per_bar() -> None:
    seen: list[httpx.Request] = []
    async with mock_fetcher(binance_handler(seen)) as fetcher:
        provider = BinanceProvider(fetcher)
        await provider.fetch(["BTC-USD"])
        await provider.fetch(["BTC-USD"])
    assert [r.url.path for r in seen].count("/api/v3/klines") == 1
