"""CoinGecko ``/coins/markets``: every coin in one request, with a 7-day hourly sparkline.

An aggregator rather than an exchange: keyless, slow-moving (prices refresh about once a
minute) and tightly rate-limited, so it is the last crypto fallback and asks for everything at
once. Coins are addressed by CoinGecko ids, so only the majors in :data:`COIN_IDS` are supported.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from tui.data.errors import ErrorKind, FetchError
from tui.data.http import HttpResponse, status_error
from tui.data.providers.base import PerSymbol, ProviderResult, QuoteProvider
from tui.data.sanitize import sanitize_optional, sanitize_text
from tui.data.schema import QuoteRow, finite, parse_iso_time

COIN_IDS: dict[str, str] = {
    "BTC-USD": "bitcoin",
    "ETH-USD": "ethereum",
    "SOL-USD": "solana",
    "XRP-USD": "ripple",
    "BNB-USD": "binancecoin",
    "DOGE-USD": "dogecoin",
    "ADA-USD": "cardano",
    "LTC-USD": "litecoin",
    "AVAX-USD": "avalanche-2",
    "DOT-USD": "polkadot",
    "LINK-USD": "chainlink",
    "TRX-USD": "tron",
    "TON-USD": "the-open-network",
}
SERIES_POINTS = 24  # the sparkline is hourly: 24 points = the last day
SPARKLINE_STEP = timedelta(hours=1)


def coin_id(symbol: str) -> str | None:
    return COIN_IDS.get(symbol.strip().upper())


class CoinGeckoProvider(QuoteProvider):
    name = "coingecko"
    default_base_url = "https://api.coingecko.com"
    default_max_age = 300.0  # CoinGecko itself refreshes about once a minute, behind a cache

    def supports(self, symbol: str) -> bool:
        return coin_id(symbol) is not None  # the table only maps USD pairs

    async def fetch(self, symbols: Sequence[str]) -> ProviderResult:
        outcome = PerSymbol(self.name)
        ids = {s: coin_id(s) for s in symbols}
        wanted = list(dict.fromkeys(i for i in ids.values() if i is not None))
        markets: dict[str, Any] = {}
        drift: FetchError | None = None
        if wanted:
            resp = await self.fetcher.get(
                f"{self.base_url}/api/v3/coins/markets",
                params={
                    "vs_currency": "usd",
                    "ids": ",".join(wanted),
                    "sparkline": "true",
                    "price_change_percentage": "24h",
                },
            )
            if resp.status != 200:
                # One request serves every symbol, so its failure is the whole source's.
                error = status_error(resp, _error_description(resp))
                error.source = self.name
                raise error
            try:
                markets = index_markets(resp.json())
            except FetchError as exc:
                drift = exc
        for symbol in symbols:
            cid = ids[symbol]
            try:
                if cid is None:
                    raise FetchError(ErrorKind.UNSUPPORTED, f"no CoinGecko id for {symbol!r}")
                if drift is not None:
                    raise FetchError(drift.kind, drift.message)
                entry = markets.get(cid)
                if entry is None:
                    raise FetchError(ErrorKind.NO_DATA, f"{cid} missing from markets answer")
                outcome.rows.append(parse_market(entry, symbol, self.name))
            except FetchError as exc:
                outcome.fail(symbol, exc)
        return outcome.result()


def _error_description(resp: HttpResponse) -> str | None:
    """``{"status": {"error_code": 429, "error_message": ...}}`` or ``{"error": ...}``."""
    payload = resp.json_object()
    if payload is None:
        return None
    status = payload.get("status")
    if isinstance(status, dict) and status.get("error_message"):
        return sanitize_text(status["error_message"], 200) or None
    if payload.get("error"):
        return sanitize_text(payload["error"], 200) or None
    return None


def index_markets(payload: Any) -> dict[str, Any]:
    """``/coins/markets`` entries keyed by CoinGecko id."""
    if not isinstance(payload, list):
        raise FetchError(ErrorKind.PARSE, "markets answer is not a JSON array")
    return {
        entry["id"]: entry
        for entry in payload
        if isinstance(entry, dict) and isinstance(entry.get("id"), str)
    }


def parse_market(payload: Any, symbol: str, source: str = "coingecko") -> QuoteRow:
    """One ``/coins/markets`` entry as a quote (prices in USD; the window is a rolling 24 h)."""
    if not isinstance(payload, dict):
        raise FetchError(ErrorKind.PARSE, "market entry is not a JSON object")
    last = finite(payload.get("current_price"))
    if last is None or last <= 0:
        raise FetchError(ErrorKind.PARSE, "market entry has no valid 'current_price'")
    as_of = parse_iso_time(payload.get("last_updated"))
    if as_of is None:
        raise FetchError(ErrorKind.PARSE, "market entry has no valid 'last_updated'")
    # The percentage is taken as given: ``price_change_24h`` is rounded (to 2-3 significant
    # digits for small coins), so a move recomputed from it is off. The 24 h open is what the
    # percentage implies; the absolute change is only a fallback.
    pct = finite(payload.get("price_change_percentage_24h"))
    change = finite(payload.get("price_change_24h"))
    if pct is not None and pct > -100:
        prev_close: float | None = last / (1 + pct / 100)
    else:
        prev_close = last - change if change is not None else None
    if prev_close is not None and prev_close <= 0:
        prev_close = None  # a change larger than the price is nonsense, not a -100 % move
    times, prices = sparkline_series(payload.get("sparkline_in_7d"), as_of)
    return QuoteRow(
        symbol=symbol,
        source=source,
        name=sanitize_optional(payload.get("name"), 120),
        currency="USD",
        last=last,
        prev_close=prev_close,
        day_high=finite(payload.get("high_24h")),
        day_low=finite(payload.get("low_24h")),
        as_of=as_of,
        series_time=times,
        series=prices,
    )


def sparkline_series(sparkline: Any, as_of: datetime) -> tuple[list[datetime], list[float]]:
    """The last 24 hourly sparkline prices, oldest first; empty when absent or malformed.

    The sparkline carries no timestamps. It is (roughly) hourly over 7 days and ends near
    ``last_updated``, so the points are placed 1 h apart ending at ``last_updated``: an
    approximation good enough for a sparkline, not for reading a price at a given time.
    """
    prices = sparkline.get("price") if isinstance(sparkline, dict) else None
    if not isinstance(prices, list):
        return [], []
    tail = prices[-SERIES_POINTS:]
    times: list[datetime] = []
    values: list[float] = []
    for offset, raw in enumerate(tail):
        price = finite(raw)
        if price is None:
            continue  # keep the spacing of the others: a null is a gap, not a shift
        times.append(as_of - SPARKLINE_STEP * (len(tail) - 1 - offset))
        values.append(price)
    return times, values
