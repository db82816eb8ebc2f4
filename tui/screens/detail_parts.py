"""What the detail view reads from a snapshot and its theme: pure helpers, no widgets.

Kept apart from tui/screens/detail.py so the screen module stays about layout and updates.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from textual.color import Color

from tui import format as fmt
from tui.data.snapshot import Headline, MarketSnapshot, Quote


def local(when: datetime) -> datetime:
    """``when`` in the machine's time zone (naive values are taken as UTC, as the data layer is)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone()


def local_clock(when: datetime | None, now: datetime) -> str:
    """HH:MM:SS local, with the date in front when it is not today."""
    if when is None:
        return "—"
    moment = local(when)
    if moment.date() == local(now).date():
        return moment.strftime("%H:%M:%S")
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def direction(value: float | None) -> str:
    """The CSS class for a move: ``up``, ``down`` or ``flat`` (unknown or zero)."""
    if value is None or not math.isfinite(value) or value == 0:
        return "flat"
    return "up" if value > 0 else "down"


def related_headlines(snapshot: MarketSnapshot, symbol: str) -> list[Headline]:
    """Headlines naming ``symbol``, newest first (undated ones last)."""
    found = [h for h in snapshot.headlines if symbol in h.related]
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(found, key=lambda h: local(h.sort_time) if h.sort_time else epoch, reverse=True)


def find_quote(snapshot: MarketSnapshot, pane: str, symbol: str) -> Quote | None:
    """The quote in ``pane``, or in any pane when the symbol has moved (config reload)."""
    in_pane = snapshot.pane(pane)
    if in_pane is not None and (quote := in_pane.by_symbol().get(symbol)) is not None:
        return quote
    return next((q for q in snapshot.quotes if q.symbol == symbol), None)


def series_key(quote: Quote | None) -> tuple[object, ...]:
    """What the chart depends on: redrawing is skipped when this has not changed."""
    if quote is None:
        return ()
    return (quote.series, quote.series_time, quote.prev_close, quote.source)


def reference_label(quote: Quote) -> str:
    """What the move is measured from: crypto trades round the clock, so its reference is the
    rolling 24 h open, not a previous close."""
    if quote.pane == "crypto" or quote.source in CRYPTO_SOURCES:
        return "24 h open"
    return "Previous close"


CRYPTO_SOURCES = frozenset({"coinbase", "binance", "coingecko"})


def last_error(snapshot: MarketSnapshot, quote: Quote) -> str | None:
    """The latest error behind this row: its own, or its source's (any source's when no
    source has given it a price, e.g. offline), as status and reason, never markup."""
    mine = [e for e in snapshot.errors if e.symbol == quote.symbol]
    wide = [
        e
        for e in snapshot.errors
        if e.symbol is None and (quote.source is None or e.source == quote.source)
    ]
    candidates = mine or wide
    if candidates:
        e = candidates[-1]
        return f"{e.source}: {fmt.error_text(e.message, e.status)}"
    for status in snapshot.sources:
        err = status.last_error
        if err is None or status.name == "headlines":
            continue
        if quote.source is None or status.name == quote.source:
            return f"{status.name}: {fmt.error_text(err.message, err.status)}"
    return None


def finite_points(quote: Quote | None) -> list[tuple[datetime, float]]:
    """(time, value) pairs of the series, dropping gaps (NaN/inf) and unmatched tails."""
    if quote is None:
        return []
    return [
        (t, v) for t, v in zip(quote.series_time, quote.series, strict=False) if math.isfinite(v)
    ]


def theme_rgb(variables: dict[str, str], name: str) -> tuple[int, int, int]:
    """A theme colour as plotext wants it: opaque RGB, translucent ones flattened on $surface."""
    surface = Color.parse(variables.get("surface", "black"))
    colour = Color.parse(variables.get(name, variables.get("foreground", "white")))
    return (surface + colour).rgb
