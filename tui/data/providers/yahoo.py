"""Yahoo Finance: quotes in v7 spark batches of 20, the v8 chart for one symbol on demand.

Each spark result is a chart result (``meta`` plus closes), parsed by :func:`parse_chart`, so
a refresh of n symbols costs ⌈n/20⌉ requests instead of n. When spark fails as a whole (a 4xx
other than 429, an answer it cannot read) the provider falls back to one v8 chart per symbol,
through the same governed Fetcher (so within the host's budget), for ``SPARK_RETRY`` seconds,
and says so in :attr:`YahooChartProvider.note`.

Previous close is the subtle part. ``meta.previousClose`` is used when present. Otherwise
``chartPreviousClose`` is only yesterday's close when the request window was the current day
(``range=1d``); for any other window it is the close *before the window* (years ago, in a
``period1/period2`` request), so the close is derived from the bars instead, or left unknown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tui.data.errors import ErrorKind, FetchError
from tui.data.http import Fetcher, HttpResponse, status_error
from tui.data.providers.base import PerSymbol, ProviderResult, QuoteProvider
from tui.data.providers.yahoo_spark import SPARK_MAX_SYMBOLS, SPARK_PATH, batches, parse_spark
from tui.data.sanitize import sanitize_optional, sanitize_text
from tui.data.schema import QuoteRow, finite, from_epoch

SPOT_ONLY = frozenset({"XAU", "XAG", "XPT", "XPD"})
# A derived previous close must come from a session at most this far before the last price.
MAX_PREV_SESSION_GAP = timedelta(days=5)
SPARK_RETRY = 600.0  # after spark failed as a whole, use charts this long before trying again


class YahooChartProvider(QuoteProvider):
    name = "yahoo"
    batch_size = SPARK_MAX_SYMBOLS  # symbols per request
    default_base_url = "https://query1.finance.yahoo.com"
    default_max_age = 1500.0  # some exchanges are 15-20 minutes delayed on Yahoo

    range = "1d"
    interval = "5m"

    def supports(self, symbol: str) -> bool:
        return symbol.upper() not in SPOT_ONLY

    spark_retry_at: float | None = None  # monotonic; charts instead of spark until then
    note: str | None = None  # why the provider is not using spark, for the status line

    async def fetch(self, symbols: Sequence[str]) -> ProviderResult:
        """Every symbol in spark batches of ≤ 20, fetched concurrently (the governor paces)."""
        outcome = PerSymbol(self.name)
        await asyncio.gather(*(self._fetch_batch(b, outcome) for b in batches(symbols)))
        return outcome.result()

    def _spark_usable(self) -> bool:
        now = self.fetcher.gov.clock.monotonic()
        if self.spark_retry_at is not None and now >= self.spark_retry_at:
            self.spark_retry_at = None
        return self.spark_retry_at is None

    async def _fetch_batch(self, batch: list[str], outcome: PerSymbol) -> None:
        if self._spark_usable():
            try:
                answers = await self._spark(batch)
            except FetchError as exc:
                if not _spark_broken(exc):
                    for symbol in batch:
                        outcome.fail(symbol, exc)
                    return
                self.spark_retry_at = self.fetcher.gov.clock.monotonic() + SPARK_RETRY
                self.note = f"spark unusable ({exc.message[:60]}); per-symbol charts"
            else:
                self.note = None
                for symbol, answer in answers.items():
                    if isinstance(answer, FetchError):
                        outcome.fail(symbol, answer)
                    else:
                        outcome.rows.append(answer)
                return
        charts = await asyncio.gather(*(self.fetch_chart(s) for s in batch), return_exceptions=True)
        for symbol, result in zip(batch, charts, strict=True):
            if isinstance(result, FetchError):
                outcome.fail(symbol, result)
            elif isinstance(result, BaseException):
                if isinstance(result, asyncio.CancelledError):
                    raise result
                outcome.fail(symbol, FetchError(ErrorKind.PARSE, f"{type(result).__name__}"))
            else:
                outcome.rows.append(result)

    async def _spark(self, batch: list[str]) -> dict[str, QuoteRow | FetchError]:
        resp = await self.fetcher.get(
            f"{self.base_url}{SPARK_PATH}",
            params={"symbols": ",".join(batch), "range": self.range, "interval": self.interval},
        )
        if resp.status != 200:
            raise status_error(resp, error_description(resp))
        answers = parse_spark(resp.json(), batch, parse_chart, self.name)
        unreadable = [a for a in answers.values() if isinstance(a, FetchError)]
        if len(unreadable) == len(batch) and all(e.kind is ErrorKind.PARSE for e in unreadable):
            # Not one result readable: the spark shape drifted, which charts may survive.
            raise FetchError(ErrorKind.PARSE, f"no spark result readable: {unreadable[0]}")
        return answers

    async def fetch_chart(self, symbol: str) -> QuoteRow:
        """One symbol's v8 chart as a quote: the fallback when spark fails as a whole."""
        payload = await request_chart(
            self.fetcher, self.base_url, symbol, self.range, self.interval
        )
        return parse_chart(payload, symbol, self.name)


