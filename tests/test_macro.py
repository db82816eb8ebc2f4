"""The macro strip: FRED through the shared Fetcher, bad answers, claims' release day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
import pytest

from tui.data.errors import ErrorKind, FetchError
from tui.data.http import Fetcher, make_client
from tui.data.macro import next_claims_release, parse_fred_csv
from tui.data.markets import NEW_YORK
from tui.data.providers.fred import FredMacro
from widgets.macro_strip import compact, macro_parts

CLAIMS_CSV = b"observation_date,ICSA\n2026-11-07,228000\n2026-11-14,231000\n2026-11-21,262000\n"
OPENINGS_CSV = (
    b"observation_date,JTSJOL\n2026-07-01,7400\n2026-08-01,7391\n2026-09-01,\n2026-10-01,7012\n"
)
NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Thanksgiving week 2026: Thursday is a federal holiday, so Wednesday 25 November.
        (datetime(2026, 11, 23, 12, tzinfo=UTC), datetime(2026, 11, 25, 8, 30, tzinfo=NEW_YORK)),
        # An ordinary week: Thursday 08:30 New York (13:30 UTC in winter).
        (datetime(2026, 11, 30, 12, tzinfo=UTC), datetime(2026, 12, 3, 8, 30, tzinfo=NEW_YORK)),
        # Just after a release: next week's.
        (datetime(2026, 12, 3, 13, 31, tzinfo=UTC), datetime(2026, 12, 10, 8, 30, tzinfo=NEW_YORK)),
        # Christmas 2025 and New Year 2026 fall on Thursdays.
        (datetime(2025, 12, 22, tzinfo=UTC), datetime(2025, 12, 24, 8, 30, tzinfo=NEW_YORK)),
        (datetime(2025, 12, 29, tzinfo=UTC), datetime(2025, 12, 31, 8, 30, tzinfo=NEW_YORK)),
    ],
)
def test_next_claims_release(now: datetime, expected: datetime) -> None:
    assert next_claims_release(now) == expected


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<!DOCTYPE html><html><body>Service Unavailable</body></html>", "HTML"),
        (b"", "empty"),
        (b"\n\n", "empty"),
        (b"date,value\n2026-11-21,262000\n", "unknown CSV columns"),
    ],
)
def test_bad_bodies_are_refused_with_a_reason(body: bytes, reason: str) -> None:
    with pytest.raises(FetchError) as info:
        parse_fred_csv(body, "ICSA")
    assert info.value.kind is ErrorKind.PARSE
    assert reason in info.value.message


async def test_fred_keeps_the_last_good_value_marked_after_a_bad_answer() -> None:
    answers = {"ICSA": [CLAIMS_CSV, b"<html>maintenance</html>"], "JTSJOL": [OPENINGS_CSV] * 2}
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        series = request.url.params["id"]
        return httpx.Response(200, content=answers[series].pop(0))

    async with make_client(transport=httpx.MockTransport(handler)) as client:
        feed = FredMacro(Fetcher(client), "http://127.0.0.1:8123/fred/", ("ICSA", "JTSJOL"))
        first = await feed.fetch(NOW)
        second = await feed.fetch(NOW)

    assert str(seen[0]).startswith("http://127.0.0.1:8123/fred/graph/fredgraph.csv?id=")
    claims, openings = first.values
    assert not first.errors
    assert (claims.value, claims.previous, claims.change) == (262000.0, 231000.0, 31000.0)
    assert claims.date == date(2026, 11, 21) and not claims.stale
    assert claims.next_release == datetime(2026, 12, 3, 8, 30, tzinfo=NEW_YORK)
    assert (openings.value, openings.previous, openings.scale) == (7012.0, 7391.0, 1000.0)
    assert openings.date == date(2026, 10, 1) and not openings.stale  # September was empty

    kept, _ = second.values
    (error,) = second.errors
    assert error.source == "fred" and error.symbol == "ICSA" and error.kind is ErrorKind.PARSE
    assert kept.value == 262000.0 and kept.stale and "HTML" in (kept.error or "")
    title, number, delta, detail = macro_parts(kept, NOW)
    assert (title, number, delta) == ("Jobless claims", "262K", "+31K")
    assert "last good" in detail and "HTML" in detail


async def test_fred_with_no_good_value_yet_says_why() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, content=b"Series does not exist.")

    async with make_client(transport=httpx.MockTransport(handler)) as client:
        result = await FredMacro(Fetcher(client), None, ("NOPE",)).fetch(NOW)
    (value,) = result.values
    assert value.value is None and value.stale
    assert "404" in (value.error or "")


async def test_a_series_that_stopped_updating_is_stale_by_its_period() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=CLAIMS_CSV)

    async with make_client(transport=httpx.MockTransport(handler)) as client:
        feed = FredMacro(Fetcher(client), None, ("ICSA",))
        later = await feed.fetch(datetime(2027, 1, 15, tzinfo=UTC))
    assert later.values[0].stale and later.values[0].error is None


def test_compact_numbers() -> None:
    assert compact(262_000) == "262K"
    assert compact(7_012_000) == "7.01M"
    assert compact(-449_000) == "-449K"
