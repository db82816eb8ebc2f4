"""The start-up path's helpers: what loads after the first paint, and the collector's pause.

Kept apart from :mod:`tui.app` so the app module stays about wiring. Nothing here imports
polars, httpx or feedparser at module level (tests/test_first_paint.py): the engine's modules
load in a thread once the cached board is painted.
"""

from __future__ import annotations

import gc
import importlib
from typing import TYPE_CHECKING

from tui.data.snapshot import MarketSnapshot, SnapshotOrigin, StaleReason

if TYPE_CHECKING:
    from pathlib import Path

    from tui.config import Config


def engine_modules(config: Config, *, live: bool, record: bool) -> list[str]:
    """What starting the engine imports, and what its first answers need soon after.

    Each of these would otherwise load on the event loop when first used (an alert's check,
    the recorder's creation, the share's election, the first Date header): a stall the user
    sees as a frozen screen. feedparser loads with the first feed's parse, after the first
    prices (see tui/data/engine_loops.py).
    """
    modules = ["tui.data.factory", "tui.data.history"]  # polars
    if live:  # httpx; the clock's truth reads the servers' Date headers (email.utils, statistics)
        modules += ["tui.data.http", "tui.data.providers.registry", "tui.data.providers.rss"]
        modules += ["email.utils", "statistics"]
    else:
        modules.append("tui.data.demo")
    if config.alerts.rules:  # the rules' evaluation and its log (off the start path)
        modules.append("tui.data.alert_dispatch")
    if record:
        modules += ["tui.data.recorder", "tui.data.record_compact"]
    if config.share is not None:
        modules += ["tui.data.share", "redis.asyncio"]  # redis loads with the first client
    return modules


def import_engine_modules(config: Config, demo: bool, record_dir: Path | None) -> None:
    """Import :func:`engine_modules` (the app calls this in a thread, after the first paint)."""
    for name in engine_modules(config, live=not demo, record=record_dir is not None):
        importlib.import_module(name)


_resumed_early = False  # the collector runs again; the full pass and the freeze are still due


def resume_collector() -> None:
    """Cached prices are painted: the collector runs again while the engine loads.

    Left off until the live prices, the garbage of loading polars and of the first answers
    would pile up in the process's memory (RSS). A full pass now (0.05-0.3 s) would delay the
    live prices, and so would turning the collector on as it is: its first passes would scan
    every object of start-up, and soon trigger a full one. So the objects of start-up are
    frozen first (a constant-time move, no scan): the collector then sees only new objects.
    :func:`end_startup_pause` unfreezes, collects once and freezes again, after the live prices.
    """
    global _resumed_early
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
        _resumed_early = True


def end_startup_pause() -> None:
    """Collect once, then keep the start-up objects out of every later collection.

    The CLI disables the collector while the app starts; from here on it runs as usual, and
    the long-lived objects of start-up (modules, classes, widgets) are not scanned again.
    """
    global _resumed_early
    if gc.isenabled() and not _resumed_early:  # not started by the CLI: nothing was paused
        return
    if _resumed_early:
        gc.unfreeze()  # the garbage of start-up is among the frozen objects: collect it too
    _resumed_early = False
    gc.collect()
    gc.freeze()
    gc.enable()


def has_live_price(snapshot: MarketSnapshot) -> bool:
    """A price from this run's sources (or the recording), not a last-known one."""
    if snapshot.origin is SnapshotOrigin.CACHED:
        return False
    return any(
        q.last is not None and q.stale_reason is not StaleReason.CACHED
        for pane in snapshot.panes
        for q in pane.quotes
    )
