"""Build a ready engine from a config: the one wiring shared by the CLI, the TUI and tests."""

from __future__ import annotations

import random
from pathlib import Path
from typing import TYPE_CHECKING

from tui.config import Config
from tui.data.backoff import Backoff
from tui.data.clock import Clock
from tui.data.clock_truth import ClockTruth
from tui.data.engine import HEADLINES, Engine, EngineSettings, HeadlineFeed, MacroFeed
from tui.data.history import HistorySource
from tui.data.instruments import PANES
from tui.data.providers.base import QuoteProvider
from tui.data.sessions import SessionBook, default_cache_dir

if TYPE_CHECKING:
    import httpx

    from tui.data.bars import BarBook

DEMO = "demo"


def build_engine(
    config: Config,
    *,
    clock: Clock,
    client: httpx.AsyncClient | None = None,
    demo: bool = False,
    seed: int = 7,
    scenario: str = "selloff",
    rng: random.Random | None = None,
    history: bool = False,
    history_cache: Path | None = None,
    sessions: SessionBook | None = None,
) -> Engine:
    """An engine over live providers (sharing ``client``) or over the simulated market.

    ``history``: fetch daily closes for σ-moves (the CLI and the app; tests opt in), cached in
    ``history_cache`` (None: in memory only). The demo always has its simulated history.
    """
    backoff = Backoff(cap=config.general.backoff_cap, rng=rng or random.Random())
    truth: ClockTruth | None = None
    providers: dict[str, QuoteProvider]
    chains: dict[str, tuple[str, ...]]
    headlines: HeadlineFeed | None
    macro: MacroFeed | None = None
    daily: HistorySource | None = None
    bars: BarBook | None = None
    symbols = [i.symbol for i in config.instruments()]
    if demo:
        from tui.data.demo import DemoHeadlines, DemoQuoteProvider

        providers = {DEMO: DemoQuoteProvider(clock, seed=seed, scenario=scenario)}
        chains = dict.fromkeys(PANES, (DEMO,))
        # The simulated market polls like a live source would: on the configured refresh.
        intervals = {DEMO: config.general.refresh, HEADLINES: config.headlines.interval}
        max_age = {DEMO: DemoQuoteProvider.default_max_age}
        headlines = DemoHeadlines(clock, seed=seed, scenario=scenario)
        if config.macro.series:
            from tui.data.demo_board import DemoMacro

            macro = DemoMacro(config.macro.series, seed=seed, scenario=scenario)
            intervals[macro.name] = config.macro.interval
        from tui.data.demo_history import DemoHistory

        daily = DemoHistory(symbols, clock, seed=seed)
    else:
        from tui.data.governor import Governor
        from tui.data.http import Fetcher  # httpx and the live providers load only here
        from tui.data.providers.registry import PROVIDERS
        from tui.data.providers.rss import RssHeadlines

        if client is None:
            raise ValueError("live mode needs the shared httpx.AsyncClient")
        used = {src for pane in config.panes.values() for src in pane.sources}
        fetcher = Fetcher(
            client,
            deadline=config.general.timeout,
            max_bytes=config.general.max_response_bytes,
            per_host=config.general.per_host,
            governor=Governor(
                clock=clock,
                per_host=config.general.per_host,
                budgets=host_budgets(config, used),
            ),
            user_agent=config.general.user_agent,
        )
        truth = ClockTruth(clock.now)
        fetcher.on_response = truth.observe
        providers = {
            name: PROVIDERS[name](fetcher, config.providers[name].base_url) for name in sorted(used)
        }
        chains = {name: pane.sources for name, pane in config.panes.items()}
        intervals = {name: config.interval(name) for name in providers}
        intervals[HEADLINES] = config.headlines.interval
        max_age = {
            name: config.providers[name].max_age or type(p).default_max_age
            for name, p in providers.items()
        }
        headlines = (
            RssHeadlines(fetcher, config.headlines.feeds, config.headlines.max_items)
            if config.headlines.feeds
            else None
        )
        if config.macro.series:
            from tui.data.providers.fred import FredMacro

            macro = FredMacro(fetcher, config.providers["fred"].base_url, config.macro.series)
            intervals[macro.name] = config.macro.interval
        if history:
            from tui.data.history import DailyHistory

            daily = DailyHistory(
                fetcher, config.providers["yahoo"].base_url, symbols, clock, history_cache
            )
        if "yahoo" in providers:
            from functools import partial

            from tui.data.bars import BarBook, fetch_yahoo_bars

            base = config.providers["yahoo"].base_url
            bars = BarBook(partial(fetch_yahoo_bars, fetcher, base), clock)
    settings = EngineSettings(
        chains=chains,
        intervals=intervals,
        max_age=max_age,
        max_headlines=config.headlines.max_items,
        demo=demo,
        futures={name: pane.futures for name, pane in config.panes.items() if pane.futures},
    )
    book = sessions if sessions is not None else SessionBook(default_cache_dir())
    engine = Engine(
        config.instruments() + config.futures_instruments(),
        providers,
        settings,
        clock,
        headlines,
        backoff,
        history=daily,
        sessions=book,
        macro=macro,
        truth=truth,
    )
    engine.bars = bars
    return engine


def host_budgets(config: Config, used: set[str]) -> dict[str, float]:
    """Requests per minute per service key: each provider's host, and each feed host's.

    Several feeds on one host share that host's one news budget. Different providers pointed at
    one host (a mirror, a proxy, a test server) add up: each budget describes the real upstream
    that provider stands for, and a smaller shared one would starve them all.
    """
    from tui.data.governor import service_key

    budgets: dict[str, float] = {}
    for name in sorted(used):
        key = service_key(config.providers[name].base_url)
        budgets[key] = budgets.get(key, 0.0) + config.providers[name].budget
    for key in {service_key(feed) for feed in config.headlines.feeds}:
        budgets[key] = budgets.get(key, 0.0) + config.headlines.max_requests_per_minute
    return budgets
