"""Headless Pilot tests of the real app on the frozen demo feed."""

from __future__ import annotations

import gc
import weakref

import pytest
from textual.widgets import Input

from tui.app import end_startup_pause
from tui.app_startup import resume_collector
from tui.demo_app import frozen_demo_app, wait_for_data
from tui.layout import Layout
from tui.screens.detail import DetailScreen
from tui.screens.headlines import HeadlinesScreen
from tui.screens.help import HelpScreen
from tui.screens.main import MainScreen
from widgets.news_table import NewsTable
from widgets.quote_table import QuoteTable, SortMode


def table(app, pane: str) -> QuoteTable:
    return app.main_screen.query_one(f"#table-{pane}", QuoteTable)


def row_symbols(t: QuoteTable) -> list[str]:
    return [str(t.coordinate_to_cell_key((i, 0))[0].value) for i in range(t.row_count)]


async def test_every_instrument_is_on_screen_with_its_move() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for_data(app)
        await pilot.pause()
        assert app.main_screen.layout_mode is Layout.WIDE
        indices = table(app, "indices")
        assert row_symbols(indices)[:3] == ["^GSPC", "^IXIC", "^DJI"]
        assert indices.row_count == 14
        assert table(app, "metals").row_count == 7
        assert table(app, "crypto").row_count == 7
        silver = app.snapshot.pane("metals").by_symbol()["SI=F"]
        cells = [c.plain for c in table(app, "metals").get_row("SI=F")]
        assert f"{silver.change_pct:+.2f}%" in cells
        assert app.main_screen.query_one(NewsTable).row_count == len(app.snapshot.headlines)


async def test_number_keys_and_tab_move_focus_between_panes() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(app)
        assert app.focused is table(app, "indices")
        await pilot.press("3")
        assert app.focused is table(app, "crypto")
        await pilot.press("4")
        assert isinstance(app.focused, NewsTable)
        await pilot.press("1")
        await pilot.press("tab")
        assert app.focused is table(app, "metals")
        await pilot.press("shift+tab")
        assert app.focused is table(app, "indices")


async def test_arrows_and_jk_move_the_cursor_and_enter_opens_detail() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(app)
        await pilot.press("2", "j", "down", "k")
        assert table(app, "metals").cursor_row == 1
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.symbol == "SI=F"  # type: ignore[attr-defined]
        assert "Silver futures" in str(app.screen.query_one("#detail-name").render())
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        assert table(app, "metals").cursor_row == 1  # the cursor survived


async def test_sort_cycles_change_name_region() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(app)
        crypto = table(app, "crypto")
        await pilot.press("s")
        assert crypto.sort_mode is SortMode.CHANGE
        pcts = [app.snapshot.pane("crypto").by_symbol()[s].change_pct for s in row_symbols(crypto)]
        assert pcts == sorted(pcts, reverse=True)
        await pilot.press("s")
        names = [app.snapshot.pane("crypto").by_symbol()[s].name for s in row_symbols(crypto)]
        assert names == sorted(names, key=str.casefold)
        await pilot.press("s")
        assert crypto.sort_mode is SortMode.REGION
        assert row_symbols(table(app, "indices"))[:2] == ["^GSPC", "^IXIC"]


async def test_filter_narrows_every_pane_and_escape_clears_it() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(app)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"silver")
        assert row_symbols(table(app, "metals")) == ["SI=F", "XAG"]
        assert table(app, "indices").row_count == 0
        await pilot.press("enter")
        assert app.focused is table(app, "metals")  # the first pane with matches
        assert row_symbols(table(app, "metals")) == ["SI=F", "XAG"]
        await pilot.press("escape")
        assert table(app, "metals").row_count == 7


async def test_pause_freezes_updates_and_resume_applies_the_latest() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(app)
        applied = app.applied
        await pilot.press("p")
        assert app.paused
        app._changed()  # the engine has news while paused
        await pilot.pause(0.4)
        assert app.applied == applied
        await pilot.press("p")
        await pilot.pause(0.1)
        assert not app.paused
        assert app.applied == applied + 1


@pytest.mark.parametrize(
    ("size", "mode"),
    [
        ((80, 24), Layout.NARROW),
        ((120, 40), Layout.WIDE),
        ((80, 47), Layout.NARROW),  # seven panes do not all fit in one 47-row stack: paged
        ((200, 60), Layout.WIDE),
        ((40, 10), Layout.TOO_SMALL),
    ],
)
async def test_layout_follows_the_terminal_size(size: tuple[int, int], mode: Layout) -> None:
    app = frozen_demo_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_data(app)
        await pilot.pause()
        assert app.main_screen.layout_mode is mode
        if mode is Layout.NARROW and size == (80, 24):  # one pane per page at 80x24
            columns = table(app, "indices").visible_columns
            assert {"name", "last", "pct"} <= set(columns)
            assert table(app, "indices").display
            assert not app.main_screen.query_one("#pane-metals").display


async def test_resizing_while_running_keeps_cursor_and_rows() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for_data(app)
        await pilot.press("down", "down", "down")
        for size, mode in (
            ((80, 24), Layout.NARROW),
            ((80, 47), Layout.NARROW),
            ((200, 60), Layout.WIDE),
        ):
            await pilot.resize_terminal(*size)
            await pilot.pause(0.2)
            assert app.main_screen.layout_mode is mode
            assert table(app, "indices").row_count == 14
            assert table(app, "indices").cursor_row == 3


