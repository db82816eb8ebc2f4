"""The layout rule: terminal size and the panes to show -> where each pane goes, which columns.

Written once, as a pure function (no Textual), so it can be tested at every size and stays
generic over the number of panes (more boards, ``--pane`` subsets). The main screen only
applies the plan.

How it decides, in order:

1. Below :data:`MIN_WIDTH` x :data:`MIN_HEIGHT` nothing is laid out (a message instead).
2. Panes keep their order. They are set in ``k`` side-by-side columns, each column a stack of
   consecutive panes; every way of cutting the list into columns is tried (the lists are short).
   The trailing list panes (headlines) may also go across the full width below the tables, or
   at the foot of an earlier stack that has room (at 120x40 under indices and metals, so the
   crypto pane beside them keeps every row).
3. A candidate is possible when every column is at least :data:`MIN_PANE_WIDTH` wide and
   every pane gets at least its minimum height. Among the possible ones the best is the one
   that hides the fewest instrument rows, then the fewest headlines short of a page, then
   shows the most table columns, then the widest list panes, then the one with the most
   columns side by side (less empty space). A pane that still hides rows says how many
   (tui/screens/pane_fit.py).
4. When no candidate shows every pane, the panes are cut into pages (consecutive panes that
   fit together, as many as possible); the page holding the active pane is shown, and a tab
   line names every pane.
5. A stack gives each pane the rows it needs, up to its full height; what is left over goes
   to the list panes (headlines) and then to the last pane of the stack.
6. Within a pane, the columns follow tui/layout_columns.py: the name gives up to 2 cells
   to keep the time, the group, σ or the change, and the Time column fits every word it says.

``chrome`` is the rows the screen keeps for itself (header, macro strip, tape, status line,
footer, filter box): the main screen counts the ones shown, so no pane lies under them.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

# Which columns each pane's table holds (tui/layout_columns.py); importable from here too.
from tui.layout_columns import COLUMNS, EXTRA_COLUMNS, Column, choose_columns, name_width

__all__ = ["COLUMNS", "Column", "Layout", "PaneSpec", "Plan", "choose_columns", "name_width"]

MIN_WIDTH = 50
MIN_HEIGHT = 12
CHROME_ROWS = 4  # header, tape, status line, footer
TABS_ROWS = 1  # the tab line shown when panes are paged
GUTTER = 1  # columns between side-by-side panes
BORDER = 2  # a pane's border, on each axis
TABLE_HEADER = 1
MIN_PANE_WIDTH = 44  # name, last, change % and time, in a border
MIN_QUOTE_ROWS = 4
MIN_LIST_ROWS = 3
LIST_PAGE = 10  # a list pane (headlines) is worth showing this many rows


class Layout(StrEnum):
    """A summary of the plan, also a CSS class of the main screen."""

    WIDE = "-wide"  # every pane shown, some side by side
    MEDIUM = "-medium"  # every pane shown, stacked in one column
    NARROW = "-narrow"  # not every pane fits: one page of panes at a time, with tabs
    TOO_SMALL = "-too-small"  # a message instead of a garbled screen


@dataclass(frozen=True, slots=True)
class PaneSpec:
    """What the rule needs to know of one pane."""

    name: str
    rows: int  # rows of data it holds
    kind: str = "quotes"  # "quotes" (a table of instruments) or "list" (headlines)
    grouped: bool = True  # it has a group column worth showing
    longest_name: int = 12


@dataclass(frozen=True, slots=True)
class Placement:
    name: str
    x: int  # within the panes' area
    y: int
    width: int
    height: int
    columns: tuple[str, ...] = ()  # column keys, for quote panes
    name_width: int = 0
    header: int = TABLE_HEADER  # list panes (headlines) have no header row

    @property
    def data_rows(self) -> int:
        return max(0, self.height - BORDER - self.header)


@dataclass(frozen=True, slots=True)
class Plan:
    mode: Layout
    width: int  # of the panes' area
    height: int
    placements: tuple[Placement, ...]  # the panes on screen
    pages: tuple[tuple[str, ...], ...]  # every page's panes (one page when all fit)
    tabs: bool  # a tab line is shown (panes are paged)

    def placement(self, name: str) -> Placement | None:
        return next((p for p in self.placements if p.name == name), None)

    @property
    def visible(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.placements)


def _min_height(pane: PaneSpec) -> int:
    rows = MIN_LIST_ROWS if pane.kind == "list" else MIN_QUOTE_ROWS
    return BORDER + _header(pane) + min(max(pane.rows, 1), rows)


def _header(pane: PaneSpec) -> int:
    return 0 if pane.kind == "list" else TABLE_HEADER


def _full_height(pane: PaneSpec) -> int:
    return BORDER + _header(pane) + max(pane.rows, 1)


def _stack(panes: Sequence[PaneSpec], height: int) -> list[int] | None:
    """Heights of ``panes`` stacked in ``height`` rows, or None when they cannot fit.

    Each pane gets up to its full height, in order; rows left over go to the list panes
    (headlines), never to stretch a table into empty rows.
    """
    if len(panes) == 1 and height >= BORDER + TABLE_HEADER + 1:
        pane = panes[0]
        return [height if pane.kind == "list" else min(height, _full_height(pane))]
    heights = [_min_height(p) for p in panes]
    spare = height - sum(heights)
    if spare < 0:
        return None
    for i, pane in enumerate(panes):
        grow = min(spare, _full_height(pane) - heights[i])
        heights[i] += grow
        spare -= grow
    lists = [i for i, p in enumerate(panes) if p.kind == "list"]
    if spare and lists:
        heights[lists[-1]] += spare
    return heights


def _cuts(n: int, k: int) -> list[list[tuple[int, int]]]:
    """Every way of cutting ``n`` items into ``k`` non-empty consecutive runs."""
    result = []
    for bounds in itertools.combinations(range(1, n), k - 1):
        edges = (0, *bounds, n)
        result.append([(edges[i], edges[i + 1]) for i in range(k)])
    return result


def _column_widths(width: int, k: int) -> list[int] | None:
    column_width = (width - GUTTER * (k - 1)) // k
    if column_width < MIN_PANE_WIDTH:
        return None
    widths = [column_width] * k
    widths[-1] = width - GUTTER * (k - 1) - column_width * (k - 1)
    return widths


def _columns_of_stacks(panes: Sequence[PaneSpec], width: int, height: int) -> list[list[Placement]]:
    """Every arrangement of ``panes`` as side-by-side stacks filling ``width`` x ``height``."""
    found: list[list[Placement]] = []
    for k in range(1, len(panes) + 1):
        widths = _column_widths(width, k)
        if widths is None:
            break
        for runs in _cuts(len(panes), k):
            placements = _columns_of_one_cut(panes, runs, widths, height)
            if placements is not None:
                found.append(placements)
    return found


def _with_list_band(panes: Sequence[PaneSpec], width: int, height: int) -> list[list[Placement]]:
    """Tables side by side on top, the trailing list panes (headlines) across the full width
    below them, as tall as the tables leave."""
    tables, trailing = _split_trailing_lists(panes)
    if not trailing or not tables:
        return []
    list_min = sum(_min_height(p) for p in trailing)
    found: list[list[Placement]] = []
    for k in range(1, len(tables) + 1):
        widths = _column_widths(width, k)
        if widths is None:
            break
        for runs in _cuts(len(tables), k):
            need = max(sum(_full_height(p) for p in tables[a:b]) for a, b in runs)
            band = min(need, height - list_min)
            top = _columns_of_one_cut(tables, runs, widths, band)
            below = _stack(trailing, height - band)
            if top is None or below is None:
                continue
            y = band
            for pane, h in zip(trailing, below, strict=True):
                top.append(_place(pane, 0, y, width, h))
                y += h
            found.append(top)
    return found


def _list_under_a_stack(
    panes: Sequence[PaneSpec], width: int, height: int
) -> list[list[Placement]]:
    """Tables side by side in stacks, the trailing list panes (headlines) at the foot of one
    stack that is not the last: where a short stack leaves room, the headlines take it
    rather than a table's last rows (120x40: crypto whole, headlines under the metals)."""
    tables, trailing = _split_trailing_lists(panes)
    if not trailing or not tables:
        return []
    found: list[list[Placement]] = []
    for k in range(2, len(tables) + 1):
        widths = _column_widths(width, k)
        if widths is None:
            break
        for runs in _cuts(len(tables), k):
            for j in range(k - 1):
                stacks = [list(tables[a:b]) for a, b in runs]
                stacks[j] += trailing
                placements = _place_stacks(stacks, widths, height)
                if placements is not None:
                    found.append(placements)
    return found


