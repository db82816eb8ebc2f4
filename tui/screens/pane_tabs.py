"""The board's panes, the keys that reach them, and the tab line that lists them.

Shared by the main screen (layout and focus), the filter (its "press 3" notes) and tests.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from rich.text import Text

# In the order the grid places them (see app.tcss); keys 1-4 kept their meaning, 5-7 are new.
PANES: tuple[tuple[str, str], ...] = (
    ("indices", "Global indices"),
    ("metals", "Metals"),
    ("crypto", "Crypto"),
    ("fx", "FX"),
    ("rates", "Rates"),
    ("energy", "Energy"),
    ("news", "Headlines"),
)
SHORT_TITLES = {**dict(PANES), "indices": "Indices", "news": "News"}  # the tab line's names
_BY_KEY = ("indices", "metals", "crypto", "news", "fx", "rates", "energy")  # keys 1 to 7
PANE_KEYS = {pane: str(n) for n, pane in enumerate(_BY_KEY, 1)}


def tab_line(shown: Sequence[str], active: str, visible: Collection[str]) -> Text:
    """`` 1 Indices  2 Metals …  Tab/1-7 switch``: the panes shown, in key order, the
    ones on screen in bold and the active one reversed."""
    tabs = Text()
    # Numbered by their keys (1-4 kept their meaning when FX, rates and energy came).
    for key in sorted(shown, key=PANE_KEYS.__getitem__):
        style = "bold" if key in visible else ""
        if key == active:
            style = "reverse bold"
        tabs.append(f" {PANE_KEYS[key]} {SHORT_TITLES[key]} ", style=style)
    tabs.append(f"  Tab/1-{len(PANES)} switch", style="dim")
    return tabs
