"""Yahoo v8 chart: parsing own fixtures (real format) and fetching through a mock transport."""

from __future__ import annotations

import copy
import json
import math
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.helpers import own_fixture
from tui.data.errors import ErrorKind, FetchError
from tui.data.http import Fetcher, make_client
from tui.data.providers.yahoo import YahooChartProvider, parse_chart
from tui.data.schema import QUOTE_SCHEMA


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(own_fixture(name))
    return data


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


def meta_of(payload: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = payload["chart"]["result"][0]["meta"]
    return meta


# --- parse_chart ----------------------------------------------------------------------------------


def test_range_1d_index_with_previous_close() -> None:
    row = parse_chart(load("yahoo_gspc_range1d_5m.json"), "^GSPC")
    assert row.symbol == "^GSPC"
    assert row.source == "yahoo"
    assert row.name == "S&P 500"
    assert row.currency == "USD"
    assert row.last == 5653.08
    assert row.prev_close == 5638.94
    assert row.day_high == 5657.6
    assert row.day_low == 5635.77
    assert row.as_of == utc(2025, 3, 17, 14, 4, 37)
    assert row.session_start == utc(2025, 3, 17, 13, 30)
    assert row.session_end == utc(2025, 3, 17, 20, 0)


def test_null_bars_in_the_middle_and_at_the_end_are_dropped() -> None:
    row = parse_chart(load("yahoo_gspc_range1d_5m.json"), "^GSPC")
    # 8 bars, the 13:45 one and the in-progress 14:05 one are null.
    assert row.series_time == [
        utc(2025, 3, 17, 13, 30),
        utc(2025, 3, 17, 13, 35),
        utc(2025, 3, 17, 13, 40),
        utc(2025, 3, 17, 13, 50),
        utc(2025, 3, 17, 13, 55),
        utc(2025, 3, 17, 14, 0),
    ]
    assert row.series == [
        5641.2001953125,
        5646.8798828125,
        5652.1298828125,
        5649.02001953125,
        5655.47021484375,
        5651.35986328125,
    ]
    assert None not in row.series


def test_explicit_previous_close_beats_chart_previous_close() -> None:
    payload = load("yahoo_gspc_range1d_5m.json")
    meta_of(payload)["chartPreviousClose"] = 1.0
    assert parse_chart(payload, "^GSPC").prev_close == 5638.94


def test_range_1d_without_previous_close_uses_chart_previous_close() -> None:
    row = parse_chart(load("yahoo_n225_range1d_no_prev.json"), "^N225")
    assert row.prev_close == 37396.52
    assert row.last == 37648.32
    assert row.currency == "JPY"
    assert row.name == "Nikkei 225"
    assert row.day_high == 37663.28
    assert row.day_low == 37487.12
    assert row.as_of == utc(2025, 3, 18, 0, 34, 8)
    assert len(row.series) == 7
    assert (row.series_time[0], row.series[0]) == (utc(2025, 3, 18, 0, 0), 37512.609375)
    assert (row.series_time[-1], row.series[-1]) == (utc(2025, 3, 18, 0, 30), 37641.2890625)


def test_range_1d_bars_long_after_the_last_price_are_not_today() -> None:
    payload = load("yahoo_n225_range1d_no_prev.json")
    result = payload["chart"]["result"][0]
    result["timestamp"].append(1742261400)  # 2025-03-18 01:30 UTC, ~56 min after as_of
    result["indicators"]["quote"][0]["close"].append(40000.0)
    row = parse_chart(payload, "^N225")
    assert len(row.series) == 7
    assert 40000.0 not in row.series


def test_daily_window_derives_previous_close_from_prior_session_bar() -> None:
    # period1/period2 window: chartPreviousClose (5770.2) is the close *before the window*.
    row = parse_chart(load("yahoo_gspc_1d_period_last_week.json"), "^GSPC")
    assert row.prev_close == 5521.52001953125  # the 2025-03-13 bar
    assert row.last == 5638.94
    assert row.as_of == utc(2025, 3, 14, 20, 0)
    assert row.series_time == [utc(2025, 3, 14, 13, 30)]
    assert row.series == [5638.93994140625]


def test_daily_window_derivation_skips_null_bars_and_missing_days() -> None:
    payload = load("yahoo_gspc_1d_period_last_week.json")
    result = payload["chart"]["result"][0]
    closes = result["indicators"]["quote"][0]["close"]
    closes[1] = closes[2] = closes[3] = None  # 11th, 12th and 13th null: 10th is the prior bar
    row = parse_chart(payload, "^GSPC")
    assert row.prev_close == 5614.56005859375


def test_daily_window_years_old_leaves_previous_close_unknown() -> None:
    # Bars from January 2020, meta from March 2025: chartPreviousClose is the 2019 close.
    row = parse_chart(load("yahoo_gspc_1d_period_2020.json"), "^GSPC")
    assert row.prev_close is None
    assert row.last == 5638.94
    assert row.as_of == utc(2025, 3, 14, 20, 0)
    assert row.series == []
    assert row.series_time == []


def test_weekend_window_with_no_timestamps() -> None:
    row = parse_chart(load("yahoo_ftse_weekend_empty.json"), "^FTSE")
    assert row.last == 8632.33
    assert row.prev_close is None  # range "" and no bars: chartPreviousClose is not trusted
    assert row.currency == "GBP"
    assert row.name == "FTSE 100"
    assert row.day_high == 8646.9
    assert row.day_low == 8542.56
    assert row.as_of == utc(2025, 3, 14, 16, 35, 30)
    assert row.series == []
    assert row.series_time == []


def test_weekend_window_without_meta_price_is_no_data() -> None:
    payload = load("yahoo_ftse_weekend_empty.json")
    del meta_of(payload)["regularMarketPrice"]
    with pytest.raises(FetchError) as info:
        parse_chart(payload, "^FTSE")
    assert info.value.kind is ErrorKind.NO_DATA


def test_last_and_time_fall_back_to_newest_non_null_bar() -> None:
    payload = load("yahoo_gspc_range1d_5m.json")
    del meta_of(payload)["regularMarketPrice"]
    del meta_of(payload)["regularMarketTime"]
    row = parse_chart(payload, "^GSPC")
    assert row.last == 5651.35986328125  # the trailing null bar is skipped
    assert row.as_of == utc(2025, 3, 17, 14, 0)


def test_hostile_short_name_is_sanitised() -> None:
    row = parse_chart(load("yahoo_hostile_name.json"), "EVIL")
    assert row.name == "Evil Corp gnp.exe"
    assert row.name is not None
    assert "\x1b" not in row.name
    assert "\u202e" not in row.name
    assert row.last == 12.34
    assert row.prev_close == 12.0
    assert row.series == [12.1, 12.25, 12.34]


def test_long_name_is_used_and_sanitised_when_short_name_is_absent() -> None:
    payload = load("yahoo_hostile_name.json")
    del meta_of(payload)["shortName"]
    assert parse_chart(payload, "EVIL").name == "Evil Corp Inc."


@pytest.mark.parametrize(
    ("name", "description"),
    [
        ("yahoo_error_404.json", "No data found, symbol may be delisted"),
        (
            "yahoo_error_400.json",
            "Data doesn't exist for startDate = 1741564800, endDate = 1742169600",
        ),
    ],
)
def test_error_bodies_are_no_data(name: str, description: str) -> None:
    with pytest.raises(FetchError) as info:
        parse_chart(load(name), "SI")
    assert info.value.kind is ErrorKind.NO_DATA
    assert info.value.message == description


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        ([], ErrorKind.PARSE),
        ("chart", ErrorKind.PARSE),
        ({}, ErrorKind.PARSE),
        ({"chart": None}, ErrorKind.PARSE),
        ({"chart": {"result": None, "error": None}}, ErrorKind.NO_DATA),
        ({"chart": {"result": [], "error": None}}, ErrorKind.NO_DATA),
        ({"chart": {"result": [None]}}, ErrorKind.NO_DATA),
        ({"chart": {"result": [{}]}}, ErrorKind.PARSE),
        ({"chart": {"result": [{"meta": []}]}}, ErrorKind.PARSE),
        ({"chart": {"result": [{"meta": {}}]}}, ErrorKind.NO_DATA),
        (
            {"chart": {"result": [{"meta": {"regularMarketPrice": "NaN"}, "timestamp": "x"}]}},
            ErrorKind.NO_DATA,
        ),
    ],
)
def test_malformed_payloads_raise_typed_errors(payload: Any, kind: ErrorKind) -> None:
    with pytest.raises(FetchError) as info:
        parse_chart(payload, "X")
    assert info.value.kind is kind


