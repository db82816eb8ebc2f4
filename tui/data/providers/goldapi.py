"""Keyless spot metal prices from gold-api.com (``GET /price/{symbol}``).

The answer is a bare price and time: no previous close, no range, no history. Those stay
empty rather than invented, so the row shows a price without a change until another source
(or a future snapshot) supplies one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from tui.data.errors import ErrorKind, FetchError
from tui.data.http import HttpResponse, status_error
from tui.data.providers.base import ProviderResult, QuoteProvider, gather_per_symbol
from tui.data.sanitize import sanitize_optional, sanitize_text
from tui.data.schema import QuoteRow, finite, parse_iso_time

# Gold, silver, platinum, palladium (per troy ounce) and copper (per pound).
METALS = frozenset({"XAU", "XAG", "XPT", "XPD", "HG"})


class GoldApiProvider(QuoteProvider):
    name = "goldapi"
    batch_size = 1  # one scheduling unit per symbol (its own requests)
    default_base_url = "https://api.gold-api.com"
    default_max_age = 600.0  # the free feed updates every few minutes at best

    def supports(self, symbol: str) -> bool:
        return symbol.strip().upper() in METALS

    async def fetch(self, symbols: Sequence[str]) -> ProviderResult:
        return await gather_per_symbol(self.name, symbols, self._fetch_one)

    async def _fetch_one(self, symbol: str) -> QuoteRow:
        metal = symbol.strip().upper()
        if metal not in METALS:
            raise FetchError(ErrorKind.UNSUPPORTED, f"gold-api has no {symbol!r}")
        resp = await self.fetcher.get(f"{self.base_url}/price/{quote(metal, safe='')}")
        if resp.status != 200:
            raise status_error(resp, _error_description(resp))
        return parse_price(resp.json(), symbol, self.name)


def _error_description(resp: HttpResponse) -> str | None:
    """gold-api.com's error body is undocumented; take ``error`` or ``message`` if present."""
    payload = resp.json_object()
    if payload is None:
        return None
    for key in ("error", "message"):
        if isinstance(payload.get(key), str) and payload[key]:
            return sanitize_text(payload[key], 200) or None
    return None


def parse_price(payload: Any, symbol: str, source: str = "goldapi") -> QuoteRow:
    """``{"name", "price", "symbol", "currency", "updatedAt", ...}`` as a quote row."""
    if not isinstance(payload, dict):
        raise FetchError(ErrorKind.PARSE, "price answer is not a JSON object")
    answered = payload.get("symbol")
    if answered is not None and (
        not isinstance(answered, str) or answered.upper() != symbol.strip().upper()
    ):
        raise FetchError(ErrorKind.PARSE, f"asked for {symbol}, got {sanitize_text(answered, 20)}")
    price = finite(payload.get("price"))
    if price is None or price <= 0:
        raise FetchError(ErrorKind.PARSE, "price answer has no valid 'price'")
    as_of = parse_iso_time(payload.get("updatedAt"))
    if as_of is None:
        raise FetchError(ErrorKind.PARSE, "price answer has no valid 'updatedAt'")
    return QuoteRow(
        symbol=symbol,
        source=source,
        name=sanitize_optional(payload.get("name"), 120),
        currency=sanitize_optional(payload.get("currency"), 12) or "USD",
        last=price,
        as_of=as_of,
    )
