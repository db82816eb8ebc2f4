"""One line of macro data (FRED): value, change from the previous period, the period, and for
jobless claims when the next release is due. A value the source stopped updating, or the last
good one kept after a bad answer, is marked with ``!`` in the warning colour and says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.widget import Widget

from tui.data.markets import NEW_YORK  # not tui.data.macro: FRED's parser loads with the engine
from tui.data.sanitize import sanitize_text
from tui.data.snapshot import MacroValue

SEPARATOR = " │ "


def compact(value: float) -> str:
    """``262K``, ``7.01M``: a headline number, as a trader reads claims and openings."""
    size = abs(value)
    if size >= 1_000_000:
        return f"{value / 1_000_000:.2f}M"
    if size >= 10_000:
        return f"{value / 1_000:.0f}K"
    if size >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def signed(value: float) -> str:
    text = compact(value)
    return text if text.startswith("-") else "+" + text


def macro_parts(value: MacroValue, now: datetime) -> tuple[str, str, str, str]:
    """``(title, value, change, detail)`` of one entry; pure, for tests."""
    if value.value is None:
        return value.title, "—", "", sanitize_text(value.error or "no data", 60)
    number = compact(value.value * value.scale)
    change = value.change
    delta = signed(change * value.scale) if change is not None else ""
    details: list[str] = []
    if value.date is not None:
        if value.series == "ICSA":
            details.append(f"wk {value.date:%d %b}")  # the week ending that Saturday
        elif value.date.day == 1:
            details.append(f"{value.date:%b %Y}")  # a monthly series
        else:
            details.append(f"{value.date:%d %b %Y}")
    if value.next_release is not None:
        release = value.next_release.astimezone(NEW_YORK)
        soon = (value.next_release - now).days < 6
        details.append("next " + release.strftime("%a %H:%M ET" if soon else "%d %b %H:%M ET"))
    if value.error:
        details.append("last good: " + sanitize_text(value.error, 40))
    return value.title, number, delta, " ".join(details)


class MacroStrip(Widget):
    """The macro line; hidden (zero height) when no series is configured."""

    DEFAULT_CSS = """
    MacroStrip {
        height: 1;
        width: 1fr;
        background: $surface;
        color: $text;
    }
    MacroStrip > .macro-strip--title { color: $text-muted; }
    MacroStrip > .macro-strip--up { color: $success; }
    MacroStrip > .macro-strip--down { color: $error; }
    MacroStrip > .macro-strip--stale { color: $warning; text-style: bold; }
    MacroStrip > .macro-strip--detail { color: $text-muted; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "macro-strip--title",
        "macro-strip--up",
        "macro-strip--down",
        "macro-strip--stale",
        "macro-strip--detail",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._values: tuple[MacroValue, ...] = ()
        self._now: datetime | None = None
        self._key: tuple[object, ...] = ()

    def update_values(self, values: Sequence[MacroValue], now: datetime) -> bool:
        """Show ``values``; repaint only when what the line says changed."""
        key = tuple(values)
        self.display = bool(values)
        if key == self._key:
            return False
        self._values, self._now, self._key = tuple(values), now, key
        self.refresh()
        return True

    def render(self) -> Text:
        style = self.get_component_rich_style
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        now = self._now or datetime.now().astimezone()
        for i, value in enumerate(self._values):
            if i:
                line.append(SEPARATOR, style("macro-strip--detail"))
            title, number, delta, detail = macro_parts(value, now)
            if value.stale:
                line.append("!", style("macro-strip--stale"))
            line.append(f"{title} ", style("macro-strip--title"))
            line.append(number, style("macro-strip--stale") if value.stale else "")
            if delta:
                direction = "macro-strip--up" if delta.startswith("+") else "macro-strip--down"
                line.append(f" {delta}", style(direction))
            if detail:
                line.append(f" {detail}", style("macro-strip--detail"))
        return line