@pytest.mark.parametrize("tz_name", [None, "", "Not/AZone", "../../etc/passwd", 42])
@pytest.mark.parametrize("gmtoffset", [None, -14400, 1e9, "junk"])
def test_bad_timezone_fields_do_not_crash(tz_name: object, gmtoffset: object) -> None:
    payload = load("yahoo_gspc_1d_period_last_week.json")
    meta = meta_of(payload)
    meta["exchangeTimezoneName"] = tz_name
    meta["gmtoffset"] = gmtoffset
    row = parse_chart(payload, "^GSPC")
    assert row.last == 5638.94
    assert row.prev_close == 5521.52001953125


def test_input_payload_is_not_mutated() -> None:
    payload = load("yahoo_gspc_range1d_5m.json")
    before = copy.deepcopy(payload)
    parse_chart(payload, "^GSPC")
    assert payload == before


# --- fetch through the shared client --------------------------------------------------------------


def chart_only(provider: YahooChartProvider) -> YahooChartProvider:
    """The provider in its per-symbol chart fallback (spark is tested in test_yahoo_spark)."""
    provider.spark_retry_at = math.inf
    return provider


def json_response(name: str, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status, content=own_fixture(name), headers={"content-type": "application/json"}
    )


async def test_supports_everything_but_spot_metals() -> None:
    async with make_client() as client:
        provider = chart_only(YahooChartProvider(Fetcher(client)))
    assert not any(provider.supports(s) for s in ("XAU", "xau", "XAG", "XPT", "XPD"))
    assert all(provider.supports(s) for s in ("^GSPC", "GC=F", "BTC-USD", "EURUSD=X", "AAPL"))


