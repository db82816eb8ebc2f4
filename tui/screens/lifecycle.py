"""What a pushed screen must give back when it closes, so that closing it frees it.

A screen that subscribed to an app signal stays reachable from the app for ever: Textual keeps
the subscription in a weak-keyed dictionary, but the callback stored as its value refers back
to the screen, so the key never dies. Every screen opened and closed then kept its widgets, its
snapshot and the snapshot's polars frames (about 2.3 MB per detail view). Screens register
what they hold here and :func:`release` undoes it when they are unmounted.

Textual also memoises ``StylesCache.get_inner_outer`` with an ``lru_cache`` keyed by the
cache object itself, so up to 1,024 closed widgets' render caches (their rendered lines) stay
reachable from it: bounded, but about 0.2 MB a screen until it fills. Closing a screen
clears it; it holds two styles per entry and refills in microseconds.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from textual._styles_cache import StylesCache
from textual.app import App
from textual.dom import DOMNode
from textual.timer import Timer

from tui.data.snapshot import MarketSnapshot

# What a closed screen holds instead of the last snapshot (and its frames).
RELEASED = MarketSnapshot(generated_at=datetime.min.replace(tzinfo=UTC), demo=False, panes=())


def release(node: DOMNode, *timers: Timer | None) -> None:
    """Stop ``timers`` and drop ``node``'s subscriptions to the app's signals."""
    for timer in timers:
        if timer is not None:
            timer.stop()
    with contextlib.suppress(Exception):  # the app may already be gone at shut-down
        app: App[Any] = node.app
        app.theme_changed_signal.unsubscribe(node)
    StylesCache.get_inner_outer.cache_clear()
