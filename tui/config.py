"""Configuration: TOML in the platform's config directory, validated strictly.

A typo in a trader's config should fail loudly at start (exit 2, one line naming the file and
the key or line) rather than silently fall back to defaults, so unknown keys and providers are
errors too.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.config_alerts import parse_alerts
from tui.data.alerts import AlertsConfig
from tui.data.instruments import (
    DEFAULT_FUTURES,
    DEFAULT_GROUPS,
    DEFAULT_SOURCES,
    FUTURES_GROUP,
    KNOWN,
    OTHER_GROUP,
    PANES,
    Instrument,
    default_market,
)
from tui.data.markets import MARKETS

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


class ConfigError(Exception):
    """A bad configuration: the message names the file and the line or key."""


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


def default_config() -> Config:
    return _build({}, None)


def default_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path("marketmon", appauthor=False) / "config.toml"


def load_config(path: Path | None = None) -> Config:
    """Load ``path`` (or the default location); a missing default file means defaults."""
    explicit = path is not None
    target = path if path is not None else default_path()
    try:
        raw = target.read_bytes()
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"{target}: file not found") from None
        return _build({}, None)
    except IsADirectoryError:
        raise ConfigError(f"{target}: is a directory, not a TOML file") from None
    except OSError as exc:
        raise ConfigError(f"{target}: cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{target}: not UTF-8 text (byte {exc.start})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{target}: TOML syntax error: {exc}") from None
    return _build(data, target)


# --- validation -------------------------------------------------------------------------

_TOP_KEYS = {"general", "providers", "headlines", "panes", "alerts", "macro", "record", "share"}
_MACRO_KEYS = {"series", "interval"}
_SHARE_KEYS = {"redis", "lease"}
_RECORD_KEYS = {"dir"}
_GENERAL_KEYS = {
    "refresh",
    "timeout",
    "max_response_bytes",
    "per_host",
    "backoff_cap",
    "user_agent",
}
_PROVIDER_KEYS = {"base_url", "interval", "max_age", "max_requests_per_minute"}
_HEADLINE_KEYS = {"feeds", "interval", "max_items", "max_requests_per_minute"}
_PANE_KEYS = {"symbols", "sources", "groups", "names", "markets", "futures"}


class _Checker:
    def __init__(self, path: Path | None) -> None:
        self.where = str(path) if path else "<defaults>"

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.where}: {key}: {message}")

    def table(self, data: Mapping[str, Any], key: str, allowed: set[str]) -> dict[str, Any]:
        value = data.get(key.rsplit(".", 1)[-1], {})
        if not isinstance(value, dict):
            raise self.fail(key, f"must be a table, not {_kind(value)}")
        for name in value:
            if name not in allowed:
                raise self.fail(
                    f"{key}.{name}", f"unknown key (expected one of: {', '.join(sorted(allowed))})"
                )
        return value

    def number(self, data: Mapping[str, Any], key: str, default: float, minimum: float) -> float:
        name = key.rsplit(".", 1)[-1]
        if name not in data:
            return default
        value = data[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"must be a number, not {_kind(value)}")
        if value < minimum:
            raise self.fail(key, f"must be at least {minimum:g}, got {value}")
        return float(value)

    def integer(self, data: Mapping[str, Any], key: str, default: int, minimum: int) -> int:
        name = key.rsplit(".", 1)[-1]
        if name not in data:
            return default
        value = data[name]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be an integer, not {_kind(value)}")
        if value < minimum:
            raise self.fail(key, f"must be at least {minimum}, got {value}")
        return value

    def strings(self, value: Any, key: str, *, allow_empty: bool = False) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(key, f"must be a list of strings, not {_kind(value)}")
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(f"{key}[{i}]", f"must be a non-empty string, not {_kind(item)}")
        if not value and not allow_empty:
            raise self.fail(key, "must not be empty")
        # Stripped first: " ^GSPC" and "^GSPC" are one symbol, listed twice.
        items = [s.strip() for s in value]
        if len(set(items)) != len(items):
            dup = next(v for v in items if items.count(v) > 1)
            raise self.fail(key, f"lists {dup!r} twice")
        return tuple(items)

    def header_text(self, data: Mapping[str, Any], key: str) -> str | None:
        """A header value: printable ASCII only, so it cannot split or forge other headers."""
        name = key.rsplit(".", 1)[-1]
        if name not in data:
            return None
        value = data[name]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"must be a non-empty string, not {_kind(value)}")
        if not all(" " <= ch <= "~" for ch in value):
            raise self.fail(key, "must be printable ASCII (no control or non-ASCII characters)")
        return value.strip()

    def url(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string URL, not {_kind(value)}")
        if not value.startswith(("http://", "https://")):
            raise self.fail(key, f"must start with http:// or https://, got {value!r}")
        return value.rstrip("/")


def _kind(value: Any) -> str:
    names = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)


def _build(data: Mapping[str, Any], path: Path | None) -> Config:
    check = _Checker(path)
    for key in data:
        if key not in _TOP_KEYS:
            raise check.fail(key, f"unknown section (expected: {', '.join(sorted(_TOP_KEYS))})")

    gen = check.table(data, "general", _GENERAL_KEYS)
    general = GeneralConfig(
        refresh=check.number(gen, "general.refresh", 30.0, 1.0),
        timeout=check.number(gen, "general.timeout", 10.0, 0.5),
        max_response_bytes=check.integer(gen, "general.max_response_bytes", 4 * 1024 * 1024, 1024),
        per_host=check.integer(gen, "general.per_host", 10, 1),
        backoff_cap=check.number(gen, "general.backoff_cap", 120.0, 1.0),
        user_agent=check.header_text(gen, "general.user_agent"),
    )

    prov_raw = check.table(data, "providers", set(PROVIDER_URLS))
    providers: dict[str, ProviderConfig] = {}
    for name, default_url in PROVIDER_URLS.items():
        conf = check.table(prov_raw, f"providers.{name}", _PROVIDER_KEYS)
        providers[name] = ProviderConfig(
            name=name,
            base_url=check.url(conf["base_url"], f"providers.{name}.base_url")
            if "base_url" in conf
            else default_url,
            interval=check.number(conf, f"providers.{name}.interval", 0.0, 1.0) or None,
            max_age=check.number(conf, f"providers.{name}.max_age", 0.0, 1.0) or None,
            max_requests_per_minute=check.number(
                conf, f"providers.{name}.max_requests_per_minute", 0.0, 1.0
            )
            or None,
        )

    head = check.table(data, "headlines", _HEADLINE_KEYS)
    feeds = (
        tuple(
            check.url(u, f"headlines.feeds[{i}]")
            for i, u in enumerate(check.strings(head["feeds"], "headlines.feeds", allow_empty=True))
        )
        if "feeds" in head
        else DEFAULT_FEEDS
    )
    headlines = HeadlinesConfig(
        feeds=feeds,
        interval=check.number(head, "headlines.interval", 300.0, 10.0),
        max_items=check.integer(head, "headlines.max_items", 100, 1),
        max_requests_per_minute=check.number(
            head, "headlines.max_requests_per_minute", DEFAULT_NEWS_BUDGET, 1.0
        ),
    )

    macro_raw = check.table(data, "macro", _MACRO_KEYS)
    macro = MacroConfig(
        series=check.strings(macro_raw["series"], "macro.series", allow_empty=True)
        if "series" in macro_raw
        else DEFAULT_MACRO_SERIES,
        interval=check.number(macro_raw, "macro.interval", 3600.0, 60.0),
    )
    for i, series in enumerate(macro.series):
        if not series.replace("_", "").isalnum() or len(series) > 40:
            raise check.fail(f"macro.series[{i}]", f"not a FRED series id: {series!r}")

    panes_raw = check.table(data, "panes", set(PANES))
    panes = {name: _pane(check, panes_raw, name) for name in PANES}
    board = {s for pane in panes.values() for s in pane.symbols}
    alerts = parse_alerts(check, data, board, path)
    return Config(
        general=general,
        providers=providers,
        headlines=headlines,
        panes=panes,
        path=path,
        alerts=alerts,
        macro=macro,
        record_dir=_record_dir(check, data, path),
        share=_share(check, data),
    )


def _share(check: _Checker, data: Mapping[str, Any]) -> ShareConfig | None:
    if "share" not in data:
        return None
    raw = check.table(data, "share", _SHARE_KEYS)
    if "redis" not in raw:
        raise check.fail("share.redis", "is required in [share]")
    lease = check.number(raw, "share.lease", 15.0, 1.0)
    if lease > 15.0:
        raise check.fail("share.lease", f"must be at most 15 seconds, got {lease:g}")
    return ShareConfig(redis=share_url(check, raw["redis"], "share.redis"), lease=lease)


def share_url(check: _Checker, value: Any, key: str) -> str:
    """A checked Redis URL; the error names the key, never the password."""
    from tui.data.share_url import check_redis_url

    if not isinstance(value, str):
        raise check.fail(key, f"must be a string URL, not {_kind(value)}")
    problem = check_redis_url(value)
    if problem is not None:
        raise check.fail(key, problem)
    return value


def with_share(config: Config, url: str, source: str = "--share") -> Config:
    """``config`` with ``--share URL`` applied (the command line wins over the file)."""
    from dataclasses import replace

    check = _Checker(None)
    check.where = source
    url = share_url(check, url, "redis")
    lease = config.share.lease if config.share is not None else 15.0
    return replace(config, share=ShareConfig(redis=url, lease=lease))


def _record_dir(check: _Checker, data: Mapping[str, Any], path: Path | None) -> Path | None:
    """``[record] dir``: ``~`` expanded; a relative folder is relative to the config file."""
    record = check.table(data, "record", _RECORD_KEYS)
    if "dir" not in record:
        return None
    value = record["dir"]
    if not isinstance(value, str) or not value.strip():
        raise check.fail("record.dir", f"must be a folder name, not {_kind(value)}")
    folder = Path(value).expanduser()
    if not folder.is_absolute() and path is not None:
        folder = path.parent / folder
    return folder


def _pane(check: _Checker, panes_raw: Mapping[str, Any], name: str) -> PaneConfig:
    key = f"panes.{name}"
    raw = check.table(panes_raw, key, _PANE_KEYS)

    groups: tuple[tuple[str, tuple[str, ...]], ...]
    if "groups" in raw:
        table = raw["groups"]
        if not isinstance(table, dict):
            raise check.fail(f"{key}.groups", f"must be a table of lists, not {_kind(table)}")
        groups = tuple(
            (group, check.strings(members, f"{key}.groups.{group}"))
            for group, members in table.items()
        )
        # A row has one group (its region): a symbol in two would silently show in the first.
        first: dict[str, str] = {}
        for group, members in groups:
            for sym in members:
                if sym in first:
                    raise check.fail(
                        f"{key}.groups.{group}", f"{sym!r} is already in group {first[sym]!r}"
                    )
                first[sym] = group
    else:
        groups = tuple(DEFAULT_GROUPS[name].items())

    if "symbols" in raw:
        # An empty list turns the pane off (a trader who wants no FX pane, say).
        symbols = check.strings(raw["symbols"], f"{key}.symbols", allow_empty=True)
        if "groups" in raw:
            for group, members in groups:
                for sym in members:
                    if sym not in symbols:
                        raise check.fail(
                            f"{key}.groups.{group}", f"{sym!r} is not in {key}.symbols"
                        )
    elif "groups" in raw:
        symbols = tuple(dict.fromkeys(s for _, members in groups for s in members))
    else:
        symbols = tuple(s for _, members in groups for s in members)

    if "sources" in raw:
        sources = check.strings(raw["sources"], f"{key}.sources")
        for i, src in enumerate(sources):
            if src not in PROVIDER_URLS or src in MACRO_PROVIDERS:
                quote_providers = [p for p in PROVIDER_URLS if p not in MACRO_PROVIDERS]
                raise check.fail(
                    f"{key}.sources[{i}]",
                    f"unknown provider {src!r} (known: {', '.join(quote_providers)})",
                )
    else:
        sources = DEFAULT_SOURCES[name]

    names = _string_map(check, raw, f"{key}.names", symbols)
    markets = _string_map(check, raw, f"{key}.markets", symbols)
    for sym, market in markets.items():
        if market not in MARKETS:
            raise check.fail(
                f"{key}.markets.{sym}", f"unknown market {market!r} (known: {', '.join(MARKETS)})"
            )
    futures = _futures(check, raw, f"{key}.futures", symbols, DEFAULT_FUTURES.get(name, {}))
    return PaneConfig(
        name=name,
        symbols=symbols,
        sources=sources,
        groups=groups,
        names=names,
        markets=markets,
        futures=futures,
    )


def _futures(
    check: _Checker,
    raw: Mapping[str, Any],
    key: str,
    symbols: tuple[str, ...],
    defaults: Mapping[str, str],
) -> dict[str, str]:
    """``[panes.X.futures]`` replaces the defaults; defaults apply only to listed cash symbols."""
    if "futures" not in raw:
        return {cash: fut for cash, fut in defaults.items() if cash in symbols}
    return _string_map(check, raw, key, symbols)


def _string_map(
    check: _Checker, raw: Mapping[str, Any], key: str, symbols: tuple[str, ...]
) -> dict[str, str]:
    table = raw.get(key.rsplit(".", 1)[-1], {})
    if not isinstance(table, dict):
        raise check.fail(key, f"must be a table, not {_kind(table)}")
    out: dict[str, str] = {}
    for sym, value in table.items():
        if sym not in symbols:
            raise check.fail(f"{key}.{sym}", "is not one of this pane's symbols")
        if not isinstance(value, str) or not value.strip():
            raise check.fail(f"{key}.{sym}", f"must be a non-empty string, not {_kind(value)}")
        out[sym] = value.strip()
    return out
