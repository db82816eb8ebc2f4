"""What the screen shows while paused: the prices frozen, their staleness still current.

Pausing freezes the numbers a trader is looking at, not the truth about them. Each frozen
quote keeps its price, but its stale reason follows the live engine: a source that fails
while paused marks the frozen rows failing, and a price that grows older than its source's
refresh turns delayed. The source health (status line) and errors are the live ones.
"""

from __future__ import annotations

from dataclasses import replace

from tui.data.snapshot import MarketSnapshot, Quote, StaleReason


def paused_view(frozen: MarketSnapshot, live: MarketSnapshot) -> MarketSnapshot:
    """``frozen``'s prices and headlines with ``live``'s staleness, sources and errors."""
    live_quotes = {(q.pane, q.symbol): q for q in live.quotes}
    panes = tuple(
        replace(
            pane,
            quotes=tuple(_restale(q, live_quotes.get((q.pane, q.symbol))) for q in pane.quotes),
        )
        for pane in frozen.panes
    )
    return replace(
        frozen,
        generated_at=live.generated_at,
        panes=panes,
        errors=live.errors,
        sources=live.sources,
    )


def _restale(frozen: Quote, live: Quote | None) -> Quote:
    if live is None:
        return frozen
    if live.stale_reason is StaleReason.FAILING:
        reason: StaleReason | None = StaleReason.FAILING  # the source is failing now
    elif live.as_of == frozen.as_of:
        reason = live.stale_reason  # same price: the live verdict on it holds
    elif frozen.stale_reason is None and live.stale_reason is StaleReason.OLD:
        reason = StaleReason.OLD  # even the newer live price is too old: the frozen one is
    else:
        reason = frozen.stale_reason
    if reason is frozen.stale_reason:
        return frozen
    return replace(frozen, stale_reason=reason)
