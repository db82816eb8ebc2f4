"""The floor of the footprint benchmark: the least a Textual app like marketmon can cost.

A Header with Textual's own clock, a 40-row DataTable and a Footer, and nothing else: no data
engine, no CSS of its own, no theme switching, no tape. Its numbers are what Textual itself
costs for a screen of the same size, so the footprint suite reports marketmon next to them.

The schedule mirrors ``marketmon --demo`` at its default settings:

* the table is filled in ``on_mount`` (the floor has its prices at once; marketmon has to run
  its engine first, which is its own cost and fairly counted against it);
* every 5 s (the demo provider polls every 5 s, and the app coalesces each poll's answers into
  one screen update) the "Last" cell of all 40 rows changes: 40 ``update_cell`` calls;
* the Header clock repaints every second (``Header(show_clock=True)``: Textual's
  ``HeaderClock`` runs ``set_interval(1, refresh)`` and shows ``%X``, like marketmon's header
  clock, which ticks every second outside ``--low-bandwidth``).

It has no scrolling tape, no status line, no flashes and no sparklines: those are marketmon's
own features, and their cost is what the suite shows above this floor.

    python -m tests.bench.floor_app          # q quits
"""

from __future__ import annotations

import math
import random
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header

ROWS = 40
UPDATE_SECONDS = 5.0  # the demo provider's poll interval
NAME_COLUMN, LAST_COLUMN = "name", "last"


def row_name(i: int) -> str:
    """``Floor 00`` … ``Floor 39``: the footprint suite looks for ``Floor 00`` and a price."""
    return f"Floor {i:02d}"


class FloorApp(App[None]):
    """Header + DataTable (40 rows: name, last) + Footer; the 40 "Last" cells change every 5 s."""

    TITLE = "floor"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]

    def __init__(self, seed: int = 7) -> None:
        super().__init__()
        self._rng = random.Random(seed)
        self._last = [1_000.0 + 250.0 * i for i in range(ROWS)]
        self.updates = 0

    def compose(self) -> ComposeResult:
        yield Header(show_clock=True)
        yield DataTable(cursor_type="row", zebra_stripes=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Name", key=NAME_COLUMN)
        table.add_column("Last", key=LAST_COLUMN)
        for i in range(ROWS):
            table.add_row(row_name(i), self._last_text(i), key=str(i))
        self.set_interval(UPDATE_SECONDS, self._update)

    def _last_text(self, i: int) -> str:
        return f"{self._last[i]:,.2f}"

    def _update(self) -> None:
        """One poll's worth: a new last price on every row (40 cells)."""
        table = self.query_one(DataTable)
        for i in range(ROWS):
            step = self._rng.gauss(0.0, 0.001)
            self._last[i] = max(1.0, self._last[i] * math.exp(step))
            table.update_cell(str(i), LAST_COLUMN, self._last_text(i))
        self.updates += 1


def main() -> None:
    FloorApp().run()


if __name__ == "__main__":
    main()