async def test_request_url_and_params() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return json_response("yahoo_gspc_range1d_5m.json")

    async with make_client(transport=httpx.MockTransport(handler)) as client:
        result = await chart_only(YahooChartProvider(Fetcher(client))).fetch(["^GSPC"])

    (request,) = seen
    assert request.method == "GET"
    assert request.url.host == "query1.finance.yahoo.com"
    assert request.url.raw_path.split(b"?")[0] == b"/v8/finance/chart/%5EGSPC"
    assert dict(request.url.params) == {
        "range": "1d",
        "interval": "5m",
        "includePrePost": "false",
    }
    assert result.errors == ()
    assert result.frame.schema == QUOTE_SCHEMA
    assert result.frame.height == 1
    row = result.frame.row(0, named=True)
    assert row["symbol"] == "^GSPC"
    assert row["source"] == "yahoo"
    assert row["last"] == 5653.08
    assert row["prev_close"] == 5638.94
    assert len(row["series"]) == 6


async def test_base_url_override_is_honoured() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return json_response("yahoo_n225_range1d_no_prev.json")

    async with make_client(transport=httpx.MockTransport(handler)) as client:
        provider = chart_only(
            YahooChartProvider(Fetcher(client), base_url="http://127.0.0.1:8099/yf/")
        )
        result = await provider.fetch(["GC=F"])

    assert result.frame.height == 1
    (url,) = seen
    assert url.startswith("http://127.0.0.1:8099/yf/v8/finance/chart/GC%3DF?")


