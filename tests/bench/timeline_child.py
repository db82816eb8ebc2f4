"""marketmon with a start-up timeline: ``python -m tests.bench.timeline_child ARGS…``.

Launched by tests/bench/timeline.py. Writes ``<time.monotonic()> <event>`` lines to the file
named by ``$MARKETMON_TIMELINE`` (the clock is system-wide, so the driver merges them with the
upstream servers' and the terminal's times), then runs the ``marketmon`` command with ARGS.
Events: the app's start-up steps (mount, cached paint, engine import, engine start), every
snapshot applied (with the S&P 500's price and origin), every request and answer, each source's
fetch, snapshots' cost, collector passes over 5 ms and event-loop stalls over 50 ms. It wraps
the app's methods from outside, so the app carries no tracing code; a renamed method just
drops out of the timeline.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import inspect
import os
import sys
import time
from collections.abc import Callable
from typing import Any

_out = open(os.environ["MARKETMON_TIMELINE"], "w", buffering=1)  # noqa: SIM115 (whole run)


def mark(event: str) -> None:
    _out.write(f"{time.monotonic():.4f} {event}\n")


def _gc_callback(phase: str, info: dict[str, int], started: list[float] = [0.0]) -> None:  # noqa: B006
    if phase == "start":
        started[0] = time.monotonic()
    elif (took := time.monotonic() - started[0]) > 0.005:
        mark(f"gc gen{info['generation']} {took * 1000:.0f} ms, {info['collected']} collected")


def wrap(owner: Any, name: str, label: Callable[..., str] | None = None) -> None:
    """Mark when ``owner.name`` returns (coroutines: when they start and when they end)."""
    original = getattr(owner, name)

    if inspect.iscoroutinefunction(original):

        @functools.wraps(original)
        async def traced_async(*args: Any, **kwargs: Any) -> Any:
            what = label(*args, **kwargs) if label else ""
            mark(f"{name} begins {what}")
            try:
                return await original(*args, **kwargs)
            finally:
                mark(f"{name} ends {what}")

        setattr(owner, name, traced_async)
    else:

        @functools.wraps(original)
        def traced(*args: Any, **kwargs: Any) -> Any:
            started = time.monotonic()
            result = original(*args, **kwargs)
            what = label(*args, **kwargs) if label else ""
            mark(f"{name} {what} ({(time.monotonic() - started) * 1000:.0f} ms)")
            return result

        setattr(owner, name, traced)


def _sp500(snapshot: Any) -> str:
    if snapshot is None:
        return "nothing"
    for quote in snapshot.quotes:
        if quote.symbol == "^GSPC":
            reason = quote.stale_reason.value if quote.stale_reason else "live"
            return f"S&P 500 {quote.last} ({reason}), origin {snapshot.origin.value}"
    return "no S&P 500"


def _trace_engine() -> None:
    import tui.data.engine as engine
    import tui.data.http as http

    wrap(engine.Engine, "fetch_source", lambda _e, src, syms, **_k: f"{src} {list(syms)[:2]}")
    wrap(engine.Engine, "fetch_headlines")
    wrap(engine.Engine, "fetch_macro")
    wrap(engine.Engine, "snapshot")
    wrap(http.Fetcher, "get", lambda _f, url, **_k: url)


def _install() -> None:
    gc.callbacks.append(_gc_callback)
    import tui.app as app

    mark("tui.app imported")
    wrap(app.MarketmonApp, "on_mount")
    wrap(app.MarketmonApp, "_screen_ready")
    wrap(app.MarketmonApp, "_start_engine")
    wrap(app.MarketmonApp, "_next_snapshot")
    original_next = app.MarketmonApp._next_snapshot

    def next_snapshot(self: Any) -> Any:
        shown = original_next(self)
        mark(f"applied: {_sp500(shown)}")
        return shown

    app.MarketmonApp._next_snapshot = next_snapshot  # type: ignore[method-assign]
    original_import = app.import_engine_modules

    def import_engine(config: Any, demo: bool, record_dir: Any) -> None:
        mark("engine import begins (thread)")
        original_import(config, demo, record_dir)
        mark("engine import ends")
        _trace_engine()

    app.import_engine_modules = import_engine
    original_mount = app.MarketmonApp.on_mount

    def on_mount(self: Any) -> None:
        original_mount(self)
        self._timeline_stalls = asyncio.get_running_loop().create_task(_stalls())

    app.MarketmonApp.on_mount = on_mount  # type: ignore[method-assign]


async def _stalls(step: float = 0.02) -> None:
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(step)
        if (late := loop.time() - before - step) > 0.05:
            mark(f"event loop stalled {late * 1000:.0f} ms")


if __name__ == "__main__":
    mark("interpreter up")
    _install()
    from tui.cli import main

    sys.exit(main(sys.argv[1:]))