async def request_chart(
    fetcher: Fetcher, base_url: str, symbol: str, range_: str, interval: str
) -> Any:
    """``GET /v8/finance/chart/SYM`` through the shared, governed Fetcher: the JSON body, or
    a typed error with Yahoo's own description. Shared by the quote fallback and the detail
    view's bars (tui.data.bars), which read the same answer for different things."""
    resp = await fetcher.get(
        f"{base_url}/v8/finance/chart/{quote(symbol, safe='')}",
        params={"range": range_, "interval": interval, "includePrePost": "false"},
    )
    if resp.status != 200:
        raise status_error(resp, error_description(resp))
    return resp.json()


def _spark_broken(exc: FetchError) -> bool:
    """Spark failed as a whole in a way charts may not: unreadable, or a 4xx but 429/418/451.

    A rate limit or a block by location concerns the whole host: charts would meet it too.
    """
    if exc.kind is ErrorKind.PARSE:
        return True
    status = exc.status or 0
    return 400 <= status < 500 and status not in (418, 429, 451)


def error_description(resp: HttpResponse) -> str | None:
    """Yahoo's error bodies: ``{"chart":{"error":{...}}}`` or a bare ``{code, description}``."""
    payload = resp.json_object()
    if payload is None:
        return None
    outer = payload.get("chart") or payload.get("spark")  # chart and spark share the shape
    error = outer.get("error") if isinstance(outer, dict) else payload
    if isinstance(error, dict):
        code, desc = error.get("code"), error.get("description")
        text = ": ".join(sanitize_text(p, 200) for p in (code, desc) if p)
        return text or None
    return None


