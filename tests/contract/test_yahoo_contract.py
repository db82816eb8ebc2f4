"""Yahoo v8 chart parser against real recorded responses in ``../shared/fixtures/yahoo``.

Every expected value below was read from the recording itself (meta block and bar arrays).
The whole module skips when the shared folder is absent.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.helpers import shared_dir, unwrap_recording
from tui.data.errors import ErrorKind, FetchError
from tui.data.http import Fetcher, make_client
from tui.data.providers.yahoo import YahooChartProvider, parse_chart
from tui.data.sanitize import sanitize_text
from tui.data.schema import QUOTE_SCHEMA, quotes_frame

pytestmark = pytest.mark.contract

TNX = "chart-v8_^TNX_10y-yield-index_5m_range1d.lpad.json"
GOLD = "chart-v8_GC=F_comex-gold-futures_1d_2025-02-20.nyf2.json"
BTC = "chart-v8_BTC-USD_crypto_1d_2025-02-20.nyf2.json"
EURUSD = "chart-v8_EURUSD=X_fx_1d_2025-02-20.nyf2.json"
AAPL_WEEKEND = "chart-v8_AAPL_1m_weekend-range_no-timestamps.nyf2.json"
AAPL_1M = "chart-v8_AAPL_1m_2024-10-02_null-close.nyf2.json"
WSU = "chart-v8_WSU.DE_1d_null-row.nyf2.json"
FUND = "chart-v8_0P0000XTS7_mutualfund_1d_trailing-null.nyf2.json"
VXAPL = "chart-v8_^VXAPL_index_empty-quote_null-firstTradeDate.nyf2.json"
SI_404 = "chart-v8_SI_404_no-data-found-symbol-may-be-delisted.nyf2.json"
BEKE_400 = "chart-v8_BEKE_400_data-doesnt-exist-for-range.nyf2.json"
SPARK = "spark-v7-flat_AAPL,^GSPC,HSBA.L,EURUSD=X_5m.omarchy.json"
SPARK_V8_FLAT = "spark-v8-flat_AAPL,VTI_1mo-1d_via-yfapi.dejwcake.json"
SPARK_72 = "spark-v7_72-symbols-fx-futures-indices-yields_1mo-1d_merged-4-requests.glimpse.json"
GSPC_2Y = "chart-v8_^GSPC_index_2y-1d_ohlcv-adjclose.glimpse.json"
EURUSD_5M = "chart-v8_EURUSD=X_fx_5m_range1d_12-bars.omarchy.json"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


@dataclass(frozen=True)
class Expected:
    symbol: str
    last: float
    prev_close: float | None
    day_high: float | None
    day_low: float | None
    as_of: datetime
    name: str | None
    currency: str
    points: int
    first: tuple[datetime, float] | None = None
    final: tuple[datetime, float] | None = None


OK: dict[str, Expected] = {
    # range=1d: previousClose 4.227 (chartPreviousClose agrees); 15 bars, none null.
    TNX: Expected(
        "^TNX", 4.275, 4.227, 4.261, 4.237, utc(2026, 2, 2, 19, 59, 52),
        "CBOE Interest Rate 10 Year T No", "USD", 15,
        (utc(2026, 2, 2, 18, 45), 4.270999908447266),
        (utc(2026, 2, 2, 19, 55), 4.275000095367432),
    ),
    # Live 2025 meta over 2020 bars: chartPreviousClose 1519.5 is the 2019 close -> unknown.
    GOLD: Expected(
        "GC=F", 2952.5, None, 2973.4, 2949.1, utc(2025, 2, 20, 11, 35, 11),
        "Gold Apr 25", "USD", 0,
    ),
    BTC: Expected(
        "BTC-USD", 97208.17, None, 97372.1, 96481.414, utc(2025, 2, 20, 11, 44),
        "Bitcoin USD", "USD", 0,
    ),
    EURUSD: Expected(
        "EURUSD=X", 1.0436, None, 1.0449, 1.0422, utc(2025, 2, 20, 11, 46, 42),
        "EUR/USD", "USD", 0,
    ),
    # No timestamps, quote=[{}]; explicit previousClose 244.47 beats chartPreviousClose 236.
    AAPL_WEEKEND: Expected(
        "AAPL", 244.87, 244.47, 246.01, 243.16, utc(2025, 2, 19, 21, 0, 1),
        "Apple Inc.", "USD", 0,
    ),
    # 391 one-minute bars of 2024-10-02 plus Yahoo's live bar at the 2024-10-03 close; the
    # series is the session of the last price (2024-10-03), i.e. that one live bar.
    AAPL_1M: Expected(
        "AAPL", 225.67, 226.78, 226.8, 223.324, utc(2024, 10, 3, 20, 0, 1),
        "Apple Inc.", "USD", 1,
        (utc(2024, 10, 3, 20, 0), 225.6699981689453),
        (utc(2024, 10, 3, 20, 0), 225.6699981689453),
    ),
    # Bars 4/7/8 Aug 2023 (7 Aug all null), meta from 4 Sep 2023: no name keys in meta.
    WSU: Expected(
        "WSU.DE", 33.35, None, None, None, utc(2023, 9, 4, 7, 32, 53), None, "EUR", 0,
    ),
    # Stale NAV (July) with September bars, the last one null.
    FUND: Expected(
        "0P0000XTS7", 11796.7, None, None, None, utc(2024, 7, 19, 20, 0),
        "Goldman Sachs US$ Liquid Reserv", "USD", 0,
    ),
    # 501 daily bars; chartPreviousClose 5618.26 is the close before the 2-year window, so the
    # previous close is close[-2] (2026-09-17); the series is the last price's session (1 bar).
    GSPC_2Y: Expected(
        "^GSPC", 7650.5, 7637.759765625, 7657.17, 7610.52, utc(2026, 9, 18, 21, 29, 48),
        "S&P 500", "USD", 1,
        (utc(2026, 9, 18, 13, 30), 7650.5),
        (utc(2026, 9, 18, 13, 30), 7650.5),
    ),
    # 12 five-minute bars; the last stamp is regularMarketTime itself (a live partial bar).
    EURUSD_5M: Expected(
        "EURUSD=X", 1.1592, 1.1593, 1.1608, 1.1571, utc(2026, 9, 2, 21, 30, 52),
        "EUR/USD", "USD", 12,
        (utc(2026, 9, 2, 20, 40), 1.159151554107666),
        (utc(2026, 9, 2, 21, 30, 52), 1.159151554107666),
    ),
    # quote=[{}], adjclose=[{}], firstTradeDate null; chartPreviousClose 27.96 not trusted.
    VXAPL: Expected(
        "^VXAPL", 27.37, None, None, None, utc(2021, 11, 19, 20, 59, 50), None, "USD", 0,
    ),
}  # fmt: skip

ERRORS: dict[str, tuple[str, int, str, str]] = {
    SI_404: ("SI", 404, "Not Found", "No data found, symbol may be delisted"),
    BEKE_400: (
        "BEKE",
        400,
        "Bad Request",
        "Data doesn't exist for startDate = 1577836800, endDate = 1578009600",
    ),
}

NOT_CHART = {SPARK, SPARK_V8_FLAT, SPARK_72}


def recording(name: str) -> tuple[int, dict[str, str], bytes]:
    path = shared_dir("yahoo") / name
    assert path.is_file(), f"{name} is missing from the shared fixtures"
    return unwrap_recording(path)


def payload_of(name: str) -> Any:
    _, _, body = recording(name)
    return json.loads(body)


def meta_of(payload: Any) -> dict[str, Any]:
    meta: dict[str, Any] = payload["chart"]["result"][0]["meta"]
    return meta


def is_chart(payload: Any) -> bool:
    return isinstance(payload, dict) and isinstance(payload.get("chart"), dict)


def serve(name: str) -> httpx.MockTransport:
    """Serve a recording for every request, as the recorded server answered it."""
    status, headers, body = recording(name)
    # The body is stored decoded (and bodyJson re-serialised), so length/encoding no longer apply.
    dropped = {"content-length", "content-encoding", "transfer-encoding", "connection"}
    kept = {k: v for k, v in headers.items() if k not in dropped}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=kept, content=body)

    return httpx.MockTransport(handler)


# --- every file -----------------------------------------------------------------------------------


def test_every_pinned_recording_is_still_there() -> None:
    """New recordings are covered by the generic test below; a vanished one is worth a look."""
    names = {p.name for p in shared_dir("yahoo").iterdir() if p.suffix == ".json"}
    missing = (set(OK) | set(ERRORS) | NOT_CHART) - names
    assert not missing, f"pinned Yahoo recordings disappeared: {sorted(missing)}"


def test_every_chart_recording_parses_or_fails_typed() -> None:
    folder = shared_dir("yahoo")
    charts = 0
    for path in sorted(folder.glob("*.json")):
        assert path.name in set(OK) | set(ERRORS) | NOT_CHART, f"new recording {path.name}: pin it"
        status, _, body = unwrap_recording(path)
        payload = json.loads(body)
        if not is_chart(payload):
            with pytest.raises(FetchError) as info:
                parse_chart(payload, "X")
            assert info.value.kind is ErrorKind.PARSE, path.name
            continue
        charts += 1
        if status != 200:
            with pytest.raises(FetchError) as info:
                parse_chart(payload, "X")
            assert info.value.kind is ErrorKind.NO_DATA, path.name
            continue
        row = parse_chart(payload, "X")
        assert math.isfinite(row.last), path.name
        assert row.last > 0, path.name
        assert row.as_of.utcoffset() == UTC.utcoffset(None), path.name
        assert row.prev_close is None or row.prev_close > 0, path.name
        assert len(row.series) == len(row.series_time), path.name
        assert row.series_time == sorted(row.series_time), path.name
        assert all(math.isfinite(p) for p in row.series), path.name
        assert row.name is None or sanitize_text(row.name) == row.name
        frame = quotes_frame([row])
        assert frame.schema == QUOTE_SCHEMA
        assert frame.height == 1
    assert charts == len(OK) + len(ERRORS)


# --- pinned values --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(OK))
def test_pinned_values(name: str) -> None:
    want = OK[name]
    status, _, body = recording(name)
    assert status == 200
    row = parse_chart(json.loads(body), want.symbol)
    assert row.symbol == want.symbol
    assert row.source == "yahoo"
    assert row.last == want.last
    assert row.prev_close == want.prev_close
    assert row.day_high == want.day_high
    assert row.day_low == want.day_low
    assert row.as_of == want.as_of
    assert row.name == want.name
    assert row.currency == want.currency
    assert len(row.series) == want.points
    if want.points:
        assert (row.series_time[0], row.series[0]) == want.first
        assert (row.series_time[-1], row.series[-1]) == want.final
    else:
        assert row.series_time == []


def test_gold_chart_previous_close_from_2020_is_not_used() -> None:
    payload = payload_of(GOLD)
    assert meta_of(payload)["chartPreviousClose"] == 1519.5
    assert "previousClose" not in meta_of(payload)
    row = parse_chart(payload, "GC=F")
    assert row.prev_close is None
    assert 1524.5 not in row.series  # the lone 2020-01-02 bar is not today's


def test_tnx_session_window() -> None:
    row = parse_chart(payload_of(TNX), "^TNX")
    assert row.session_start == utc(2026, 2, 2, 13, 20)
    assert row.session_end == utc(2026, 2, 2, 20, 0)
    assert row.series[7] == 4.279000282287598  # 19:20 UTC, the high of the window


def test_aapl_1m_null_close_is_dropped() -> None:
    payload = payload_of(AAPL_1M)
    result = payload["chart"]["result"][0]
    assert result["indicators"]["quote"][0]["close"][105] is None
    # As if recorded at the 2024-10-02 close: the series is that day's bars minus the null one.
    meta_of(payload)["regularMarketTime"] = 1727899200
    row = parse_chart(payload, "AAPL")
    assert len(row.series) == 389  # 391 stamps - 1 null - the 2024-10-03 live bar
    assert (row.series_time[0], row.series[0]) == (utc(2024, 10, 2, 13, 30), 225.6999969482422)
    assert (row.series_time[-1], row.series[-1]) == (utc(2024, 10, 2, 19, 59), 226.80999755859375)
    assert utc(2024, 10, 2, 15, 15) not in row.series_time  # stamp 1727882100, null close


def test_aapl_1m_previous_close_derived_when_meta_lacks_it() -> None:
    payload = payload_of(AAPL_1M)
    del meta_of(payload)["previousClose"]
    row = parse_chart(payload, "AAPL")
    # chartPreviousClose 226.21 is the close before the window; the 2024-10-02 19:59 bar is
    # the prior session's last close.
    assert row.prev_close == 226.80999755859375


def test_wsu_null_middle_row_is_skipped() -> None:
    payload = payload_of(WSU)
    # As if the last price were the 2023-08-08 close (17:30 CEST).
    meta_of(payload)["regularMarketTime"] = 1691508600
    row = parse_chart(payload, "WSU.DE")
    assert row.series_time == [utc(2023, 8, 8, 7, 0)]
    assert row.series == [33.20000076293945]
    # 7 Aug is all null, so the prior session is 4 Aug, not chartPreviousClose 34.25.
    assert row.prev_close == 34.45000076293945


def test_mutual_fund_trailing_null_never_becomes_the_price() -> None:
    payload = payload_of(FUND)
    del meta_of(payload)["regularMarketPrice"]
    del meta_of(payload)["regularMarketTime"]
    row = parse_chart(payload, "0P0000XTS7")
    assert row.last == 11887.099609375
    assert row.as_of == utc(2024, 9, 12, 13, 30)


def test_day_range_comes_from_the_bars_high_and_low_when_meta_lacks_it() -> None:
    payload = payload_of(GSPC_2Y)
    del meta_of(payload)["regularMarketDayHigh"]
    del meta_of(payload)["regularMarketDayLow"]
    quote = payload["chart"]["result"][0]["indicators"]["quote"][0]
    assert quote["close"][-1] == 7650.5  # the closes alone would make the range one point
    row = parse_chart(payload, "^GSPC")
    assert (row.day_high, row.day_low) == (quote["high"][-1], quote["low"][-1])
    assert (row.day_high, row.day_low) == (7657.169921875, 7610.52001953125)


def test_price_from_the_last_bar_takes_that_bars_time() -> None:
    payload = payload_of(GSPC_2Y)
    del meta_of(payload)["regularMarketPrice"]  # regularMarketTime (21:29:48) stays
    row = parse_chart(payload, "^GSPC")
    assert row.last == 7650.5
    assert row.as_of == utc(2026, 9, 18, 13, 30)  # the bar's stamp, not regularMarketTime


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error_recordings_parse_to_no_data(name: str) -> None:
    symbol, status, _, description = ERRORS[name]
    got_status, _, body = recording(name)
    assert got_status == status
    with pytest.raises(FetchError) as info:
        parse_chart(json.loads(body), symbol)
    assert info.value.kind is ErrorKind.NO_DATA
    assert info.value.message == description


@pytest.mark.parametrize("name", sorted(ERRORS))
async def test_error_recordings_through_the_provider(name: str) -> None:
    symbol, status, code, description = ERRORS[name]
    async with make_client(transport=serve(name)) as client:
        result = await YahooChartProvider(Fetcher(client)).fetch([symbol])
    assert result.frame.height == 0
    (error,) = result.errors
    assert error.symbol == symbol
    assert error.kind is ErrorKind.NO_DATA
    assert error.status == status
    assert error.message == f"HTTP {status}: {code}: {description}"


@pytest.mark.parametrize("name", sorted(OK))
async def test_ok_recordings_through_the_provider(name: str) -> None:
    want = OK[name]
    async with make_client(transport=serve(name)) as client:
        result = await YahooChartProvider(Fetcher(client)).fetch([want.symbol])
    assert result.errors == ()
    row = result.frame.row(0, named=True)
    assert (row["symbol"], row["last"], row["prev_close"]) == (
        want.symbol,
        want.last,
        want.prev_close,
    )
    assert row["as_of"] == want.as_of
    assert len(row["series"]) == want.points


# --- not a chart response -------------------------------------------------------------------------


def test_spark_format_is_rejected_cleanly() -> None:
    payload = payload_of(SPARK)
    assert set(payload) == {"AAPL", "^GSPC", "HSBA.L", "EURUSD=X"}
    with pytest.raises(FetchError) as info:
        parse_chart(payload, "AAPL")
    assert info.value.kind is ErrorKind.PARSE
    for symbol, entry in payload.items():
        with pytest.raises(FetchError) as info:
            parse_chart(entry, symbol)
        assert info.value.kind is ErrorKind.PARSE


async def test_spark_body_through_the_provider_is_a_parse_error() -> None:
    async with make_client(transport=serve(SPARK)) as client:
        result = await YahooChartProvider(Fetcher(client)).fetch(["AAPL", "^GSPC"])
    assert result.frame.height == 0
    assert [(e.symbol, e.kind) for e in result.errors] == [
        ("AAPL", ErrorKind.PARSE),
        ("^GSPC", ErrorKind.PARSE),
    ]
