"""Coinbase Exchange public market data: two requests per product, three once a bar.

The ticker has the last trade but no 24 h open, so ``/stats`` supplies the rolling 24 h
open/high/low (the open stands in for a previous close: crypto has no session). ``/candles``
only feeds the sparkline, so its failure costs the series, never the quote; it is asked for
once per 5-minute bar (Coinbase allows about 10 public requests a second).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import quote

from tui.data.errors import ErrorKind, FetchError
from tui.data.http import Fetcher, HttpResponse, status_error
from tui.data.providers.base import ProviderResult, QuoteProvider, SeriesCache, gather_per_symbol
from tui.data.sanitize import sanitize_text
from tui.data.schema import QuoteRow, finite, from_epoch, parse_iso_time

# Coinbase product ids are BASE-QUOTE in upper-case letters and digits (BTC-USD, ETH-BTC).
_PRODUCT = re.compile(r"^[A-Z0-9]{1,16}-[A-Z0-9]{1,16}$")
CANDLE_GRANULARITY = 300  # seconds: 5-minute candles, up to 300 of them (25 h) per request
SERIES_WINDOW = timedelta(hours=24)


class Candle(NamedTuple):
    """One candle in Coinbase's wire order: note ``low`` comes *before* ``high``."""

    time: datetime
    low: float
    high: float
    open: float
    close: float


@dataclass(frozen=True, slots=True)
class Stats:
    """The rolling 24 h figures from ``/products/{id}/stats``."""

    open: float
    high: float
    low: float


def product_id(symbol: str) -> str | None:
    """Canonical symbols are already Coinbase product ids (``BTC-USD``); ``None`` if malformed."""
    product = symbol.strip().upper()
    return product if _PRODUCT.match(product) else None


class CoinbaseProvider(QuoteProvider):
    name = "coinbase"
    batch_size = 1  # one scheduling unit per symbol (its own requests)
    default_base_url = "https://api.exchange.coinbase.com"
    default_max_age = 120.0  # a live exchange: a two-minute-old price means something is wrong

    def __init__(self, fetcher: Fetcher, base_url: str | None = None) -> None:
        super().__init__(fetcher, base_url)
        self.candles = SeriesCache(CANDLE_GRANULARITY)

    def supports(self, symbol: str) -> bool:
        return product_id(symbol) is not None

    async def fetch(self, symbols: Sequence[str]) -> ProviderResult:
        return await gather_per_symbol(self.name, symbols, self._fetch_one)

    async def _fetch_one(self, symbol: str) -> QuoteRow:
        product = product_id(symbol)
        if product is None:
            raise FetchError(ErrorKind.UNSUPPORTED, f"not a Coinbase product id: {symbol!r}")
        base = f"{self.base_url}/products/{quote(product, safe='')}"
        first_time = not self.candles.has(symbol)  # then all three go out at once
        calls = [self._get_json(f"{base}/ticker"), self._get_json(f"{base}/stats")]
        if first_time:
            calls.append(self._candles(base))
        answers: list[Any] = await asyncio.gather(*calls, return_exceptions=True)
        ticker, stats = answers[0], answers[1]
        # Ticker and stats make the quote, so their failures are the symbol's failure.
        if isinstance(ticker, BaseException):
            raise ticker
        if isinstance(stats, BaseException):
            raise stats
        last, as_of = parse_ticker(ticker)
        day = parse_stats(stats)
        points = self.candles.get(symbol, as_of)
        if points is None:
            candles = answers[2] if first_time else await self._candles(base)
            if isinstance(candles, asyncio.CancelledError):
                raise candles
            fresh = [] if isinstance(candles, BaseException) else candles
            points = [(c.time, c.close) for c in recent_candles(fresh, as_of)]
            self.candles.put(symbol, as_of, points)
        row = build_quote(symbol, product, last, as_of, day, [], self.name)
        live = SeriesCache.with_live(points, as_of, last)
        row.series_time = [t for t, _ in live]
        row.series = [p for _, p in live]
        return row

    async def _candles(self, base: str) -> list[Candle] | BaseException:
        """The sparkline's candles; a failure costs the series, never the quote."""
        try:
            return parse_candles(
                await self._get_json(f"{base}/candles", {"granularity": str(CANDLE_GRANULARITY)})
            )
        except FetchError as exc:
            return exc

    async def _get_json(self, url: str, params: Mapping[str, str] | None = None) -> Any:
        resp = await self.fetcher.get(url, params=params)
        if resp.status != 200:
            raise coinbase_status_error(resp)
        return resp.json()


