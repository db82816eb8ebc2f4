"""A DataTable whose cell updates repaint only the cell that changed."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual._types import SegmentLines
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.widgets import DataTable
from textual.widgets._data_table import CellCacheKey
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowKey

from widgets.cell_render import render_text_cell


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

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:
        """DataTable's ``_render_cell``, with the one-line text cells of the body rendered by
        widgets/cell_render.py: the same segments in about two thirds of the time, which the
        first frame of a large board waits for. Every other cell takes DataTable's path."""
        lines = self._render_text_cell(row_index, column_index, base_style, width, cursor, hover)
        if lines is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        return lines

    def _render_text_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool,
        hover: bool,
    ) -> SegmentLines | None:
        """A one-line text cell of the body through DataTable's cache (same key, same
        styles); None for the header row, row labels, taller rows and other renderables."""
        if row_index < 0 or column_index < 0:
            return None
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        if row_key is None or column_key is None or self.rows[row_key].height != 1:
            return None
        cache_key: CellCacheKey = (
            row_key,
            column_key,
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._cell_render_cache.get(cache_key)
        if cached is not None:
            return cached
        cell = self._get_row_renderables(row_index).cells[column_index]
        if not isinstance(cell, Text):
            return None
        fixed = row_index < self.fixed_rows or column_index < self.fixed_columns
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            fixed,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index})
        lines = render_text_cell(
            self.app.console,
            self.app.console_options,
            cell,
            width,
            self.cell_padding,
            pre_style + component_style,
            post_style,
        )
        if lines is not None:
            self._cell_render_cache[cache_key] = lines
        return lines