def chart_result(payload: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The first result of a v8 chart body and its ``meta``, or a typed ``FetchError``.

    Shared by the quote (:func:`parse_chart`) and the detail view's bars (tui.data.bars), so
    both read Yahoo's envelope and its error object the same way.
    """
    chart = payload.get("chart") if isinstance(payload, dict) else None
    if not isinstance(chart, dict):
        raise FetchError(ErrorKind.PARSE, "no 'chart' object in response")
    error = chart.get("error")
    if isinstance(error, dict):
        desc = error.get("description") or error.get("code") or "error"
        raise FetchError(ErrorKind.NO_DATA, sanitize_text(str(desc), 200))
    results = chart.get("result")
    if not isinstance(results, list) or not results or not isinstance(results[0], dict):
        raise FetchError(ErrorKind.NO_DATA, "empty chart result")
    result = results[0]
    meta = result.get("meta")
    if not isinstance(meta, dict):
        raise FetchError(ErrorKind.PARSE, "chart result has no 'meta'")
    return result, meta


def parse_chart(payload: Any, symbol: str, source: str = "yahoo") -> QuoteRow:
    """Turn one v8 chart body into a quote row; raise ``FetchError`` for errors and drift."""
    result, meta = chart_result(payload)

    tz = _exchange_tz(meta)
    bars = _bars(result)
    last = finite(meta.get("regularMarketPrice"))
    as_of = from_epoch(finite(meta.get("regularMarketTime")))
    if last is None and bars:
        # The price is the last bar's close, so its time is that bar's, not regularMarketTime.
        as_of, last = bars[-1]
    if as_of is None and bars:
        as_of = bars[-1][0]
    if last is None or as_of is None:
        raise FetchError(ErrorKind.NO_DATA, "no price in chart response")

    periods = meta.get("currentTradingPeriod")
    start, end = trading_period(periods, "regular")
    pre_start, pre_end = trading_period(periods, "pre")
    post_start, post_end = trading_period(periods, "post")

    day = _session_bars(bars, meta, as_of, tz)
    high, low = _day_range(meta, result, {t for t, _ in day})
    return QuoteRow(
        symbol=symbol,
        source=source,
        name=sanitize_optional(meta.get("shortName") or meta.get("longName"), 120),
        currency=sanitize_optional(meta.get("currency"), 12),
        last=last,
        prev_close=_previous_close(meta, bars, as_of, tz),
        day_high=high,
        day_low=low,
        as_of=as_of,
        session_start=start,
        session_end=end,
        series_time=[t for t, _ in day],
        series=[p for _, p in day],
        decimals=price_hint(meta),
        response_symbol=sanitize_optional(meta.get("symbol"), 40),
        pre_start=pre_start,
        pre_end=pre_end,
        post_start=post_start,
        post_end=post_end,
    )


def trading_period(periods: object, name: str) -> tuple[datetime | None, datetime | None]:
    """``(start, end)`` of one of ``currentTradingPeriod``'s ``pre``, ``regular``, ``post``.

    Futures, FX, crypto and yields come with zero-length ``pre`` and ``post`` periods (start ==
    end): they have none, so those, like a missing or reversed period, are ``(None, None)``.
    """
    period = periods.get(name) if isinstance(periods, dict) else None
    if not isinstance(period, dict):
        return None, None
    start = from_epoch(finite(period.get("start")))
    end = from_epoch(finite(period.get("end")))
    if start is None or end is None or end <= start:
        return None, None
    return start, end


MAX_DECIMALS = 8


def price_hint(meta: object) -> int | None:
    """Decimals from Yahoo's ``meta.priceHint`` (chart and spark metas carry it alike).

    2 for most indices and futures, 3 for silver and the 30-year yield, 4 for FX and the
    short yields. Anything that is not a small non-negative integer is ignored (None).
    """
    if not isinstance(meta, dict):
        return None
    hint = meta.get("priceHint")
    if isinstance(hint, bool) or not isinstance(hint, int | float):
        return None
    if hint != hint or hint < 0 or hint > MAX_DECIMALS or int(hint) != hint:
        return None
    return int(hint)


def _bars(result: dict[str, Any]) -> list[tuple[datetime, float]]:
    """(time, close) pairs with null or non-finite closes dropped, oldest first."""
    stamps = result.get("timestamp")
    indicators = result.get("indicators")
    quotes = indicators.get("quote") if isinstance(indicators, dict) else None
    first = quotes[0] if isinstance(quotes, list) and quotes else None
    closes = first.get("close") if isinstance(first, dict) else None
    if not isinstance(stamps, list) or not isinstance(closes, list):
        return []
    bars: list[tuple[datetime, float]] = []
    for stamp, close in zip(stamps, closes, strict=False):
        when = from_epoch(finite(stamp))
        price = finite(close)
        if when is not None and price is not None:
            bars.append((when, price))
    bars.sort(key=lambda bar: bar[0])
    return bars


def _day_range(
    meta: dict[str, Any], result: dict[str, Any], session: set[datetime]
) -> tuple[float | None, float | None]:
    """The day's high and low: ``meta``'s when it has them (a 0.0 there means "none", as
    Yahoo's yield indices send), else the session bars' own ``high``/``low`` (the closes alone
    make the range a point or too narrow)."""
    high = finite(meta.get("regularMarketDayHigh"))
    low = finite(meta.get("regularMarketDayLow"))
    high = high if high is not None and high > 0 else None
    low = low if low is not None and low > 0 else None
    if high is not None and low is not None:
        return high, low
    highs = _session_values(result, "high", session)
    lows = _session_values(result, "low", session)
    if high is None and highs:
        high = max(highs)
    if low is None and lows:
        low = min(lows)
    return high, low


def _session_values(result: dict[str, Any], key: str, session: set[datetime]) -> list[float]:
    """Finite positive ``indicators.quote[0][key]`` values of the bars stamped in ``session``."""
    stamps = result.get("timestamp")
    indicators = result.get("indicators")
    quotes = indicators.get("quote") if isinstance(indicators, dict) else None
    first = quotes[0] if isinstance(quotes, list) and quotes else None
    values = first.get(key) if isinstance(first, dict) else None
    if not isinstance(stamps, list) or not isinstance(values, list):
        return []
    out: list[float] = []
    for stamp, value in zip(stamps, values, strict=False):
        when = from_epoch(finite(stamp))
        number = finite(value)
        if when in session and number is not None and number > 0:
            out.append(number)
    return out


def _exchange_tz(meta: dict[str, Any]) -> timezone | ZoneInfo:
    name = meta.get("exchangeTimezoneName")
    if isinstance(name, str):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    offset = finite(meta.get("gmtoffset")) or 0.0
    if abs(offset) >= 86400:  # timezone() rejects offsets of a day or more
        offset = 0.0
    return timezone(timedelta(seconds=offset))


def _session_bars(
    bars: list[tuple[datetime, float]],
    meta: dict[str, Any],
    as_of: datetime,
    tz: timezone | ZoneInfo,
) -> list[tuple[datetime, float]]:
    """The bars of the session the last price belongs to (a ``range=1d`` answer is just that)."""
    if meta.get("range") == "1d":
        return [b for b in bars if b[0] <= as_of + timedelta(minutes=30)]
    day = as_of.astimezone(tz).date()
    return [b for b in bars if b[0].astimezone(tz).date() == day and b[0] <= as_of]


def _previous_close(
    meta: dict[str, Any],
    bars: list[tuple[datetime, float]],
    as_of: datetime,
    tz: timezone | ZoneInfo,
) -> float | None:
    explicit = finite(meta.get("previousClose"))
    if explicit is not None:
        return explicit
    if meta.get("range") == "1d":
        # The window is the current session, so the close before it is the previous close.
        return finite(meta.get("chartPreviousClose"))
    day = as_of.astimezone(tz).date()
    earlier = [b for b in bars if b[0].astimezone(tz).date() < day]
    if earlier and as_of - earlier[-1][0] <= MAX_PREV_SESSION_GAP:
        return earlier[-1][1]
    return None
