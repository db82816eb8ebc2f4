"""Which columns a quote table shows in a given width, and how wide its name column is.

Part of the layout rule (tui/layout.py), which places the panes; this decides what each
pane's table holds once its width is known. Pure (no Textual), so it is tested at every width.
The Time column is wide enough for every word it says in place of a time ("!not found",
"!wrong sym", "Fri close"): a cut word ("not fou…") tells the user nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

MAX_NAME_WIDTH = 20
SCROLLBAR = 1  # the table's vertical scrollbar (scrollbar-size-vertical: 1), kept free


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int
    right: bool
    priority: int  # lower is kept longer when the table is narrow


COLUMNS: tuple[Column, ...] = (
    Column("group", "Region", 8, False, 4),
    Column("name", "Name", 12, False, 0),
    Column("symbol", "Symbol", 9, False, 9),
    Column("last", "Last", 10, True, 1),
    Column("chg", "Chg", 9, True, 6),
    Column("pct", "Chg %", 7, True, 2),
    # The σ-move (tui.data.sigma): before the change and the sparkline when room is short.
    Column("sigma", "σ", 7, True, 5),
    Column("spark", "Day", 8, False, 7),
    Column("range", "Range", 7, False, 8),
    # The time, or the word that says why there is no fresh price, whole: the longest are
    # "!not found" and "!wrong sym" (errors.py ROW_REASONS after "!"), then "Fri close".
    Column("age", "Time", 10, True, 3),
)
PADDING = 2  # DataTable cell_padding=1 on each side
EXTRA_COLUMNS = frozenset({"range", "symbol"})
# Cells the name column gives up (12 -> 10: "Silver fut", "Nikkei 225" still whole) rather
# than lose a column that tells more than the end of a long name: the time (two 49-cell panes
# at 100 columns keep name, last, change % and time), the group, σ and the change (priority
# <= SQUEEZE_PRIORITY); never for the sparkline, the range or the symbol.
NAME_SQUEEZE = 2
SQUEEZE_PRIORITY = 6


def _cost(columns: Sequence[Column]) -> int:
    return sum(c.width + PADDING for c in columns)


@functools.lru_cache(maxsize=512)
def choose_columns(width: int, grouped: bool) -> tuple[Column, ...]:
    """The most important columns that fit in a table ``width`` cells wide, in display order.

    Columns go from the least important until the rest fit; the name column may give
    :data:`NAME_SQUEEZE` cells first when the column that would go is worth more (the time).
    Remembered: the layout rule asks for the same few widths hundreds of times per plan.
    """
    candidates = [c for c in COLUMNS if grouped or c.key != "group"]
    budget = width - SCROLLBAR
    keep = sorted(candidates, key=lambda c: c.priority)
    while len(keep) > 3 and _cost(keep) > budget:
        if keep[-1].priority <= SQUEEZE_PRIORITY and _cost(keep) - NAME_SQUEEZE <= budget:
            break
        keep.pop()
    return tuple(c for c in COLUMNS if c in keep)


def name_width(width: int, columns: Sequence[Column], longest_name: int) -> int:
    """The name column's width: its base, widened from the spare room up to the longest name,
    or narrowed by at most :data:`NAME_SQUEEZE` when :func:`choose_columns` squeezed it."""
    used = sum(c.width + PADDING for c in columns)
    spare = width - SCROLLBAR - used
    base = next((c.width for c in columns if c.key == "name"), COLUMNS[1].width)
    if spare < 0:
        return max(base - NAME_SQUEEZE, base + spare)
    wanted = max(base, min(MAX_NAME_WIDTH, longest_name))
    return base + min(spare, wanted - base)