async def test_refresh_updates_only_changed_cells_in_place() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as _pilot:
        await wait_for_data(app)
        crypto = table(app, "crypto")
        crypto.move_cursor(row=4)
        touched = app.main_screen.apply(app.snapshot)  # the same snapshot again
        assert touched == 0
        app.clock.advance(60)  # a minute later the demo market has moved
        quote_tables = list(app.main_screen.query(QuoteTable))
        before = sum(t.cells_touched for t in quote_tables)
        app.main_screen.apply(app.engine.snapshot())
        assert sum(t.cells_touched for t in quote_tables) == before  # no new prices yet
        await app.engine.refresh_once()
        app.main_screen.apply(app.engine.snapshot())
        touched = sum(t.cells_touched for t in quote_tables) - before
        assert 0 < touched < 5 * 28  # the open markets' cells, never a full refill
        assert crypto.cursor_row == 4
        assert crypto.row_count == 7


async def test_help_detail_and_headlines_views_open_and_close() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("n")
        assert isinstance(app.screen, HeadlinesScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_theme_switch_and_quit() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(app)
        before = app.theme
        await pilot.press("t")
        assert app.theme != before
        assert table(app, "crypto").row_count == 7
        await pilot.press("q")
    assert app.return_code == 0


async def test_command_palette_finds_an_instrument() -> None:
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(app)
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"KOSPI")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.symbol == "^KS11"  # type: ignore[attr-defined]


def _with_btc_at(snapshot, price: float):
    from dataclasses import replace

    panes = tuple(
        replace(
            p,
            quotes=tuple(replace(q, last=price) if q.symbol == "BTC-USD" else q for q in p.quotes),
        )
        for p in snapshot.panes
    )
    return replace(snapshot, panes=panes)


@pytest.mark.parametrize("low_bandwidth", [False, True])
async def test_a_changed_price_flashes_briefly_except_in_low_bandwidth(low_bandwidth: bool) -> None:
    app = frozen_demo_app(low_bandwidth=low_bandwidth)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(app)
        crypto = table(app, "crypto")
        styles = crypto._styles
        assert styles is not None
        flash = styles.flash_down  # Bitcoin is above 58,000 in the demo: a downtick
        assert styles.flash_up.color != flash.color  # up and down flash in their own colours
        assert flash.color == styles.down.color and styles.flash_up.color == styles.up.color
        touched = app.main_screen.apply(_with_btc_at(app.snapshot, 58_000.0))
        last = crypto.get_cell("BTC-USD", "last")
        assert last.plain == "58,000.00"
        assert (last.style == flash) is not low_bandwidth
        if not low_bandwidth:
            app.main_screen.apply(_with_btc_at(app.snapshot, 60_000.0))
            assert crypto.get_cell("BTC-USD", "last").style == styles.flash_up
        assert touched >= 1
        await pilot.pause(1.3)
        assert crypto.get_cell("BTC-USD", "last").style != flash


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (160, 48)])
async def test_each_pane_gets_columns_that_fit_its_own_width(size: tuple[int, int]) -> None:
    """Tables fill once laid out, hidden panes included: no clipped column, no second build."""
    app = frozen_demo_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_data(app)
        for key, pane in (("1", "indices"), ("2", "metals"), ("3", "crypto")):
            await pilot.press(key)
            await pilot.pause()
            quotes = table(app, pane)
            assert quotes.row_count == len(app.snapshot.pane(pane).quotes)
            assert {"name", "last", "pct"} <= set(quotes.visible_columns)
            used = sum(c.get_render_width(quotes) for c in quotes.columns.values())
            assert 0 < used <= quotes.size.width
            # Built once, for this width: the start-up wrote each cell once (a restyle writes
            # every cell once; a build for a guessed width, then the real one, wrote twice).
            at_start = quotes.cells_touched
            quotes.restyle()
            assert quotes.cells_touched - at_start == at_start


async def test_start_up_ends_once_the_first_prices_are_painted() -> None:
    app = frozen_demo_app()
    ended: list[int] = []
    app.on_first_prices = lambda: ended.append(app.applied)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(app)
        await pilot.pause()
        assert ended == [1]  # after the first update with prices, and only once
        app._changed()
        await pilot.pause(0.4)
        assert ended == [1]


class _Cyclic:
    """An object in a reference cycle (weakly referenceable, unlike a list)."""

    def __init__(self, ring: list[object]) -> None:
        self.ring = ring
        ring.append(self)


def test_a_collector_resumed_at_the_cached_paint_still_gets_its_full_pass_and_freeze() -> None:
    gc.disable()
    try:
        garbage: list[object] = []
        garbage.append(garbage)  # a cycle: only the collector frees it
        probe = weakref.ref(_Cyclic(garbage))
        del garbage
        resume_collector()  # the cached board is painted: start-up frozen, no scan
        assert gc.isenabled() and gc.get_freeze_count() > 0
        gc.collect()
        assert probe() is not None  # frozen: no pass sees it yet
        end_startup_pause()  # the live prices are painted: the full pass, then the freeze
        assert probe() is None
        assert gc.isenabled() and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.enable()
    resume_collector()  # not paused by the CLI: changes nothing
    end_startup_pause()
    assert gc.get_freeze_count() == 0


def test_end_startup_pause_collects_freezes_and_resumes_the_collector() -> None:
    gc.disable()
    try:
        end_startup_pause()
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.enable()
    end_startup_pause()  # not paused: changes nothing
    assert gc.get_freeze_count() == 0


async def test_an_update_due_while_the_app_shuts_down_is_dropped() -> None:
    """An engine answer can schedule a screen update just before quitting; when it runs, the
    screens' widgets are gone. It must be dropped, not crash the exit (seen once in CI)."""
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)):
        await wait_for_data(app)
        applied = app.applied
    app._changed_since_apply = True  # an answer arrived as the app was closing
    app._apply()  # the widgets are gone: without the guard, NoMatches from the main screen
    assert app.applied == applied
