"""The configuration's shape: the frozen dataclasses and the built-in defaults.

Kept apart from :mod:`tui.config` (loading and validation) so each section's parser
(tui/config_panes.py, tui/config_sections.py, tui/config_alerts.py) can build its part
without importing the loader, and every module stays a readable size.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tui.data.alert_rules import AlertsConfig
from tui.data.instruments import (
    FUTURES_GROUP,
    KNOWN,
    OTHER_GROUP,
    PANES,
    Instrument,
    default_market,
)

# Provider name -> default base URL. The registry of real classes lives in tui.data.providers.
PROVIDER_URLS: dict[str, str] = {
    "yahoo": "https://query1.finance.yahoo.com",
    "coinbase": "https://api.exchange.coinbase.com",
    "binance": "https://data-api.binance.vision",
    "coingecko": "https://api.coingecko.com",
    "goldapi": "https://api.gold-api.com",
    "fred": "https://fred.stlouisfed.org",
}
# Providers of macro series, not quotes: they cannot be a pane's source.
MACRO_PROVIDERS: frozenset[str] = frozenset({"fred"})
DEFAULT_MACRO_SERIES: tuple[str, ...] = ("ICSA", "JTSJOL")

DEFAULT_FEEDS: tuple[str, ...] = (
    "https://www.cnbc.com/id/100003114/device/rss/rss.html",
    "https://feeds.content.dowjones.io/public/rss/mw_topstories",
    "https://finance.yahoo.com/news/rssindex",
    "https://www.coindesk.com/arc/outboundfeeds/rss/",
    "https://cointelegraph.com/rss",
    "https://news.google.com/rss/search?q=stock+market+when:1d&hl=en-US&gl=US&ceid=US:en",
)


# Requests per minute each provider's host may receive (its public, keyless limits, with room).
DEFAULT_BUDGETS: dict[str, float] = {
    "yahoo": 60.0,
    "coingecko": 10.0,  # the keyless limit is about 5-15 a minute
    "coinbase": 300.0,
    "binance": 600.0,
    "goldapi": 30.0,
}
DEFAULT_NEWS_BUDGET = 12.0  # per news host


@dataclass(frozen=True, slots=True)
class GeneralConfig:
    refresh: float = 30.0
    timeout: float = 10.0  # overall deadline for one request, seconds
    max_response_bytes: int = 4 * 1024 * 1024
    per_host: int = 10  # concurrent requests per host
    backoff_cap: float = 120.0
    user_agent: str | None = None  # None: the built-in browser-like User-Agent


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    name: str
    base_url: str
    interval: float | None = None  # None: general.refresh
    max_age: float | None = None  # None: the provider's own default
    max_requests_per_minute: float | None = None  # None: DEFAULT_BUDGETS

    @property
    def budget(self) -> float:
        """Requests per minute the governor allows this provider's host."""
        return self.max_requests_per_minute or DEFAULT_BUDGETS.get(self.name, 60.0)


@dataclass(frozen=True, slots=True)
class HeadlinesConfig:
    feeds: tuple[str, ...] = DEFAULT_FEEDS
    interval: float = 300.0
    max_items: int = 100
    max_requests_per_minute: float = DEFAULT_NEWS_BUDGET  # per feed host


@dataclass(frozen=True, slots=True)
class PaneConfig:
    name: str
    symbols: tuple[str, ...]
    sources: tuple[str, ...]
    groups: tuple[tuple[str, tuple[str, ...]], ...]
    names: Mapping[str, str] = field(default_factory=dict)
    markets: Mapping[str, str] = field(default_factory=dict)
    # Cash symbol -> its future, shown while the cash market is shut.
    futures: Mapping[str, str] = field(default_factory=dict)

    def group_of(self, symbol: str) -> str:
        for group, members in self.groups:
            if symbol in members:
                return group
        return OTHER_GROUP

    @property
    def group_names(self) -> tuple[str, ...]:
        names = [g for g, members in self.groups if any(s in self.symbols for s in members)]
        if any(self.group_of(s) == OTHER_GROUP for s in self.symbols):
            names.append(OTHER_GROUP)
        return tuple(names)


@dataclass(frozen=True, slots=True)
class MacroConfig:
    """The macro strip: FRED series ids, polled rarely (they change weekly or monthly)."""

    series: tuple[str, ...] = DEFAULT_MACRO_SERIES
    interval: float = 3600.0


@dataclass(frozen=True, slots=True)
class ShareConfig:
    """``[share]``: one fetcher and many viewers through Redis (tui/data/share.py)."""

    redis: str  # may carry a password: never print it (share_url.display_url)
    lease: float = 15.0  # seconds; the fetcher renews at a third of it


@dataclass(frozen=True, slots=True)
class Config:
    general: GeneralConfig
    providers: Mapping[str, ProviderConfig]
    headlines: HeadlinesConfig
    panes: Mapping[str, PaneConfig]
    path: Path | None = None
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    macro: MacroConfig = field(default_factory=MacroConfig)
    record_dir: Path | None = None  # [record] dir: where --record writes Parquet (None: off)
    share: ShareConfig | None = None  # None: every instance polls on its own

    def instruments(self) -> tuple[Instrument, ...]:
        """Every instrument on screen, pane by pane, in group then symbol order."""
        out: list[Instrument] = []
        for pane_name in PANES:
            pane = self.panes[pane_name]
            groups = pane.group_names
            rank = {s: (groups.index(pane.group_of(s)), i) for i, s in enumerate(pane.symbols)}
            ordered = sorted(pane.symbols, key=rank.__getitem__)
            for symbol in ordered:
                known = KNOWN.get(symbol)
                out.append(
                    Instrument(
                        pane=pane_name,
                        group=pane.group_of(symbol),
                        symbol=symbol,
                        name=pane.names.get(symbol) or (known.name if known else symbol),
                        market=pane.markets.get(symbol) or default_market(symbol, pane_name),
                        keywords=known.keywords if known else (),
                    )
                )
        return tuple(out)

    def futures_instruments(self) -> tuple[Instrument, ...]:
        """Paired futures: fetched down their pane's own chain, then attached to their cash
        row (tui.data.futures); a future that is also a row of its own is not added twice."""
        out: list[Instrument] = []
        for pane_name in PANES:
            pane = self.panes[pane_name]
            for future in dict.fromkeys(pane.futures.values()):
                if future in pane.symbols:
                    continue
                known = KNOWN.get(future)
                out.append(
                    Instrument(
                        pane=pane_name,
                        group=FUTURES_GROUP,
                        symbol=future,
                        name=known.name if known else future,
                        market=default_market(future, pane_name) or "CME",
                    )
                )
        return tuple(out)

    def interval(self, provider: str) -> float:
        conf = self.providers.get(provider)
        return conf.interval if conf and conf.interval else self.general.refresh