def coinbase_status_error(resp: HttpResponse) -> FetchError:
    """A typed error; a 404 means Coinbase does not list the product at all."""
    error = status_error(resp, _error_description(resp))
    if resp.status == 404:
        error.kind = ErrorKind.UNSUPPORTED
    return error


def _error_description(resp: HttpResponse) -> str | None:
    """Coinbase error bodies are ``{"message": "NotFound"}``."""
    payload = resp.json_object()
    if payload is not None and payload.get("message"):
        return sanitize_text(payload["message"], 200) or None
    return None


def parse_ticker(payload: Any) -> tuple[float, datetime]:
    """(last trade price, trade time) from a ``/ticker`` body."""
    if not isinstance(payload, dict):
        raise FetchError(ErrorKind.PARSE, "ticker is not a JSON object")
    price = finite(payload.get("price"))
    if price is None or price <= 0:
        raise FetchError(ErrorKind.PARSE, "ticker has no valid 'price'")
    when = parse_iso_time(payload.get("time"))
    if when is None:
        raise FetchError(ErrorKind.PARSE, "ticker has no valid 'time'")
    return price, when


def parse_stats(payload: Any) -> Stats:
    """The 24 h open/high/low from a ``/stats`` body (strings in the real API)."""
    if not isinstance(payload, dict):
        raise FetchError(ErrorKind.PARSE, "stats is not a JSON object")
    values: dict[str, float] = {}
    for key in ("open", "high", "low"):
        number = finite(payload.get(key))
        if number is None or number <= 0:
            raise FetchError(ErrorKind.PARSE, f"stats has no valid {key!r}")
        values[key] = number
    return Stats(open=values["open"], high=values["high"], low=values["low"])


def parse_candles(payload: Any) -> list[Candle]:
    """Candles oldest first from ``[[time, low, high, open, close, volume], ...]`` (newest first).

    Malformed rows are skipped: a gap in a sparkline beats losing the whole series.
    """
    if not isinstance(payload, list):
        raise FetchError(ErrorKind.PARSE, "candles is not a JSON array")
    candles: dict[datetime, Candle] = {}
    for row in payload:
        if not isinstance(row, list) or len(row) < 5:
            continue
        when = from_epoch(finite(row[0]))
        low, high, open_, close = (finite(v) for v in row[1:5])
        if when is None or low is None or high is None or open_ is None or close is None:
            continue
        candles[when] = Candle(when, low, high, open_, close)
    return [candles[t] for t in sorted(candles)]


def recent_candles(candles: Sequence[Candle], as_of: datetime) -> list[Candle]:
    """The candles that start within the 24 h before ``as_of`` (300 candles span 25 h)."""
    start = as_of - SERIES_WINDOW
    return [c for c in candles if start <= c.time <= as_of]


def build_quote(
    symbol: str,
    product: str,
    last: float,
    as_of: datetime,
    stats: Stats,
    candles: Sequence[Candle],
    source: str = "coinbase",
) -> QuoteRow:
    """Join the parsed parts; the series is each candle's close at the candle's start time."""
    return QuoteRow(
        symbol=symbol,
        source=source,
        name=None,  # Coinbase's ticker has no display name; the config supplies names
        currency=product.partition("-")[2],
        last=last,
        prev_close=stats.open,
        day_high=stats.high,
        day_low=stats.low,
        as_of=as_of,
        series_time=[c.time for c in candles],
        series=[c.close for c in candles],
    )
