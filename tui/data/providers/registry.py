"""Quote providers by config name (importing this loads httpx and every provider)."""

from __future__ import annotations

from tui.data.providers.base import QuoteProvider
from tui.data.providers.binance import BinanceProvider
from tui.data.providers.coinbase import CoinbaseProvider
from tui.data.providers.coingecko import CoinGeckoProvider
from tui.data.providers.goldapi import GoldApiProvider
from tui.data.providers.yahoo import YahooChartProvider

PROVIDERS: dict[str, type[QuoteProvider]] = {
    cls.name: cls
    for cls in (
        YahooChartProvider,
        CoinbaseProvider,
        BinanceProvider,
        CoinGeckoProvider,
        GoldApiProvider,
    )
}

__all__ = ["PROVIDERS", "QuoteProvider"]
