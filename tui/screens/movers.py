"""The movers view: every instrument across panes ranked by |σ|, most unusual first.

A −3 % day means little for Bitcoin and a great deal for the S&P; ranking by σ-move puts the
extraordinary first, whatever the pane. Instruments without a σ (no history yet, or fewer
than 20 daily changes) are listed last, never ranked by a guess.

Rows are keyed by pane and symbol and updated in place: a new snapshot writes only the cells
that changed, and re-sorts only when the ranking changed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from tui import format as fmt
from tui.data.snapshot import MarketSnapshot, Quote
from tui.messages import OpenDetail, SnapshotUpdated
from tui.screens.lifecycle import RELEASED, release
from widgets.theme_styles import cell_styles

COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("rank", "#", True),
    ("name", "Name", False),
    ("symbol", "Symbol", False),
    ("pane", "Pane", False),
    ("pct", "Chg %", True),
    ("sigma", "σ", True),
)


def ranked(snapshot: MarketSnapshot) -> list[Quote]:
    """Quotes with a price, by |σ| descending; those without σ last, by |change %|."""
    priced = [q for q in snapshot.quotes if q.has_data]

    def key(q: Quote) -> tuple[bool, float]:
        if q.sigma is not None and math.isfinite(q.sigma):
            return (False, -abs(q.sigma))
        return (True, -abs(q.change_pct or 0.0))

    return sorted(priced, key=key)


def row_key(quote: Quote) -> str:
    return f"{quote.pane}\x1f{quote.symbol}"


class MoversScreen(Screen[None]):
    """Instruments ranked by how unusual their move is; Enter opens the detail view."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Back"),
        Binding("m", "dismiss", "Back", show=False),
        Binding("q", "dismiss", "Back", show=False),  # q quits only from the main screen
    ]

    def __init__(self, snapshot: MarketSnapshot, now: Callable[[], datetime]) -> None:
        super().__init__(classes="movers-screen")
        self.snapshot = snapshot
        self._now = now
        self._order: list[str] = []
        self._shown: dict[str, dict[str, Text]] = {}
        self._quotes: dict[str, Quote] = {}

    def compose(self) -> ComposeResult:
        yield Label(id="movers-title", markup=False)
        yield DataTable(id="movers-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_unmount(self) -> None:
        """Drop the snapshot (and Textual's render-cache memo): a closed screen is freed."""
        release(self)
        self.snapshot = RELEASED

    def on_mount(self) -> None:
        table = self._table()
        for key, label, right in COLUMNS:
            table.add_column(Text(label, justify="right" if right else "left"), key=key)
        self._apply(self.snapshot)
        table.focus()

    def on_snapshot_updated(self, message: SnapshotUpdated) -> None:
        message.stop()
        self.snapshot = message.snapshot
        self._apply(message.snapshot)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        quote = self._quotes.get(str(event.row_key.value))
        if quote is not None:
            self.app.post_message(OpenDetail(quote.pane, quote.symbol))

    def _table(self) -> DataTable[Text]:
        table: DataTable[Text] = self.query_one("#movers-table", DataTable)
        return table

    def _cells(self, quote: Quote, rank: int) -> dict[str, Text]:
        styles = cell_styles(self.app)  # theme colours, never hex
        change = quote.change_pct
        move = Style()
        if change is not None and change > 0:
            move = styles.up
        elif change is not None and change < 0:
            move = styles.down
        return {
            "rank": Text(str(rank), justify="right", style=styles.muted),
            "name": Text(quote.name),
            "symbol": Text(quote.symbol, style=styles.muted),
            "pane": Text(quote.pane, style=styles.muted),
            "pct": Text(fmt.percent(change), justify="right", style=move),
            "sigma": Text(fmt.sigma(quote.sigma), justify="right", style=move),
        }

    def _apply(self, snapshot: MarketSnapshot) -> None:
        table = self._table()
        quotes = ranked(snapshot)
        order = [row_key(q) for q in quotes]
        self._quotes = {row_key(q): q for q in quotes}
        with self.app.batch_update():
            for key in [k for k in self._shown if k not in self._quotes]:
                table.remove_row(key)
                del self._shown[key]
            for rank, quote in enumerate(quotes, start=1):
                key = row_key(quote)
                cells = self._cells(quote, rank)
                shown = self._shown.get(key)
                if shown is None:
                    table.add_row(*(cells[c] for c, _, _ in COLUMNS), key=key)
                    self._shown[key] = cells
                    continue
                for column, value in cells.items():
                    if shown[column].plain != value.plain or shown[column].style != value.style:
                        table.update_cell(key, column, value)
                        shown[column] = value
            if order != self._order:
                position = {k: i for i, k in enumerate(order)}

                def rank_of(values: tuple[Text, Text]) -> int:
                    symbol, pane = values
                    return position[f"{pane.plain}\x1f{symbol.plain}"]

                table.sort("symbol", "pane", key=rank_of)
                self._order = order
        with_sigma = sum(1 for q in quotes if q.sigma is not None)
        title = (
            f"Movers · ranked by |σ|, the day's change against 60 days' volatility · "
            f"{with_sigma} of {len(quotes)} with σ"
            + (" · DEMO (simulated)" if snapshot.demo else "")
        )
        self.query_one("#movers-title", Label).update(Text(title))
