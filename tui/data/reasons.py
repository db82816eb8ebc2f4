"""Why a row has no price, or only an old one: the word it shows in place of its time.

A row that shows ``—`` and nothing else leaves the user guessing between a typo, a rate limit
and an outage. Each row without a fresh price is given the reason of the failure behind it:
for a row with a last good value, its own source's failure; for a row without any, the failure
of the last source its fallback chain tried. Only those rows are copied, so a healthy snapshot
costs nothing here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

from tui.data.snapshot import PaneSnapshot, Quote, StaleReason
from tui.data.store import QuoteStore

Chains = Mapping[tuple[str, str], Sequence[str]]  # (pane, symbol) -> sources in fallback order


def problem_of(quote: Quote, chains: Chains, store: QuoteStore) -> str | None:
    if quote.last is not None:
        if quote.stale_reason is not StaleReason.FAILING or quote.source is None:
            return None
        error = store.failure(quote.source, quote.symbol)
        return error.kind.row_reason if error is not None else None
    chain = chains.get((quote.pane, quote.symbol), ())
    if not chain:
        return "not found"  # no configured source lists it
    for source in reversed(chain):
        error = store.failure(source, quote.symbol)
        if error is not None:
            return error.kind.row_reason
    return None  # not fetched yet


def with_problems(
    panes: Sequence[PaneSnapshot], chains: Chains, store: QuoteStore
) -> tuple[PaneSnapshot, ...]:
    """``panes`` with ``Quote.problem`` set on the rows that have one."""
    out: list[PaneSnapshot] = []
    for pane in panes:
        quotes = list(pane.quotes)
        changed = False
        for i, quote in enumerate(quotes):
            if quote.last is not None and quote.stale_reason is not StaleReason.FAILING:
                continue
            problem = problem_of(quote, chains, store)
            if problem is not None:
                quotes[i] = replace(quote, problem=problem)
                changed = True
        out.append(replace(pane, quotes=tuple(quotes)) if changed else pane)
    return tuple(out)


def rows_per_source(panes: Sequence[PaneSnapshot]) -> Counter[str]:
    """How many rows each source feeds (the status line keeps the biggest in view)."""
    return Counter(q.source for p in panes for q in p.quotes if q.source is not None)
