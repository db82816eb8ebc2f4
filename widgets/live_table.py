"""A DataTable whose cell updates repaint only the cell that changed."""

from __future__ import annotations

from rich.text import Text
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowKey


class LiveTable(DataTable[Text]):
    _dirty_rows: dict[int, int]

    """Base of the live tables: ``update_cell`` marks one cell dirty, not the whole widget.

    DataTable.update_cell refreshes the whole widget, so one changed price rewrote every row
    of a pane to the terminal (kilobytes per refresh over SSH). This keeps the same
    bookkeeping and only shrinks the dirty region.
    """

    def update_cell(
        self,
        row_key: RowKey | str,
        column_key: ColumnKey | str,
        value: Text,
        *,
        update_width: bool = False,
    ) -> None:
        if not hasattr(self, "_dirty_rows"):
            self._dirty_rows = {}
        if update_width:
            super().update_cell(row_key, column_key, value, update_width=True)
            return
        row = RowKey(row_key) if isinstance(row_key, str) else row_key
        column = ColumnKey(column_key) if isinstance(column_key, str) else column_key
        row_index = self._row_locations.get(row)
        column_index = self._column_locations.get(column)
        if row_index is None or column_index is None:
            raise CellDoesNotExist(f"No cell exists for row_key={row!r}, column_key={column!r}.")
        self._data[row][column] = value
        self._update_count += 1  # invalidates DataTable's render caches, as the original does
        # One dirty region per row, up to its rightmost changed cell, flushed once per batch:
        # a region per cell made the compositor's work grow with every cell written.
        if not self._dirty_rows:
            self.call_later(self._flush_dirty_rows)
        self._dirty_rows[row_index] = max(self._dirty_rows.get(row_index, 0), column_index)

    def _flush_dirty_rows(self) -> None:
        dirty, self._dirty_rows = self._dirty_rows, {}
        for row_index, column_index in dirty.items():
            if not self.is_valid_coordinate(Coordinate(row_index, column_index)):
                continue
            cell = self._get_cell_region(Coordinate(row_index, column_index))
            self._refresh_region(Region(0, cell.y, cell.right, cell.height))
