"""Configuration: TOML in the platform's config directory, validated strictly.

A typo in a trader's config should fail loudly at start (exit 2, one line naming the file and
the key or line) rather than silently fall back to defaults, so unknown keys and providers are
errors too.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tui.config_alerts import parse_alerts
from tui.config_checks import Checker, ConfigError
from tui.config_model import (
    DEFAULT_BUDGETS,
    DEFAULT_FEEDS,
    DEFAULT_MACRO_SERIES,
    DEFAULT_NEWS_BUDGET,
    MACRO_PROVIDERS,
    PROVIDER_URLS,
    Config,
    GeneralConfig,
    HeadlinesConfig,
    MacroConfig,
    PaneConfig,
    ProviderConfig,
    ShareConfig,
)
from tui.config_panes import parse_pane
from tui.config_sections import parse_macro, parse_record_dir, parse_share, share_url, with_share
from tui.data.instruments import PANES

# Importers use ``from tui.config import ...`` for the whole configuration surface.
__all__ = [
    "DEFAULT_BUDGETS",
    "DEFAULT_FEEDS",
    "DEFAULT_MACRO_SERIES",
    "DEFAULT_NEWS_BUDGET",
    "MACRO_PROVIDERS",
    "PROVIDER_URLS",
    "Config",
    "ConfigError",
    "GeneralConfig",
    "HeadlinesConfig",
    "MacroConfig",
    "PaneConfig",
    "ProviderConfig",
    "ShareConfig",
    "_build",
    "default_config",
    "default_path",
    "load_config",
    "share_url",
    "with_share",
]


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


def _build(data: Mapping[str, Any], path: Path | None) -> Config:
    check = Checker(path)
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
    macro = parse_macro(check, data)

    panes_raw = check.table(data, "panes", set(PANES))
    panes = {name: parse_pane(check, panes_raw, name) for name in PANES}
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
        record_dir=parse_record_dir(check, data, path),
        share=parse_share(check, data),
    )
