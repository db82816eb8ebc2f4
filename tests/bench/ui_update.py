"""UI update cost: a refresh of 1,000 rows in which 10 % changed, from snapshot to painted frame.

The real app runs headless on the demo feed with 1,000 instruments in one pane. A new snapshot
with 100 changed prices is applied; the time runs until the screen's compositor has rendered
the frame (and its terminal bytes have been produced). The cells written are counted by
wrapping ``update_cell``.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import replace
from typing import Any

from tests.bench.figures import Figure
from tui.app import MarketmonApp, create_app
from tui.config import _build
from tui.data.clock import VirtualClock
from tui.data.demo import PROFILES, Profile
from tui.data.snapshot import MarketSnapshot
from tui.demo_app import FROZEN_AT, wait_for_data
from widgets.quote_table import QuoteTable

ROWS = 1_000
CHANGED = 100


def big_app() -> MarketmonApp:
    symbols = [f"SYM{i:04d}" for i in range(ROWS)]
    # The demo prices only instruments it knows: make these 1,000 known to it for the run.
    for i, symbol in enumerate(symbols):
        PROFILES.setdefault(symbol, Profile(50.0 + i, "USD", "NYSE", 0.01))
    config = _build(
        {
            "headlines": {"feeds": []},
            "panes": {
                "indices": {"symbols": symbols},
                "metals": {"symbols": ["GC=F"]},
                "crypto": {"symbols": ["BTC-USD"]},
            },
        },
        None,
    )
    return create_app(config, demo=True, clock=VirtualClock(FROZEN_AT), animate=False)


def changed(snapshot: MarketSnapshot, rng: random.Random) -> tuple[MarketSnapshot, set[str]]:
    """The snapshot with 10 % of the big pane's prices moved (last, change, change %)."""
    pane = snapshot.panes[0]
    picks = set(rng.sample(range(len(pane.quotes)), CHANGED))
    quotes = []
    moved: set[str] = set()
    for i, q in enumerate(pane.quotes):
        if i in picks and q.last is not None and q.prev_close:
            last = q.last * (1 + rng.choice((-1, 1)) * (0.001 + rng.random() * 0.01))
            q = replace(
                q,
                last=last,
                change=last - q.prev_close,
                change_pct=(last - q.prev_close) / q.prev_close * 100,
            )
            moved.add(q.symbol)
        quotes.append(q)
    panes = (replace(pane, quotes=tuple(quotes)), *snapshot.panes[1:])
    return replace(snapshot, panes=panes), moved


async def measure(runs: int) -> tuple[list[float], list[float], list[float]]:
    app = big_app()
    times: list[float] = []
    cells: list[float] = []
    rows: list[float] = []
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for_data(app)
        await pilot.pause(0.3)
        table = app.main_screen.query_one("#table-indices", QuoteTable)
        screen = app.main_screen
        painted: list[float] = []
        original_refresh = screen._compositor_refresh
        written: list[str] = []

        def timed_refresh() -> None:
            original_refresh()
            painted.append(time.perf_counter())

        original_update = table.update_cell

        def counted(row_key: Any, column_key: Any, value: Any, **kw: Any) -> None:
            written.append(str(row_key))
            original_update(row_key, column_key, value, **kw)

        screen._compositor_refresh = timed_refresh  # type: ignore[method-assign]
        table.update_cell = counted  # type: ignore[method-assign]
        rng = random.Random(5)
        snapshot = app.snapshot
        assert snapshot is not None and len(snapshot.panes[0].quotes) == ROWS
        for _ in range(max(runs, 5)):
            snapshot, moved = changed(snapshot, rng)
            await pilot.pause(0.1)
            painted.clear()
            written.clear()
            start = time.perf_counter()
            app.main_screen.apply(snapshot)
            while not painted:
                await asyncio.sleep(0)
            times.append((painted[0] - start) * 1000)
            cells.append(len(written))
            rows.append(len(set(written)))
            assert set(written) <= moved, "a row that did not change was written"
        await pilot.press("q")
    return times, cells, rows


def run(runs: int = 3, seconds: float = 0.0) -> list[Figure]:
    del seconds
    times, cells, rows = asyncio.run(measure(runs))
    return [
        Figure(
            "ui",
            f"update {ROWS:,} rows, {CHANGED} changed: snapshot to painted frame",
            "ms",
            times,
            target=50.0,
            target_text="≤ 50 ms",
        ),
        Figure(
            "ui",
            "cells written per update",
            "cells",
            cells,
            target=CHANGED * 6.0,
            target_text=f"only changed rows (≤ {CHANGED}×6)",
        ),
        Figure(
            "ui",
            "rows written per update",
            "rows",
            rows,
            target=float(CHANGED),
            target_text=f"= changed rows ({CHANGED})",
        ),
    ]
