"""Yahoo v7 spark parsing against the real recordings in ``../shared/fixtures/yahoo``.

The 72-symbol file is four real ≤ 20-symbol answers merged by symbol by its recorder, in an
order unlike the request's (so results must be keyed on ``symbol``). Expected values were read
from the file: ``meta`` and the close arrays. The flat spark shapes (a v8 proxy and a fake
server's fixture) are not v7 answers and must be refused as a whole, never read as prices.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.contract.test_yahoo_contract import SPARK, SPARK_72, SPARK_V8_FLAT, recording
from tui.data.errors import ErrorKind, FetchError
from tui.data.http import Fetcher, make_client
from tui.data.providers.yahoo import YahooChartProvider, parse_chart
from tui.data.providers.yahoo_spark import parse_spark
from tui.data.schema import QuoteRow

pytestmark = pytest.mark.contract


def utc(year: int, month: int, day: int, hour: int, minute: int, sec: int) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


def spark_72() -> Any:
    status, _, body = recording(SPARK_72)
    assert status == 200
    return json.loads(body)


def rows(outcome: dict[str, QuoteRow | FetchError]) -> dict[str, QuoteRow]:
    return {s: r for s, r in outcome.items() if isinstance(r, QuoteRow)}


def test_every_result_of_the_72_symbol_file_parses_keyed_on_its_symbol() -> None:
    payload = spark_72()
    symbols = [e["symbol"] for e in payload["spark"]["result"]]
    assert len(symbols) == 72 == len(set(symbols))
    outcome = parse_spark(payload, list(reversed(symbols)), parse_chart)
    got = rows(outcome)
    assert set(got) == set(symbols)
    for entry in payload["spark"]["result"]:
        meta = entry["response"][0]["meta"]
        row = got[entry["symbol"]]
        assert row.symbol == meta["symbol"] == entry["symbol"]
        assert row.last == meta["regularMarketPrice"]
        assert row.as_of == datetime.fromtimestamp(meta["regularMarketTime"], UTC)


def test_pinned_spark_values() -> None:
    got = rows(parse_spark(spark_72(), ["^GSPC", "^TNX", "JPY=X", "SB=F", "CL=F"], parse_chart))
    gspc = got["^GSPC"]
    # Same values as the ^GSPC 2-year chart recording: close[-2] is yesterday's close.
    assert (gspc.last, gspc.prev_close, gspc.day_high, gspc.day_low) == (
        7650.5,
        7637.76,
        7657.17,
        7610.52,
    )
    assert gspc.as_of == utc(2026, 9, 18, 21, 29, 48)
    tnx = got["^TNX"]
    # Yield indices send regularMarketDayHigh/Low 0.0: no range rather than a 0-to-5 % one.
    assert (tnx.last, tnx.prev_close, tnx.day_high, tnx.day_low) == (4.998, 4.947, None, None)
    # The Saturday tick off the daily grid is the price, with Friday's close before it.
    jpy = got["JPY=X"]
    assert (jpy.last, jpy.prev_close, jpy.currency) == (156.855, 156.129, "JPY")
    assert jpy.as_of == utc(2026, 9, 19, 21, 33, 33)
    assert got["SB=F"].currency == "USX"
    assert got["CL=F"].name == "Crude Oil Oct 26"


def test_symbols_not_asked_for_are_ignored_and_missing_ones_not_found() -> None:
    outcome = parse_spark(spark_72(), ["^N225", "NOPE.X"], parse_chart)
    assert set(outcome) == {"^N225", "NOPE.X"}
    assert isinstance(outcome["^N225"], QuoteRow)
    missing = outcome["NOPE.X"]
    assert isinstance(missing, FetchError)
    assert missing.kind is ErrorKind.NO_DATA


def test_empty_response_duplicates_and_zero_results_are_typed_per_symbol() -> None:
    payload = spark_72()
    results = payload["spark"]["result"]
    gspc = next(e for e in results if e["symbol"] == "^GSPC")
    n225 = next(e for e in results if e["symbol"] == "^N225")
    hsi = next(e for e in results if e["symbol"] == "^HSI")
    other = json.loads(json.dumps(n225))
    other["response"][0]["meta"]["regularMarketPrice"] = 1.0
    doctored = {
        "spark": {
            "result": [{**gspc, "response": []}, n225, other, hsi, hsi],
            "error": None,
        }
    }
    outcome = parse_spark(doctored, ["^GSPC", "^N225", "^HSI"], parse_chart)
    assert isinstance(outcome["^GSPC"], FetchError)
    assert outcome["^GSPC"].kind is ErrorKind.NO_DATA
    assert isinstance(outcome["^N225"], FetchError)  # which of the two is right is unknowable
    assert outcome["^N225"].kind is ErrorKind.PARSE
    assert isinstance(outcome["^HSI"], QuoteRow)  # an identical repeat is harmless
    for empty in ({"spark": {"result": [], "error": None}}, {"spark": {"result": None}}):
        nothing = parse_spark(empty, ["^GSPC"], parse_chart)
        assert isinstance(nothing["^GSPC"], FetchError)
        assert nothing["^GSPC"].kind is ErrorKind.NO_DATA


@pytest.mark.parametrize("name", [SPARK, SPARK_V8_FLAT])
def test_flat_spark_shapes_are_refused_as_a_whole(name: str) -> None:
    _, _, body = recording(name)
    payload = json.loads(body)
    with pytest.raises(FetchError) as info:
        parse_spark(payload, list(payload), parse_chart)
    assert info.value.kind is ErrorKind.PARSE


async def test_nineteen_symbols_cost_one_request_through_the_provider() -> None:
    payload = spark_72()
    symbols = [e["symbol"] for e in payload["spark"]["result"]][:19]
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=payload)

    async with make_client(transport=httpx.MockTransport(handler)) as client:
        result = await YahooChartProvider(Fetcher(client)).fetch(symbols)
    (request,) = seen
    assert request.url.path == "/v7/finance/spark"
    assert request.url.params["symbols"].split(",") == symbols
    assert (request.url.params["range"], request.url.params["interval"]) == ("1d", "5m")
    assert result.errors == ()
    assert sorted(result.frame["symbol"].to_list()) == sorted(symbols)
