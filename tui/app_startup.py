"""The start-up path's helpers: what loads after the first paint, and the collector's pause.

Kept apart from :mod:`tui.app` so the app module stays about wiring. Nothing here imports
polars, httpx or feedparser at module level (tests/test_first_paint.py): the engine's modules
load in a thread once the cached board is painted.
"""

from __future__ import annotations

import gc
import importlib


def import_engine_modules(*, live: bool) -> None:
    """What building the engine imports: polars always; httpx for live data. (feedparser loads
    with the first feed's parse, after the first prices: see tui/data/engine_loops.py.)"""
    modules = ["tui.data.factory", "tui.data.history"]
    modules += (
        ["tui.data.http", "tui.data.providers.registry", "tui.data.providers.rss"]
        if live
        else ["tui.data.demo"]
    )
    for name in modules:
        importlib.import_module(name)


def end_startup_pause() -> None:
    """Collect once, then keep the start-up objects out of every later collection.

    The CLI disables the collector while the app starts; from here on it runs as usual, and
    the long-lived objects of start-up (modules, classes, widgets) are not scanned again.
    """
    if gc.isenabled():  # not started by the CLI: nothing was paused
        return
    gc.collect()
    gc.freeze()
    gc.enable()
