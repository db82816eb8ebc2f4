"""A DataTable of quotes that updates in place: only changed cells, one batch per refresh.

Live refreshes never clear the table. Rows are keyed by symbol; each refresh diffs the text
and style of every cell against what is on screen and calls ``update_cell`` for the ones that
differ, inside one ``batch_update`` so the terminal receives a single frame. Which columns
show depends on the table's width (a tmux half-split still gets name, last and change %).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.widgets.data_table import RowDoesNotExist

from tui import format as fmt
from tui.data.futures import shows_future
from tui.data.snapshot import Quote, Session, StaleReason
from tui.layout import COLUMNS, Column, choose_columns, name_width
from widgets.live_table import LiveTable
from widgets.spark import range_bar, sparkline
from widgets.theme_styles import CellStyles, cell_styles

FLASH_SECONDS = 1.0


class SortMode(StrEnum):
    REGION = "region"
    CHANGE = "change %"
    NAME = "name"


SORT_CYCLE = (SortMode.CHANGE, SortMode.NAME, SortMode.REGION)


SHORT_GROUPS = {"Asia-Pacific": "Asia-Pac"}


def _tick_direction(old: float | None, new: float) -> int:
    """+1 for an uptick, -1 for a downtick, 0 when the old price was unknown."""
    if old is None:
        return 0
    return 1 if new > old else -1


class KeyedText(Text):
    """A cell that remembers its row key, so ``DataTable.sort`` can look up our sort keys."""

    row_key: str = ""


class QuoteTable(LiveTable):
    """Quotes of one pane, updated cell by cell."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("enter", "select_cursor", "Detail", show=True),
    ]

    DEFAULT_CSS = """
    QuoteTable {
        height: 1fr;
        scrollbar-size-vertical: 1;
    }
    """

    def __init__(
        self,
        *,
        flash: bool = True,
        basis_points: bool = False,
        id: str | None = None,
        group_label: str = "Group",
    ) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, cell_padding=1)
        self.group_label = group_label  # named by what the pane groups: Region, Type…
        self.flash_enabled = flash
        # Yields: the move column shows basis points ("-9.2 bp"), not a percent of a percent.
        self.basis_points = basis_points
        self.sort_mode = SortMode.REGION
        self.filter_text = ""
        self.now: datetime | None = None
        self.cells_touched = 0  # for tests and the benchmark: cells written by updates
        self.not_found: frozenset[str] = frozenset()
        self._quotes: dict[str, Quote] = {}
        self._order: list[str] = []
        self._shown: dict[str, dict[str, Text]] = {}
        # What each row was last rendered from: an unchanged row is skipped without building
        # its cells (a refresh of 1,000 rows where 10 % moved builds 100 rows, not 1,000).
        self._sigs: dict[str, tuple[object, ...]] = {}
        self._columns: tuple[Column, ...] = ()
        self._layout: tuple[tuple[Column, ...], int] = ((), 0)
        self._grouped = False
        self._styles: CellStyles | None = None
        self._flashing: dict[str, int] = {}  # symbol -> +1 ticked up, -1 down
        self._unflash_timer_due = False
        self._waiting_for_width = False  # quotes arrived before the first layout
        # Columns the main screen's layout rule gave this table (keys, name width); without
        # one (a table on its own) the columns follow the table's own width.
        self._planned: tuple[tuple[str, ...], int] | None = None

    # --- public API -------------------------------------------------------------------------

    def update_quotes(
        self,
        quotes: Sequence[Quote],
        now: datetime,
        *,
        flash: bool = True,
        not_found: frozenset[str] = frozenset(),
    ) -> int:
        """Show ``quotes`` (in region order); return the number of cells written.

        ``not_found``: symbols the source says it does not have (an expired contract, a 404):
        their rows stay on screen and say so.
        """
        self.now = now
        self.not_found = not_found
        self._order = [q.symbol for q in quotes]
        previous = self._quotes
        self._quotes = {q.symbol: q for q in quotes}
        groups = {q.group for q in quotes}
        if not self.size.width and self._planned is None:
            # Not laid out yet: the columns depend on the width, so the first Resize builds
            # them (building them for a guessed width would paint every row twice).
            self._grouped = len(groups) > 1
            self._waiting_for_width = True
            return 0
        if (len(groups) > 1) != self._grouped or not self._columns:
            self._grouped = len(groups) > 1
            self._rebuild_columns()
        if flash and self.flash_enabled:
            for symbol, quote in self._quotes.items():
                old = previous.get(symbol)
                if old is not None and old.last != quote.last and quote.last is not None:
                    self._flashing[symbol] = _tick_direction(old.last, quote.last)
        return self._sync()

    def set_sort(self, mode: SortMode) -> None:
        self.sort_mode = mode
        self._sync(force_sort=True)

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip().casefold()
        self._sync(force_sort=True)

    def restyle(self) -> None:
        """The theme changed: every styled cell must be written again."""
        self._styles = None
        self._shown = {key: {} for key in self._shown}
        self._sigs.clear()
        self._sync()

    def set_plan(self, columns: tuple[str, ...], name_width: int) -> None:
        """Take the columns the layout rule chose (before layout, hidden or not: a key burst
        may select a row of a pane that has not been painted yet)."""
        if self._planned == (columns, name_width):
            return
        self._planned = (columns, name_width)
        if self._quotes and self._layout_for(self.size.width) != self._layout:
            self._waiting_for_width = False
            self._rebuild_columns()

    @property
    def match_count(self) -> int:
        """Rows the current filter lets through."""
        return len(self._visible())

    @property
    def awaiting_layout(self) -> bool:
        """Quotes arrived before the first layout and are not built into rows yet."""
        return self._waiting_for_width

    @property
    def visible_columns(self) -> tuple[str, ...]:
        return tuple(c.key for c in self._columns)

    def symbol_at_cursor(self) -> str | None:
        if not self.row_count:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except Exception:
            return None
        return row_key.value

    # --- internals --------------------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        if self._planned is not None:
            return  # the layout rule decides, and says so through set_plan
        if self._quotes and (
            self._waiting_for_width or self._layout_for(event.size.width) != self._layout
        ):
            self._waiting_for_width = False
            self._rebuild_columns()

    def _layout_for(self, width: int) -> tuple[tuple[Column, ...], int]:
        """Columns that fit, and the width the name column gets out of the spare room."""
        if self._planned is not None:
            keys, planned_name = self._planned
            wanted = set(keys) - (set() if self._grouped else {"group"})
            return tuple(c for c in COLUMNS if c.key in wanted), planned_name
        columns = choose_columns(width or 200, self._grouped)
        return columns, name_width(width or 0, columns, COLUMNS[1].width + 10)

    def _rebuild_columns(self) -> None:
        """Only on a width or grouping change (never on a data refresh)."""
        cursor_symbol = self.symbol_at_cursor()
        self._layout = self._layout_for(self.size.width)
        self._columns, name_cells = self._layout
        self.clear(columns=True)
        self._shown = {}
        self._sigs.clear()
        for col in self._columns:
            width = name_cells if col.key == "name" else col.width
            header = self.group_label if col.key == "group" else col.label
            if col.key == "pct" and self.basis_points:
                header = "Chg bp"
            label = Text(header, justify="right" if col.right else "left")
            self.add_column(label, width=width, key=col.key)
        self._sync(force_sort=True)
        if cursor_symbol:
            self._move_to(cursor_symbol)

    def _visible(self) -> list[str]:
        if not self.filter_text:
            return list(self._order)
        needle = self.filter_text
        return [
            s
            for s in self._order
            if needle in s.casefold() or needle in self._quotes[s].name.casefold()
        ]

    def _sync(self, force_sort: bool = False) -> int:
        if not self._columns:
            return 0
        if self._styles is None:
            self._styles = cell_styles(self.app)
        cursor_symbol = self.symbol_at_cursor()
        touched = 0
        with self.app.batch_update():
            visible = self._visible()
            wanted = set(visible)
            for symbol in [s for s in self._shown if s not in wanted]:
                self.remove_row(symbol)
                del self._shown[symbol]
                self._sigs.pop(symbol, None)
                force_sort = True
            first_in_group = self._first_in_group(visible)
            for symbol in visible:
                quote = self._quotes[symbol]
                sig = self._signature(quote, symbol in first_in_group)
                if self._sigs.get(symbol) == sig and symbol in self._shown:
                    continue
                self._sigs[symbol] = sig
                cells = self._cells(quote, symbol in first_in_group)
                shown = self._shown.get(symbol)
                if shown is None:
                    self.add_row(*[cells[c.key] for c in self._columns], key=symbol)
                    self._shown[symbol] = cells
                    touched += len(self._columns)
                    force_sort = True
                    continue
                for col in self._columns:
                    new = cells[col.key]
                    old = shown.get(col.key)
                    if (
                        old is None
                        or old.plain != new.plain
                        or old.spans != new.spans
                        or (old.style != new.style)
                    ):
                        self.update_cell(symbol, col.key, new)
                        shown[col.key] = new
                        touched += 1
                        if col.key == "pct" and self.sort_mode is SortMode.CHANGE:
                            force_sort = True
            if force_sort:
                self._apply_sort(visible)
                if cursor_symbol:
                    self._move_to(cursor_symbol)
        if self._flashing and not self._unflash_timer_due:
            self._unflash_timer_due = True
            self.set_timer(FLASH_SECONDS, self._unflash)
        self.cells_touched += touched
        return touched

    def _signature(self, q: Quote, first_in_group: bool) -> tuple[object, ...]:
        """Everything a row's cells are built from (ages only where they are shown)."""
        ticking = q.stale_reason in (StaleReason.OLD, StaleReason.FAILING, StaleReason.CACHED)
        age = fmt.age_between(q.as_of, self.now) if ticking and self.now else None
        return (q.name, q.group, q.source, q.last, q.change, q.change_pct, q.day_high,
                q.day_low, q.range_pos, q.as_of, q.stale_reason, q.sigma,
                first_in_group, self._flashing.get(q.symbol), age, q.problem, q.decimals,
                q.futures, q.session_date, q.symbol in self.not_found, q.marks,
                q.session)  # fmt: skip

    def _unflash(self) -> None:
        self._unflash_timer_due = False
        self._flashing.clear()
        self._sync()

    def _first_in_group(self, visible: list[str]) -> set[str]:
        if self.sort_mode is not SortMode.REGION:
            return set(visible)  # every row names its group when rows are not grouped
        seen: set[str] = set()
        first: set[str] = set()
        for symbol in visible:
            group = self._quotes[symbol].group
            if group not in seen:
                seen.add(group)
                first.add(symbol)
        return first

    def _apply_sort(self, visible: list[str]) -> None:
        if not self.row_count:
            return
        position = {s: i for i, s in enumerate(self._order)}
        key: Callable[[KeyedText], object]
        if self.sort_mode is SortMode.NAME:
            key = lambda cell: self._quotes[cell.row_key].name.casefold()  # noqa: E731
        elif self.sort_mode is SortMode.CHANGE:

            def key(cell: KeyedText) -> object:
                pct = self._quotes[cell.row_key].change_pct
                return (pct is None, -(pct or 0.0), position[cell.row_key])
        else:
            key = lambda cell: position[cell.row_key]  # noqa: E731
        self.sort("name", key=key)

    def _move_to(self, symbol: str) -> None:
        try:
            row = self.get_row_index(symbol)
        except RowDoesNotExist:
            return
        if row != self.cursor_row:
            self.move_cursor(row=row, animate=False, scroll=False)

    def _cells(self, q: Quote, first_in_group: bool) -> dict[str, Text]:
        styles = self._styles or cell_styles(self.app)
        direction = Style()
        if q.change is not None and q.change > 0:
            direction = styles.up
        elif q.change is not None and q.change < 0:
            direction = styles.down
        stale = q.stale_reason is not None
        last_style = styles.muted if stale else Style()
        tick = self._flashing.get(q.symbol)
        if tick is not None:
            last_style = {1: styles.flash_up, -1: styles.flash_down}.get(tick, styles.flash)
        group = SHORT_GROUPS.get(q.group, q.group) if first_in_group else ""
        places = fmt.quote_decimals(q)
        name = KeyedText(
            fmt.fit_name(q.name, self._layout[1] or len(q.name)),
            style=styles.muted if not q.has_data else Style(),
        )
        name.row_key = q.symbol
        name.no_wrap = True
        name.overflow = "ellipsis"
        change = fmt.change(q.change, places)
        chg = Text(change, style=direction, justify="right")
        pct = Text(
            fmt.basis_points(q.change_bp) if self.basis_points else fmt.percent(q.change_pct),
            style=direction,
            justify="right",
        )
        if shows_future(q) and q.futures is not None:
            # The cash market is shut: the move is the future's, and the row says so.
            leg = q.futures
            leg_dir = (
                styles.up
                if (leg.change or 0) > 0
                else styles.down
                if (leg.change or 0) < 0
                else Style()
            )
            chg = Text(leg.symbol, style=styles.muted, justify="right")
            marker = "" if any(c.key == "chg" for c in self._columns) else "F"
            pct = Text(marker + fmt.percent(leg.change_pct), style=leg_dir, justify="right")
        return {
            "group": Text(group, style=styles.muted),
            "name": name,
            "symbol": Text(q.symbol, style=styles.muted),
            "last": Text(
                fmt.marked(fmt.price(q.last, places), q.marks), style=last_style, justify="right"
            ),
            "chg": chg,
            "pct": pct,
            "sigma": Text(fmt.sigma(q.sigma), style=direction, justify="right"),
            "spark": Text(sparkline(q.spark or q.series, 8), style=direction),
            "range": Text(range_bar(q.range_pos, 7), style=styles.muted),
            "age": self._age_cell(q, styles),
        }

    def _age_cell(self, q: Quote, styles: CellStyles) -> Text:
        now = self.now
        if not q.has_data and q.symbol in self.not_found:
            return Text("not found", style=styles.warning, justify="right")
        if q.as_of is None or now is None:
            if q.problem is not None:  # no price at all: say why
                return Text(q.problem, style=styles.error, justify="right")
            return Text("—", style=styles.muted, justify="right")
        age = fmt.age_between(q.as_of, now)
        if q.stale_reason is StaleReason.FAILING:
            # The last good value; "!" marks the source failing, then why (or how old).
            return Text(f"!{q.problem or age}", style=styles.error, justify="right")
        if q.stale_reason is StaleReason.CLOSED and q.session in (Session.PRE, Session.POST):
            # Pre-market / after-hours: the price is still a regular close, never fresh.
            label = fmt.extended_label(q.session.value, q.session_date)
            return Text(label, style=styles.muted, justify="right")
        if q.stale_reason is StaleReason.CLOSED:
            # Which session the price is from: on a Monday morning, Friday's move is "Fri close".
            if q.session is Session.BREAK:
                label = "lunch"
            else:
                # Which session: "Fri cl." is Friday's close (8 cells, so two panes fit in 100).
                label = f"{q.session_date:%a} cl." if q.session_date else "closed"
            return Text(label, style=styles.muted, justify="right")
        if q.stale_reason is StaleReason.CACHED:  # last run's price: "c" and its age
            return Text(f"c {age}", style=styles.warning, justify="right")
        if q.stale_reason is StaleReason.OLD:
            return Text(age, style=styles.warning, justify="right")
        local = q.as_of.astimezone()
        return Text(local.strftime("%H:%M"), style=styles.muted, justify="right")
