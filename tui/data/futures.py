"""Index futures paired with cash indices (``[panes.indices.futures]``).

During the Asian day New York's cash market is shut and a trader reads the S&P 500 from its
future. The futures are fetched and priced like any row of the pane (same sources, same
staleness rules, their own CME session), then taken out of the pane's rows and attached to
their cash quote as a :class:`~tui.data.snapshot.FuturesLeg`. Whether the row shows the
future's move is the UI's choice: :func:`shows_future`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from tui.data.instruments import FUTURES_GROUP
from tui.data.snapshot import FuturesLeg, PaneSnapshot, Quote, StaleReason


def leg_of(quote: Quote) -> FuturesLeg:
    return FuturesLeg(
        symbol=quote.symbol,
        name=quote.name,
        last=quote.last,
        change=quote.change,
        change_pct=quote.change_pct,
        as_of=quote.as_of,
        stale_reason=quote.stale_reason,
        decimals=quote.decimals,
    )


def attach_futures(
    panes: tuple[PaneSnapshot, ...], pairs: Mapping[str, Mapping[str, str]]
) -> tuple[PaneSnapshot, ...]:
    """Move each pane's paired futures onto their cash quotes; drop the hidden futures rows."""
    out: list[PaneSnapshot] = []
    for pane in panes:
        pane_pairs = pairs.get(pane.name)
        if not pane_pairs:
            out.append(pane)
            continue
        by_symbol = {q.symbol: q for q in pane.quotes}
        quotes: list[Quote] = []
        for quote in pane.quotes:
            if quote.group == FUTURES_GROUP:
                continue  # fetched only to be attached
            future = by_symbol.get(pane_pairs.get(quote.symbol, ""))
            if future is not None:
                quote = replace(quote, futures=leg_of(future))
            quotes.append(quote)
        groups = tuple(g for g in pane.groups if g != FUTURES_GROUP)
        out.append(PaneSnapshot(name=pane.name, groups=groups, quotes=tuple(quotes)))
    return tuple(out)


def shows_future(quote: Quote) -> bool:
    """Whether the row should show the future's move: the cash market is shut, the future is
    priced, and the future's price is newer than the cash close."""
    leg = quote.futures
    if leg is None or leg.last is None or leg.change_pct is None:
        return False
    if quote.stale_reason is not StaleReason.CLOSED and quote.has_data:
        return False
    return quote.as_of is None or leg.as_of is None or leg.as_of > quote.as_of
