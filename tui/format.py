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


def percent(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:+.2f}%"


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
    if then is None:
        return "—"
    return age((now - then).total_seconds())


def sigma(value: float | None) -> str:
    """A σ-move as a trader writes it: ``−13.2σ``, ``+0.4σ`` (a real minus sign)."""
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:+.1f}σ".replace("-", "−")