def _split_trailing_lists(
    panes: Sequence[PaneSpec],
) -> tuple[Sequence[PaneSpec], Sequence[PaneSpec]]:
    lists = 0
    while lists < len(panes) and panes[len(panes) - 1 - lists].kind == "list":
        lists += 1
    return panes[: len(panes) - lists], panes[len(panes) - lists :]


def _place_stacks(
    stacks: Sequence[Sequence[PaneSpec]], widths: Sequence[int], height: int
) -> list[Placement] | None:
    placements: list[Placement] = []
    x = 0
    for stack, w in zip(stacks, widths, strict=True):
        heights = _stack(stack, height)
        if heights is None:
            return None
        y = 0
        for pane, h in zip(stack, heights, strict=True):
            placements.append(_place(pane, x, y, w, h))
            y += h
        x += w + GUTTER
    return placements


def _columns_of_one_cut(
    panes: Sequence[PaneSpec], runs: Sequence[tuple[int, int]], widths: Sequence[int], height: int
) -> list[Placement] | None:
    return _place_stacks([panes[a:b] for a, b in runs], widths, height)


def _arrange(
    panes: Sequence[PaneSpec], width: int, height: int
) -> tuple[tuple[int, ...], tuple[Placement, ...]] | None:
    """The best arrangement of all ``panes`` in ``width`` x ``height``, with its score."""
    best: tuple[tuple[int, ...], tuple[Placement, ...]] | None = None
    candidates = (
        _columns_of_stacks(panes, width, height)
        + _with_list_band(panes, width, height)
        + _list_under_a_stack(panes, width, height)
    )
    for placements in candidates:
        score = _score(panes, placements)
        if best is None or score > best[0]:
            best = (score, tuple(placements))
    return best


