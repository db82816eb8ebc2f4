"""The ``[panes.*]`` sections: symbols, sources, groups, names, markets and paired futures.

Kept apart from :mod:`tui.config` (which calls ``parse_pane`` once per pane) so that module
stays a readable size; the cross-checks between a pane's keys (a group member must be one of
its symbols, a source a quote provider) live together here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tui.config_checks import Checker, kind
from tui.config_model import MACRO_PROVIDERS, PROVIDER_URLS, PaneConfig
from tui.data.instruments import DEFAULT_FUTURES, DEFAULT_GROUPS, DEFAULT_SOURCES
from tui.data.markets import MARKETS

_PANE_KEYS = {"symbols", "sources", "groups", "names", "markets", "futures"}


def parse_pane(check: Checker, panes_raw: Mapping[str, Any], name: str) -> PaneConfig:
    key = f"panes.{name}"
    raw = check.table(panes_raw, key, _PANE_KEYS)

    groups: tuple[tuple[str, tuple[str, ...]], ...]
    if "groups" in raw:
        table = raw["groups"]
        if not isinstance(table, dict):
            raise check.fail(f"{key}.groups", f"must be a table of lists, not {kind(table)}")
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
    check: Checker,
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
    check: Checker, raw: Mapping[str, Any], key: str, symbols: tuple[str, ...]
) -> dict[str, str]:
    table = raw.get(key.rsplit(".", 1)[-1], {})
    if not isinstance(table, dict):
        raise check.fail(key, f"must be a table, not {kind(table)}")
    out: dict[str, str] = {}
    for sym, value in table.items():
        if sym not in symbols:
            raise check.fail(f"{key}.{sym}", "is not one of this pane's symbols")
        if not isinstance(value, str) or not value.strip():
            raise check.fail(f"{key}.{sym}", f"must be a non-empty string, not {kind(value)}")
        out[sym] = value.strip()
    return out
