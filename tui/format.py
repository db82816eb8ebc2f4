"""Number and time formatting shared by the snapshot table and the TUI (no Rich, no Textual)."""

from __future__ import annotations

import math
from datetime import datetime


def price(value: float | None) -> str:
    """Digits a trader expects: 2 decimals for big prices, 4 for 1-10, 5 significant below 1."""
    if value is None or not math.isfinite(value):
        return "—"
    size = abs(value)
    if size >= 10:
        return f"{value:,.2f}"
    if size >= 1:
        return f"{value:,.4f}"
    if size == 0:
        return "0.00"
    decimals = min(10, 4 - math.floor(math.log10(size)))
    return f"{value:.{decimals}f}"


def change(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return ("+" if value > 0 else "") + price(value)


PERCENT_WIDTH = 7  # the change % column: a move of -199.95 % must keep its "%"

# Plausibility marks (tui.data.plausibility.Mark), as shown after a price.
MARK_TEXT = {"jump": "↯", "negative": "±"}
# An age for a time ahead of the clock: never "0s".
AHEAD = "ahead"
FUTURE_SECONDS = 300.0  # tui.data.plausibility.FUTURE_TOLERANCE


def percent(value: float | None) -> str:
    """``+1.25%``; fewer decimals for big moves so the text fits :data:`PERCENT_WIDTH`."""
    if value is None or not math.isfinite(value):
        return "—"
    for decimals in (2, 1, 0):
        text = f"{value:+.{decimals}f}%"
        if len(text) <= PERCENT_WIDTH:
            return text
    return text


def marked(text: str, marks: tuple[str, ...]) -> str:
    """``text`` followed by the symbols of ``marks`` (jump, negative) that apply to a value."""
    symbols = "".join(MARK_TEXT[m] for m in marks if m in MARK_TEXT)
    return f"{text}{symbols}" if symbols else text


def age(seconds: float | None) -> str:
    """Compact age: 12s, 4m, 3h, 2d."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{int(seconds)}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 86400)}d"


def age_between(then: datetime | None, now: datetime) -> str:
    """The age of ``then`` at ``now``; ``ahead`` for a time in the future beyond clock drift."""
    if then is None:
        return "—"
    seconds = (now - then).total_seconds()
    if seconds < -FUTURE_SECONDS:
        return AHEAD
    return age(seconds)


def sigma(value: float | None) -> str:
    """A σ-move as a trader writes it: ``−13.2σ``, ``+0.4σ`` (a real minus sign)."""
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:+.1f}σ".replace("-", "−")
