"""Number and time formatting shared by the snapshot table and the TUI (no Rich, no Textual)."""

from __future__ import annotations

import math
from datetime import date, datetime


def size_decimals(value: float | None) -> int:
    """Digits a trader expects: 2 decimals for big prices, 4 for 1-10, 5 significant below 1."""
    if value is None or not math.isfinite(value):
        return 2
    size = abs(value)
    if size >= 10 or size == 0:
        return 2
    if size >= 1:
        return 4
    return min(10, 4 - math.floor(math.log10(size)))


def quote_decimals(quote: object) -> int:
    """The instrument's price precision: the source's own (``Quote.decimals``, from Yahoo's
    ``priceHint``) when known, else the size-based default of its last price.

    Read with ``getattr`` so this works before and after ``Quote`` gains that field.
    """
    explicit = getattr(quote, "decimals", None)
    if isinstance(explicit, int) and 0 <= explicit <= 10:
        return explicit
    return size_decimals(getattr(quote, "last", None))


def price(value: float | None, decimals: int | None = None) -> str:
    """``value`` with ``decimals`` places when the instrument's precision is known, else by size."""
    if value is None or not math.isfinite(value):
        return "—"
    places = size_decimals(value) if decimals is None else decimals
    return f"{value:,.{places}f}"


def change(value: float | None, decimals: int | None = None) -> str:
    """A signed change in the price's decimals (pass the instrument's, never the change's size:
    ``-3.62`` for Ether at 3,043.97, not ``-3.6200``)."""
    if value is None or not math.isfinite(value):
        return "—"
    text = price(value, size_decimals(value) if decimals is None else decimals)
    if value > 0:
        return "+" + text
    if text.lstrip("-").strip("0.,") == "":
        return text.lstrip("-")  # a change that rounds to zero has no sign
    return text


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


def error_text(message: str, status: int | None = None) -> str:
    """An error for a person: the HTTP status and its reason, never a response body's markup
    (``HTTP 500: <html><head>…`` becomes ``HTTP 500 Internal Server Error``)."""
    if status is not None:
        try:
            from http import HTTPStatus

            return f"HTTP {status} {HTTPStatus(status).phrase}"
        except ValueError:
            return f"HTTP {status}"
    cut = message.find("<")
    text = message[:cut] if cut >= 0 else message
    return text.rstrip(" :") or "error"


# Words that can be shortened without losing what tells two rows apart.
ABBREVIATIONS: dict[str, str] = {
    "futures": "fut",
    "Futures": "Fut",
    "Composite": "Comp",
    "Industrial": "Ind",
    "Average": "Avg",
    "Index": "Idx",
    "Exchange": "Exch",
}


def fit_name(name: str, width: int) -> str:
    """``name`` in ``width`` cells, keeping the word that tells it apart: ``Silver fut``,
    ``Palladium fut``, ``Nasdaq Comp`` (not ``Silver futu…``); an ellipsis only as a last resort."""
    if len(name) <= width or width <= 0:
        return name
    words = name.split(" ")
    for i in range(len(words) - 1, -1, -1):  # shorten from the last word back
        short = ABBREVIATIONS.get(words[i])
        if short is not None:
            words[i] = short
            if len(" ".join(words)) <= width:
                return " ".join(words)
    shortened = " ".join(words)
    return shortened if len(shortened) <= width else shortened[: max(0, width - 1)] + "…"


def sigma(value: float | None) -> str:
    """A σ-move as a trader writes it: ``−13.2σ``, ``+0.4σ`` (a real minus sign)."""
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:+.1f}σ".replace("-", "−")


def basis_points(value: float | None) -> str:
    """A yield's move in basis points, one decimal: ``-9.2 bp``."""
    if value is None or not math.isfinite(value):
        return "—"
    if round(value, 1) == 0:
        return "0.0 bp"
    return f"{value:+.1f} bp"


EXTENDED_SESSIONS = ("pre", "post")  # New York's pre-market and after-hours


def extended_label(session: str, day: date | None) -> str:
    """``pre Fri`` / ``post Fri``: pre-market or after-hours while the price shown is still
    Friday's regular close (and its move Friday's), so it never reads as today's trading."""
    return f"{session} {day:%a}" if day is not None else session
