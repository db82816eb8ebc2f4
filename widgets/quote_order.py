"""Which rows a quote table shows, and in what order: the sort modes, the filter, the groups.

Kept apart from the table (widgets/quote_table.py), which is about writing changed cells:
these are pure functions of the quotes, so the order of 1,000 rows is decided without
touching a widget. ``DataTable.sort`` hands the sort key a cell, not a row key, so the name
cell is a :class:`KeyedText` that carries its row's symbol.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum

from rich.text import Text

from tui.data.snapshot import Quote


class SortMode(StrEnum):
    REGION = "region"
    CHANGE = "change %"
    NAME = "name"


SORT_CYCLE = (SortMode.CHANGE, SortMode.NAME, SortMode.REGION)


class KeyedText(Text):
    """A cell that remembers its row key, so ``DataTable.sort`` can look up our sort keys."""

    row_key: str = ""


def matching(order: Sequence[str], quotes: Mapping[str, Quote], needle: str) -> list[str]:
    """Symbols in ``order`` whose symbol or name holds ``needle`` (casefolded; "" keeps all)."""
    if not needle:
        return list(order)
    return [s for s in order if needle in s.casefold() or needle in quotes[s].name.casefold()]


def first_in_group(visible: Sequence[str], quotes: Mapping[str, Quote], mode: SortMode) -> set[str]:
    """The rows that name their group: the first of each when grouped, else every row."""
    if mode is not SortMode.REGION:
        return set(visible)  # every row names its group when rows are not grouped
    seen: set[str] = set()
    first: set[str] = set()
    for symbol in visible:
        group = quotes[symbol].group
        if group not in seen:
            seen.add(group)
            first.add(symbol)
    return first


def sort_key(
    mode: SortMode, quotes: Mapping[str, Quote], order: Sequence[str]
) -> Callable[[KeyedText], object]:
    """The key ``DataTable.sort`` applies to the name cells for ``mode``."""
    position = {s: i for i, s in enumerate(order)}
    if mode is SortMode.NAME:
        return lambda cell: quotes[cell.row_key].name.casefold()
    if mode is SortMode.CHANGE:

        def by_change(cell: KeyedText) -> object:
            pct = quotes[cell.row_key].change_pct
            return (pct is None, -(pct or 0.0), position[cell.row_key])

        return by_change
    return lambda cell: position[cell.row_key]
