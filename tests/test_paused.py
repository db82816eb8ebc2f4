"""Pausing freezes prices, never the truth about them: staleness and the status line move on."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from tui.data.paused import paused_view
from tui.data.snapshot import MarketSnapshot, SourceHealth, StaleReason
from tui.demo_app import frozen_demo_app, wait_for_data
from widgets.quote_table import QuoteTable
from widgets.status_bar import SourceStatusBar


def _failing(snapshot: MarketSnapshot, minutes: float) -> MarketSnapshot:
    """``snapshot`` after its source failed for ``minutes`` (last good values kept, marked)."""
    later = snapshot.generated_at + timedelta(minutes=minutes)
    panes = tuple(
        replace(p, quotes=tuple(replace(q, stale_reason=StaleReason.FAILING) for q in p.quotes))
        for p in snapshot.panes
    )
    sources = tuple(
        replace(s, health=SourceHealth.OFFLINE, next_retry=later + timedelta(seconds=30))
        for s in snapshot.sources
    )
    return replace(snapshot, generated_at=later, panes=panes, sources=sources)


def _moved(snapshot: MarketSnapshot) -> MarketSnapshot:
    """A live snapshot with new, fresh prices (1 % higher, a minute later)."""
    panes = tuple(
        replace(
            p,
            quotes=tuple(
                replace(
                    q,
                    last=None if q.last is None else q.last * 1.01,
                    as_of=None if q.as_of is None else q.as_of + timedelta(minutes=1),
                    stale_reason=None,
                )
                for q in p.quotes
            ),
        )
        for p in snapshot.panes
    )
    return replace(snapshot, panes=panes)


async def test_paused_view_keeps_prices_and_takes_live_staleness() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)):
        await wait_for_data(app)
        frozen = app.snapshot
        assert frozen is not None
    view = paused_view(frozen, _failing(frozen, 1.25))
    for before, after in zip(frozen.quotes, view.quotes, strict=True):
        assert after.last == before.last and after.as_of == before.as_of
        assert after.stale_reason is StaleReason.FAILING
    assert {s.health for s in view.sources} == {SourceHealth.OFFLINE}
    # New live prices do not leak into the frozen view, and fresh ones stay as they were.
    moved = paused_view(frozen, _moved(frozen))
    assert [q.last for q in moved.quotes] == [q.last for q in frozen.quotes]
    assert [q.stale_reason for q in moved.quotes] == [q.stale_reason for q in frozen.quotes]


async def test_while_paused_rows_turn_failing_and_the_status_line_says_offline() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for_data(app)
        await pilot.press("p")
        assert app.paused
        frozen = app.snapshot
        assert frozen is not None
        engine: Any = app.engine
        engine.snapshot = lambda: _failing(frozen, 1.25)
        app._tick()
        await pilot.pause(0.5)
        crypto = app.main_screen.query_one("#table-crypto", QuoteTable)
        btc = frozen.pane("crypto").by_symbol()["BTC-USD"]  # type: ignore[union-attr]
        cells = {c: crypto.get_cell("BTC-USD", c).plain for c in crypto.visible_columns}
        assert cells["last"] == f"{btc.last:,.2f}"  # still the frozen price
        assert cells["age"].startswith("!")  # but marked: the source is failing
        line = app.main_screen.query_one(SourceStatusBar).build_line(160).plain
        assert "offline" in line and " ok" not in line
        assert app.snapshot is frozen  # the detail view still opens on the frozen prices
