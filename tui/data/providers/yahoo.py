"""Yahoo Finance v8 chart: one symbol per request, intraday bars plus a ``meta`` block.

Previous close is the subtle part. ``meta.previousClose`` is used when present. Otherwise
``chartPreviousClose`` is only yesterday's close when the request window was the current day
(``range=1d``); for any other window it is the close *before the window* (years ago, in a
``period1/period2`` request), so the close is derived from the bars instead, or left unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tui.data.errors import ErrorKind, FetchError
from tui.data.http import HttpResponse, status_error
from tui.data.providers.base import ProviderResult, QuoteProvider, gather_per_symbol
from tui.data.sanitize import sanitize_optional, sanitize_text
from tui.data.schema import QuoteRow, finite, from_epoch

SPOT_ONLY = frozenset({"XAU", "XAG", "XPT", "XPD"})
# A derived previous close must come from a session at most this far before the last price.
MAX_PREV_SESSION_GAP = timedelta(days=5)


class YahooChartProvider(QuoteProvider):
    name = "yahoo"
    default_base_url = "https://query1.finance.yahoo.com"
    default_max_age = 1500.0  # some exchanges are 15-20 minutes delayed on Yahoo

    range = "1d"
    interval = "5m"

    def supports(self, symbol: str) -> bool:
        return symbol.upper() not in SPOT_ONLY

    async def fetch(self, symbols: Sequence[str]) -> ProviderResult:
        return await gather_per_symbol(self.name, symbols, self._fetch_one)

    async def _fetch_one(self, symbol: str) -> QuoteRow:
        url = f"{self.base_url}/v8/finance/chart/{quote(symbol, safe='')}"
        resp = await self.fetcher.get(
            url,
            params={"range": self.range, "interval": self.interval, "includePrePost": "false"},
        )
        if resp.status != 200:
            raise status_error(resp, _error_description(resp))
        return parse_chart(resp.json(), symbol, self.name)


def _error_description(resp: HttpResponse) -> str | None:
    """Yahoo's error bodies: ``{"chart":{"error":{...}}}`` or a bare ``{code, description}``."""
    payload = resp.json_object()
    if payload is None:
        return None
    chart = payload.get("chart")
    error = chart.get("error") if isinstance(chart, dict) else payload
    if isinstance(error, dict):
        code, desc = error.get("code"), error.get("description")
        text = ": ".join(sanitize_text(p, 200) for p in (code, desc) if p)
        return text or None
    return None


def parse_chart(payload: Any, symbol: str, source: str = "yahoo") -> QuoteRow:
    """Turn one v8 chart body into a quote row; raise ``FetchError`` for errors and drift."""
    chart = payload.get("chart") if isinstance(payload, dict) else None
    if not isinstance(chart, dict):
        raise FetchError(ErrorKind.PARSE, "no 'chart' object in response")
    error = chart.get("error")
    if isinstance(error, dict):
        desc = error.get("description") or error.get("code") or "error"
        raise FetchError(ErrorKind.NO_DATA, str(desc))
    results = chart.get("result")
    if not isinstance(results, list) or not results or not isinstance(results[0], dict):
        raise FetchError(ErrorKind.NO_DATA, "empty chart result")
    result = results[0]
    meta = result.get("meta")
    if not isinstance(meta, dict):
        raise FetchError(ErrorKind.PARSE, "chart result has no 'meta'")

    tz = _exchange_tz(meta)
    bars = _bars(result)
    last = finite(meta.get("regularMarketPrice"))
    as_of = from_epoch(finite(meta.get("regularMarketTime")))
    if last is None and bars:
        last = bars[-1][1]
    if as_of is None and bars:
        as_of = bars[-1][0]
    if last is None or as_of is None:
        raise FetchError(ErrorKind.NO_DATA, "no price in chart response")

    session = meta.get("currentTradingPeriod")
    regular = session.get("regular") if isinstance(session, dict) else None
    start = from_epoch(finite(regular.get("start"))) if isinstance(regular, dict) else None
    end = from_epoch(finite(regular.get("end"))) if isinstance(regular, dict) else None

    day = _session_bars(bars, meta, as_of, tz)
    return QuoteRow(
        symbol=symbol,
        source=source,
        name=sanitize_optional(meta.get("shortName") or meta.get("longName"), 120),
        currency=sanitize_optional(meta.get("currency"), 12),
        last=last,
        prev_close=_previous_close(meta, bars, as_of, tz),
        day_high=finite(meta.get("regularMarketDayHigh")),
        day_low=finite(meta.get("regularMarketDayLow")),
        as_of=as_of,
        session_start=start,
        session_end=end,
        series_time=[t for t, _ in day],
        series=[p for _, p in day],
        response_symbol=sanitize_optional(meta.get("symbol"), 40),
    )


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