def _place(pane: PaneSpec, x: int, y: int, width: int, height: int) -> Placement:
    if pane.kind != "quotes":
        return Placement(pane.name, x, y, width, height, header=_header(pane))
    inner = width - BORDER
    columns = choose_columns(inner, pane.grouped)
    return Placement(
        pane.name,
        x,
        y,
        width,
        height,
        columns=tuple(c.key for c in columns),
        name_width=name_width(inner, columns, pane.longest_name),
    )


def _hidden(pane: PaneSpec, placement: Placement) -> int:
    """Rows a reader misses: instruments off screen, or a list shorter than a useful page."""
    wanted = pane.rows if pane.kind == "quotes" else min(pane.rows, LIST_PAGE)
    return max(0, wanted - placement.data_rows)


def _score(panes: Sequence[PaneSpec], placements: Sequence[Placement]) -> tuple[int, ...]:
    by_name = {p.name: p for p in panes}
    missed = [(by_name[p.name].kind, _hidden(by_name[p.name], p)) for p in placements]
    hidden = sum(n for kind, n in missed if kind == "quotes")
    # A headline short of a useful page counts after every instrument: the tape and `n`
    # show headlines, nothing else shows an instrument's row.
    short = sum(n for kind, n in missed if kind == "list")
    # Range and symbol are extras: they never outweigh putting panes side by side.
    columns = sum(1 for p in placements for key in p.columns if key not in EXTRA_COLUMNS)
    side_by_side = len({p.x for p in placements})
    names = sum(p.name_width for p in placements)
    list_width = sum(min(p.width, 120) for p in placements if by_name[p.name].kind == "list")
    return (-hidden, -short, columns, list_width, side_by_side, names)


def plan_layout(
    width: int,
    height: int,
    panes: Sequence[PaneSpec],
    active: str | None = None,
    *,
    chrome: int = CHROME_ROWS,
) -> Plan:
    """Where each of ``panes`` goes on a ``width`` x ``height`` terminal (see the module doc).

    Remembered (a plan is immutable): the screen asks again for the same inputs on every
    resize event and pane switch, and one plan of a large board takes ~15 ms."""
    return _plan_layout(width, height, tuple(panes), active, chrome)


@functools.lru_cache(maxsize=64)
def _plan_layout(
    width: int, height: int, panes: tuple[PaneSpec, ...], active: str | None, chrome: int
) -> Plan:
    area_height = height - chrome
    if width < MIN_WIDTH or height < MIN_HEIGHT or not panes:
        return Plan(Layout.TOO_SMALL, width, max(0, area_height), (), (), False)
    whole = _arrange(panes, width, area_height)
    if whole is not None:
        placements = whole[1]
        side_by_side = len({p.x for p in placements}) > 1
        mode = Layout.WIDE if side_by_side else Layout.MEDIUM
        names = tuple(p.name for p in panes)
        return Plan(mode, width, area_height, placements, (names,), False)
    area_height -= TABS_ROWS
    pages = _pages(panes, width, area_height)
    page = next((pg for pg in pages if active in {p.name for p in pg}), pages[0])
    arranged = _arrange(page, width, area_height)
    placements = arranged[1] if arranged is not None else ()
    return Plan(
        Layout.NARROW,
        width,
        area_height,
        placements,
        tuple(tuple(p.name for p in pg) for pg in pages),
        True,
    )


def _pages(panes: Sequence[PaneSpec], width: int, height: int) -> list[list[PaneSpec]]:
    """Consecutive panes that fit together, as many per page as fit (at least one)."""
    pages: list[list[PaneSpec]] = []
    start = 0
    while start < len(panes):
        end = start + 1
        while end < len(panes) and _fits_as_well(panes[start : end + 1], width, height):
            end += 1
        pages.append(list(panes[start:end]))
        start = end
    return pages


def _fits_as_well(panes: Sequence[PaneSpec], width: int, height: int) -> bool:
    """Whether ``panes`` share a page without hiding an instrument a page of its own shows."""
    together = _arrange(panes, width, height)
    if together is None:
        return False
    by_name = {p.name: p for p in panes}
    hidden = sum(
        _hidden(by_name[p.name], p) for p in together[1] if by_name[p.name].kind == "quotes"
    )
    alone = 0
    for pane in panes:
        if pane.kind == "quotes":
            single = _arrange([pane], width, height)
            alone += -single[0][0] if single is not None else pane.rows
    return hidden <= alone


def layout_for(width: int, height: int) -> Layout:
    """The mode of the default board (kept for callers that only need the summary)."""
    return plan_layout(width, height, DEFAULT_BOARD).mode


DEFAULT_BOARD: tuple[PaneSpec, ...] = (
    PaneSpec("indices", 14, longest_name=19),
    PaneSpec("metals", 7, longest_name=17),
    PaneSpec("crypto", 7, longest_name=8),
    PaneSpec("news", 25, kind="list", grouped=False),
)