async def test_404_for_one_symbol_is_a_per_symbol_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.raw_path.startswith(b"/v8/finance/chart/SI?"):
            return json_response("yahoo_error_404.json", 404)
        if request.url.raw_path.startswith(b"/v8/finance/chart/%5EN225?"):
            return json_response("yahoo_n225_range1d_no_prev.json")
        return json_response("yahoo_gspc_range1d_5m.json")

    async with make_client(transport=httpx.MockTransport(handler)) as client:
        result = await chart_only(YahooChartProvider(Fetcher(client))).fetch(
            ["^GSPC", "SI", "^N225"]
        )

    assert result.frame["symbol"].to_list() == ["^GSPC", "^N225"]
    assert result.frame["last"].to_list() == [5653.08, 37648.32]
    (error,) = result.errors
    assert error.source == "yahoo"
    assert error.symbol == "SI"
    assert error.kind is ErrorKind.NO_DATA
    assert error.status == 404
    assert "No data found, symbol may be delisted" in error.message


async def test_400_error_body_keeps_yahoo_description() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return json_response("yahoo_error_400.json", 400)

    async with make_client(transport=httpx.MockTransport(handler)) as client:
        result = await chart_only(YahooChartProvider(Fetcher(client))).fetch(["BEKE"])

    assert result.frame.height == 0
    (error,) = result.errors
    assert error.kind is ErrorKind.NO_DATA
    assert error.status == 400
    assert error.message == (
        "HTTP 400: Bad Request: Data doesn't exist for startDate = 1741564800, endDate = 1742169600"
    )


async def test_429_for_every_symbol_is_a_source_wide_rate_limit() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429,
            content=b"Too Many Requests\r\n",
            headers={"Retry-After": "30", "content-type": "text/html"},
        )

    async with make_client(transport=httpx.MockTransport(handler)) as client:
        provider = chart_only(YahooChartProvider(Fetcher(client)))
        with pytest.raises(FetchError) as info:
            await provider.fetch(["^GSPC", "^N225", "GC=F"])

    assert info.value.kind is ErrorKind.RATE_LIMITED
    assert info.value.retry_after == 30.0
    assert info.value.status == 429
    assert info.value.source == "yahoo"
    assert info.value.symbol is None


async def test_429_for_some_symbols_only_is_per_symbol() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if b"%5EGSPC" in request.url.raw_path:
            return json_response("yahoo_gspc_range1d_5m.json")
        return httpx.Response(429, content=b"Too Many Requests", headers={"Retry-After": "30"})

    async with make_client(transport=httpx.MockTransport(handler)) as client:
        result = await chart_only(YahooChartProvider(Fetcher(client))).fetch(["^GSPC", "^N225"])

    assert result.frame["symbol"].to_list() == ["^GSPC"]
    (error,) = result.errors
    assert (error.symbol, error.kind, error.retry_after) == ("^N225", ErrorKind.RATE_LIMITED, 30.0)


async def test_html_with_status_200_is_a_parse_error() -> None:
    html = b"<!doctype html><html><head><title>Yahoo</title></head><body>Oops</body></html>"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=html, headers={"content-type": "text/html"})

    async with make_client(transport=httpx.MockTransport(handler)) as client:
        result = await chart_only(YahooChartProvider(Fetcher(client))).fetch(["^GSPC"])

    assert result.frame.height == 0
    (error,) = result.errors
    assert error.symbol == "^GSPC"
    assert error.kind is ErrorKind.PARSE


async def test_connection_failure_for_every_symbol_is_source_wide() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    async with make_client(transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(FetchError) as info:
            await chart_only(YahooChartProvider(Fetcher(client))).fetch(["^GSPC", "^N225"])

    assert info.value.kind is ErrorKind.NETWORK
    assert info.value.message == "DNS lookup failed"
