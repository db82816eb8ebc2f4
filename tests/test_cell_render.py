"""The live tables' cell rendering (widgets/cell_render.py) gives DataTable's own segments.

Every body cell of the demo board, in every pane, plain, under the cursor and under the
mouse, rendered both ways: the fast path must not change one segment or style (a theme, a
flash or a sign colour lost here would be a wrong colour on screen)."""

from __future__ import annotations

from textual.widgets import DataTable

from tui.demo_app import frozen_demo_app, wait_for_data
from widgets.live_table import LiveTable


def _original(table: LiveTable, row: int, column: int, width: int, **flags: bool) -> object:
    table._cell_render_cache.clear()
    return DataTable._render_cell(table, row, column, table.rich_style, width, **flags)


def _fast(table: LiveTable, row: int, column: int, width: int, **flags: bool) -> object:
    table._cell_render_cache.clear()
    return table._render_cell(row, column, table.rich_style, width, **flags)


async def test_every_cell_of_the_board_renders_as_datatable_renders_it() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for_data(app)
        await pilot.pause()
        compared = 0
        for table in app.main_screen.query(LiveTable):
            widths = [column.get_render_width(table) for column in table.ordered_columns]
            for row in range(table.row_count):
                for column, width in enumerate(widths):
                    for flags in ({}, {"cursor": True}, {"hover": True}):
                        expected = _original(table, row, column, width, **flags)
                        assert _fast(table, row, column, width, **flags) == expected
                        compared += 1
        assert compared > 1000  # every pane's rows and columns, not an empty board


async def test_a_narrow_column_falls_back_to_datatable() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for_data(app)
        await pilot.pause()
        table = app.main_screen.query(LiveTable).first()
        for width in (1, 2, 3):  # no room inside the padding, then one cell of text
            assert _fast(table, 0, 0, width) == _original(table, 0, 0, width)
