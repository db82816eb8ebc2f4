"""Binance spot market data from the keyless ``data-api.binance.vision`` mirror.

All 24 h tickers come in one request (``symbols=[...]``) to spend little of the IP's request
weight. Binance rejects the *whole* batch with 400 ``-1121 Invalid symbol`` when one symbol is
unknown, so a 400 falls back to one request per symbol and only the bad one fails. 429 and 418
(IP ban after ignoring 429s) carry ``Retry-After`` and 451 means a restricted location: those
are raised for the whole source so the engine backs off instead of hammering it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tui.data.errors import ErrorKind, FetchError
from tui.data.http import Fetcher, HttpResponse, status_error
from tui.data.providers.base import ProviderResult, QuoteProvider, SeriesCache, gather_per_symbol
from tui.data.sanitize import sanitize_text
from tui.data.schema import QuoteRow, finite, from_epoch

_CANONICAL = re.compile(r"^([A-Z0-9]{1,16})-([A-Z0-9]{1,16})$")
# Binance has (almost) no USD spot pairs; USDT is the dollar quote everyone uses.
QUOTE_ALIASES = {"USD": "USDT"}
INVALID_SYMBOL = -1121
KLINE_INTERVAL = "5m"
KLINE_LIMIT = 288  # 288 x 5 min = the last 24 h
KLINE_SECONDS = 300


def binance_pair(symbol: str) -> tuple[str, str] | None:
    """(Binance symbol, quote currency) for a canonical ``BASE-QUOTE``: BTC-USD -> BTCUSDT."""
    match = _CANONICAL.match(symbol.strip().upper())
    if match is None:
        return None
    base, quote_ccy = match.groups()
    quote_ccy = QUOTE_ALIASES.get(quote_ccy, quote_ccy)
    return f"{base}{quote_ccy}", quote_ccy


class BinanceProvider(QuoteProvider):
    name = "binance"
    default_base_url = "https://data-api.binance.vision"
    default_max_age = 120.0  # a live exchange: a two-minute-old price means something is wrong

    def __init__(self, fetcher: Fetcher, base_url: str | None = None) -> None:
        super().__init__(fetcher, base_url)
        self.klines = SeriesCache(KLINE_SECONDS)  # klines change once a bar: fetch them once

    def supports(self, symbol: str) -> bool:
        return binance_pair(symbol) is not None

    async def fetch(self, symbols: Sequence[str]) -> ProviderResult:
        pairs = {s: binance_pair(s) for s in symbols}
        wanted = list(dict.fromkeys(p[0] for p in pairs.values() if p is not None))
        batch: dict[str, Any] | None = None
        batch_error: FetchError | None = None
        if wanted:
            try:
                batch = await self._batch(wanted)
            except FetchError as exc:
                if exc.kind is not ErrorKind.PARSE:
                    exc.source = self.name
                    raise
                batch_error = exc  # schema drift: every symbol fails, but not source-wide

        throttled: list[FetchError] = []

        async def fetch_one(symbol: str) -> QuoteRow:
            pair = pairs[symbol]
            if pair is None:
                raise FetchError(ErrorKind.UNSUPPORTED, f"not a BASE-QUOTE symbol: {symbol!r}")
            market, currency = pair
            if batch_error is not None:
                raise FetchError(batch_error.kind, batch_error.message)
            if batch is None:
                entry = await self._ticker(market)
            else:
                entry = batch.get(market)
                if isinstance(entry, FetchError):
                    raise entry
                if entry is None:
                    raise FetchError(ErrorKind.NO_DATA, f"{market} missing from 24hr answer")
            row = parse_ticker_24hr(entry, symbol, currency, self.name)
            points = self.klines.get(symbol, row.as_of)
            if points is None:
                points = await self._series(market, throttled)
                self.klines.put(symbol, row.as_of, points)
            live = SeriesCache.with_live(points, row.as_of, row.last)
            row.series_time = [t for t, _ in live]
            row.series = [p for _, p in live]
            return row

        result = await gather_per_symbol(self.name, symbols, fetch_one)
        if throttled:
            # Binance bans IPs that keep calling after a 429, so even a rate-limited sparkline
            # request backs the whole source off (this round's quotes are dropped with it).
            worst = max(throttled, key=lambda e: e.retry_after or 0.0)
            worst.source = self.name
            raise worst
        return result

    async def _batch(self, markets: list[str]) -> dict[str, Any] | None:
        """Tickers by Binance symbol in one request; ``None`` means "ask one by one"."""
        resp = await self.fetcher.get(
            f"{self.base_url}/api/v3/ticker/24hr",
            params={"symbols": json.dumps(markets, separators=(",", ":"))},
        )
        if resp.status == 400:
            if len(markets) > 1:
                return None  # one bad symbol sinks the batch: find out which
            return {markets[0]: binance_status_error(resp)}
        if resp.status != 200:
            raise binance_status_error(resp)
        return index_tickers(resp.json())

    async def _ticker(self, market: str) -> Any:
        resp = await self.fetcher.get(
            f"{self.base_url}/api/v3/ticker/24hr", params={"symbol": market}
        )
        if resp.status != 200:
            raise binance_status_error(resp)
        return resp.json()

    async def _series(
        self, market: str, throttled: list[FetchError]
    ) -> list[tuple[datetime, float]]:
        """The sparkline; a failure leaves it empty rather than failing the quote.

        429/418/451 are the exception: they are added to ``throttled`` for the caller to raise.
        """
        try:
            resp = await self.fetcher.get(
                f"{self.base_url}/api/v3/klines",
                params={"symbol": market, "interval": KLINE_INTERVAL, "limit": str(KLINE_LIMIT)},
            )
            if resp.status != 200:
                error = binance_status_error(resp)
                if error.kind in (ErrorKind.RATE_LIMITED, ErrorKind.BLOCKED):
                    throttled.append(error)
                return []
            return parse_klines(resp.json())
        except FetchError:
            return []


def binance_status_error(resp: HttpResponse) -> FetchError:
    """A typed error; ``-1121 Invalid symbol`` means Binance does not list the pair."""
    code, description = _error_body(resp)
    error = status_error(resp, description)
    if code == INVALID_SYMBOL:
        error.kind = ErrorKind.UNSUPPORTED
    return error


def _error_body(resp: HttpResponse) -> tuple[int | None, str | None]:
    """Binance error bodies are ``{"code": -1121, "msg": "Invalid symbol."}``."""
    payload = resp.json_object()
    if payload is None:
        return None, None
    raw_code = payload.get("code")
    code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
    msg = sanitize_text(payload.get("msg"), 200)
    if not msg:
        return code, None
    return code, f"{msg} ({code})" if code is not None else msg


def index_tickers(payload: Any) -> dict[str, Any]:
    """Batch ``/ticker/24hr`` entries keyed by their ``symbol`` field."""
    if not isinstance(payload, list):
        raise FetchError(ErrorKind.PARSE, "24hr batch answer is not a JSON array")
    return {
        entry["symbol"]: entry
        for entry in payload
        if isinstance(entry, dict) and isinstance(entry.get("symbol"), str)
    }


def parse_ticker_24hr(
    payload: Any, symbol: str, currency: str | None = None, source: str = "binance"
) -> QuoteRow:
    """One ``/ticker/24hr`` entry as a quote; the window is a rolling 24 h, not a session.

    ``openPrice`` is the price 24 h ago (``priceChange == lastPrice - openPrice``), which is what
    a crypto "change" means; ``prevClosePrice`` is merely the trade before this window's first.
    """
    if not isinstance(payload, dict):
        raise FetchError(ErrorKind.PARSE, "24hr ticker is not a JSON object")
    last = finite(payload.get("lastPrice"))
    if last is None or last <= 0:
        raise FetchError(ErrorKind.PARSE, "24hr ticker has no valid 'lastPrice'")
    close_ms = finite(payload.get("closeTime"))
    as_of = from_epoch(close_ms / 1000) if close_ms is not None else None
    if as_of is None:
        raise FetchError(ErrorKind.PARSE, "24hr ticker has no valid 'closeTime'")
    fields: dict[str, float] = {}
    for key in ("openPrice", "highPrice", "lowPrice"):
        number = finite(payload.get(key))
        if number is None:
            raise FetchError(ErrorKind.PARSE, f"24hr ticker has no valid {key!r}")
        fields[key] = number
    # A pair with no trades in 24 h reports zeros: no open, no range, not a -100 % move.
    return QuoteRow(
        symbol=symbol,
        source=source,
        currency=currency,
        last=last,
        prev_close=fields["openPrice"] or None,
        day_high=fields["highPrice"] or None,
        day_low=fields["lowPrice"] or None,
        as_of=as_of,
    )


def parse_klines(payload: Any) -> list[tuple[datetime, float]]:
    """(open time, close) pairs oldest first from ``[[openTime ms, open, high, low, close, ...]]``.

    Malformed rows are skipped: a gap in a sparkline beats losing the whole series.
    """
    if not isinstance(payload, list):
        raise FetchError(ErrorKind.PARSE, "klines answer is not a JSON array")
    points: dict[datetime, float] = {}
    for row in payload:
        if not isinstance(row, list) or len(row) < 5:
            continue
        open_ms = finite(row[0])
        when = from_epoch(open_ms / 1000) if open_ms is not None else None
        close = finite(row[4])
        if when is not None and close is not None:
            points[when] = close
    return sorted(points.items())
