"""What the layout rule must know of the screen around the panes, and what a pane says when
its rows do not all fit.

The rule (tui/layout.py) is a pure function of the terminal's size and the rows that chrome
takes; the chrome is counted here from the widgets actually shown (the macro strip appears
with its first values, the share badge with ``[share]``, the filter box while it is open),
so a pane is never placed under them with its last rows and bottom border cut off.

When a terminal is too short for every row, a pane says how many rows are off screen and how
to reach them (``+1 more · 3 ↓``: press 3, then ↓), instead of leaving a silent scrollbar.
"""

from __future__ import annotations

from collections.abc import Collection

from textual.screen import Screen
from textual.widgets import Input

from tui.data.snapshot import MarketSnapshot
from tui.layout import CHROME_ROWS

FILTER_ROWS = 3  # the filter box, docked at the top (app.tcss #filter; measured in tmux)


def chrome_rows(screen: Screen[None]) -> int:
    """Rows of the main screen that are not the panes' area (the tab line aside)."""
    from widgets.macro_strip import MacroStrip

    rows = CHROME_ROWS
    rows += sum(1 for strip in screen.query(MacroStrip) if strip.display)
    rows += sum(1 for badge in screen.query("#share-badge") if badge.has_class("-on"))
    rows += sum(FILTER_ROWS for box in screen.query("#filter").results(Input) if box.display)
    return rows


def hidden_note(hidden: int, key: str, active: bool) -> str:
    """``+2 more · 3 ↓`` (press the pane's key, then ↓), or ``+2 more ↓`` in the focused pane."""
    if hidden <= 0:
        return ""
    return f"+{hidden} more ↓" if active else f"+{hidden} more · {key} ↓"


def take_rows(
    snapshot: MarketSnapshot,
    shown: Collection[str],
    rows: dict[str, int],
    grouped: dict[str, bool],
) -> None:
    """Update ``rows`` and ``grouped`` (what the layout rule sizes the shown panes by) from
    ``snapshot``: each quote pane's rows and whether they fall in more than one group, and
    the news list's headlines."""
    for pane in snapshot.panes:
        if pane.name in shown:
            rows[pane.name] = len(pane.quotes)
            grouped[pane.name] = len({q.group for q in pane.quotes}) > 1
    if "news" in shown:
        rows["news"] = len(snapshot.headlines)
