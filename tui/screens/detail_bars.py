"""The detail view's OHLC bars: candles on the chart and one line of their numbers.

The bars come from tui/data/bars.py (Yahoo's v8 chart for one symbol, fetched on demand by the
open view); this module only draws them. When the bars cannot be had the line says why (rate
limited with the time left, not found, timeout, …) and the chart keeps what it showed: the
last good bars, or the spark closes.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text

from tui import format as fmt
from tui.data.errors import ErrorKind, FetchError

if TYPE_CHECKING:  # the bars module loads httpx: only live mode, which has it loaded, uses it
    from tui.data.bars import Bar, Bars, BarState

# What a failed bars request says, by kind (the row words are too terse for a sentence).
WHY: dict[ErrorKind, str] = {
    ErrorKind.RATE_LIMITED: "rate-limited",
    ErrorKind.NO_DATA: "not found",
    ErrorKind.UNSUPPORTED: "not found",
    ErrorKind.TIMEOUT: "timed out",
    ErrorKind.NETWORK: "offline",
    ErrorKind.HTTP: "source failing",
    ErrorKind.BLOCKED: "blocked here",
    ErrorKind.WRONG_SYMBOL: "answer for another symbol",
}


def candle_data(bars: Bars) -> tuple[list[float], dict[str, list[float]], list[datetime]]:
    """x positions (epoch seconds), plotext's candlestick dict and the bar times, gaps left out
    (the x axis is time, so a missing bar stays an empty slot rather than being closed up)."""
    full = bars.complete
    data: dict[str, list[float]] = {"Open": [], "Close": [], "High": [], "Low": []}
    for bar in full:
        data["Open"].append(bar.open)
        data["Close"].append(bar.close)
        data["High"].append(bar.high)
        data["Low"].append(bar.low)
    return [b.time.timestamp() for b in full], data, [b.time for b in full]


def draw_candles(plt: Any, bars: Bars, up: object, down: object) -> list[float]:
    """Draw ``bars`` as candles on a plotext figure; return the prices the y axis must show."""
    xs, data, _times = candle_data(bars)
    plt.candlestick(xs, data, colors=[up, down])
    return [*data["Low"], *data["High"]]


def bar_numbers(bar: Bar, places: int | None) -> str:
    return (
        f"O {fmt.price(bar.open, places)}  H {fmt.price(bar.high, places)}  "
        f"L {fmt.price(bar.low, places)}  C {fmt.price(bar.close, places)}"
    )


def why(error: FetchError, retry_in: float | None) -> str:
    """A failed request in a few words: ``rate-limited · retry 1:55``, ``not found``, …"""
    text = WHY.get(error.kind, "unreadable answer")
    if retry_in is not None and retry_in > 0:
        text += f" · retry {_countdown(retry_in)}"
    return text


def _countdown(seconds: float) -> str:
    whole = math.ceil(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def bars_line(
    state: BarState,
    monotonic_now: float,
    places: int | None,
    local: Any,
    loading: bool,
) -> Text:
    """The line under the chart: the last bar, the bars' range, and why when the fetch failed.

    ``local`` turns a UTC time into the machine's zone (the view's ``local``).
    """
    line = Text()
    bars = state.bars
    last = bars.last if bars is not None else None
    if bars is not None and last is not None:
        line.append(f"{bars.interval} bars ", style="bold")
        line.append(f"last {local(last.time):%H:%M}  {bar_numbers(last, places)}")
        span = bars.day_range
        if span is not None:
            low, high = span
            line.append(f"  ·  range {fmt.price(low, places)}–{fmt.price(high, places)}")
        if state.fetched_at is not None:
            age = max(0.0, monotonic_now - state.fetched_at)
            line.append(f"  ·  {fmt_age(age)} ago", style="italic")
    elif loading:
        line.append("OHLC bars: loading…", style="italic")
    if state.error is not None:
        prefix = "  ·  " if len(line) else "OHLC bars: "
        shown = "last good bars kept" if bars is not None else "showing the closes"
        line.append(
            f"{prefix}{why(state.error, state.retry_in(monotonic_now))} ({shown})", style="bold"
        )
    return line


def fmt_age(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole}s" if whole < 60 else f"{whole // 60}m"
