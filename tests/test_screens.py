"""Headless tests of the detail, help and headlines screens."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.app import App
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Label, Static
from textual_plotext import PlotextPlot

from tui.data.snapshot import Headline, MarketSnapshot, PaneSnapshot, Quote, StaleReason
from tui.messages import SnapshotUpdated
from tui.screens.detail import DetailScreen
from tui.screens.headlines import HeadlinesScreen, LinkScreen
from tui.screens.help import HelpScreen

TCSS = Path(__file__).resolve().parent.parent / "tui" / "screens" / "screens.tcss"
NOW = datetime(2026, 3, 16, 15, 0, tzinfo=UTC)
HOSTILE = "Gold [bold]x[/] [@click=app.quit]q[/]"


def fixed_now() -> datetime:
    return NOW


def series(start: datetime, values: list[float]) -> tuple[tuple[float, ...], tuple[datetime, ...]]:
    return tuple(values), tuple(start + timedelta(minutes=5 * i) for i in range(len(values)))


def make_snapshot(
    *, extra_headline: Headline | None = None, gold_last: float = 2345.6
) -> MarketSnapshot:
    values, times = series(NOW - timedelta(hours=2), [2330.0, 2335.5, 2341.0, 2338.2, gold_last])
    gold = Quote(
        pane="metals",
        group="Futures",
        symbol="GC=F",
        name="Gold futures",
        source="yahoo",
        currency="USD",
        last=gold_last,
        prev_close=2330.1,
        change=round(gold_last - 2330.1, 2),
        change_pct=(gold_last - 2330.1) / 2330.1 * 100,
        day_high=2350.0,
        day_low=2325.0,
        range_pos=0.826,
        as_of=NOW - timedelta(minutes=3),
        stale_reason=StaleReason.OLD,
        series=values,
        series_time=times,
    )
    spot = Quote(
        pane="metals",
        group="Spot",
        symbol="XAU",
        name="Gold spot",
        source="goldapi",
        currency="USD",
        last=2344.1,
        prev_close=None,
        change=None,
        change_pct=None,
        day_high=2344.1,
        day_low=2344.1,
        range_pos=None,
        as_of=NOW - timedelta(seconds=20),
        stale_reason=StaleReason.CLOSED,
    )
    btc_values, btc_times = series(NOW - timedelta(hours=1), [64000.0, 63500.0, 63010.5])
    btc = Quote(
        pane="crypto",
        group="Crypto",
        symbol="BTC-USD",
        name="Bitcoin",
        source="coinbase",
        currency="USD",
        last=63010.5,
        prev_close=64100.0,
        change=-1089.5,
        change_pct=-1.6997,
        day_high=64200.0,
        day_low=62900.0,
        range_pos=0.085,
        as_of=NOW - timedelta(seconds=5),
        stale_reason=StaleReason.FAILING,
        series=btc_values,
        series_time=btc_times,
    )
    headlines = [
        Headline(HOSTILE, "Reuters", NOW - timedelta(minutes=4), "https://x/1", ("GC=F", "XAU")),
        Headline("Bitcoin slides", "CoinDesk", NOW - timedelta(minutes=30), "", ("BTC-USD",)),
        Headline("Stocks drift", "CNBC", NOW - timedelta(days=2), "https://x/3", ()),
    ]
    if extra_headline is not None:
        headlines.append(extra_headline)
    return MarketSnapshot(
        generated_at=NOW,
        demo=True,
        panes=(
            PaneSnapshot("metals", ("Futures", "Spot"), (gold, spot)),
            PaneSnapshot("crypto", ("Crypto",), (btc,)),
        ),
        headlines=tuple(headlines),
    )


class Host(App[None]):
    """A bare app that opens the screen under test over its default screen."""

    CSS_PATH = str(TCSS)

    def __init__(self, factory: Callable[[], Screen[None]]) -> None:
        super().__init__()
        self.factory = factory

    def on_mount(self) -> None:
        self.push_screen(self.factory())


def screen_text(app: App[None]) -> str:
    """What the terminal would show for the active screen, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def label_text(screen: Widget, selector: str) -> str:
    widget = screen.query_one(selector, Static)
    return str(widget.visual)


def detail(symbol: str, pane: str = "metals", snapshot: MarketSnapshot | None = None) -> Host:
    snap = snapshot or make_snapshot()
    return Host(lambda: DetailScreen(snap, pane, symbol, fixed_now))


# --- detail ------------------------------------------------------------------------------


async def test_detail_shows_formatted_stats_and_stale_reason() -> None:
    app = detail("GC=F")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        assert label_text(screen, "#stat-last") == "2,345.60"
        assert label_text(screen, "#stat-prev") == "2,330.10"
        assert label_text(screen, "#stat-change") == "+15.50"
        assert label_text(screen, "#stat-pct") == "+0.67%"
        assert label_text(screen, "#stat-high") == "2,350.00"
        assert label_text(screen, "#stat-low") == "2,325.00"
        assert label_text(screen, "#stat-range") == "83%"
        assert label_text(screen, "#stat-asof") == "14:57:00 (3m ago)"
        assert label_text(screen, "#stat-currency") == "USD"
        assert label_text(screen, "#stat-source") == "yahoo"
        assert label_text(screen, "#stat-stale") == "delayed: older than the source's refresh"
        assert screen.query_one("#stat-change", Label).has_class("up")
        assert screen.query_one("#stat-asof", Label).has_class("stale")
        assert screen.query_one("#detail-demo").display
        text = screen_text(app)
        assert "Gold futures" in text and "GC=F" in text and "via yahoo" in text
        assert "DEMO" in text
        assert "delayed: older than the source's" in text  # wrapped in the stats grid
        plot = screen.query_one(PlotextPlot)
        assert plot.display
        assert not screen.query_one("#detail-no-series").display
        assert "13:00" in text  # the first x tick, in local time (UTC here)


async def test_detail_down_move_and_failing_source() -> None:
    app = detail("BTC-USD", pane="crypto")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#stat-change", Label).has_class("down")
        assert label_text(screen, "#stat-pct") == "-1.70%"
        assert label_text(screen, "#stat-stale") == "source failing: showing the last good value"
        assert "Bitcoin slides" in screen_text(app)


async def test_detail_related_headlines_only() -> None:
    app = detail("GC=F")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        listing = label_text(app.screen, "#detail-headlines-list")
        assert HOSTILE in listing
        assert "Reuters" in listing and "4m" in listing
        assert "Bitcoin slides" not in listing
        assert "Stocks drift" not in listing


async def test_detail_empty_series_and_no_headlines() -> None:
    snap = dataclasses.replace(make_snapshot(), headlines=())
    app = detail("XAU", snapshot=snap)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert not screen.query_one(PlotextPlot).display
        assert label_text(screen, "#detail-no-series") == "No intraday series from goldapi"
        assert label_text(screen, "#stat-change") == "—"
        assert label_text(screen, "#stat-range") == "—"
        assert label_text(screen, "#stat-stale") == "market closed"
        text = screen_text(app)
        assert "No intraday series from goldapi" in text
        assert "No related headlines" in text


async def test_detail_hostile_title_is_literal_and_harmless() -> None:
    app = detail("GC=F")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "[bold]x[/] [@click=app.quit]q[/]" in screen_text(app)
        await pilot.click("#detail-headlines-list")
        await pilot.pause()
        assert app.is_running
        assert isinstance(app.screen, DetailScreen)


async def test_detail_escape_returns_to_previous_screen() -> None:
    app = detail("GC=F")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        base = app.screen_stack[0]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is base
        assert app.is_running


async def test_detail_updates_without_redrawing_an_unchanged_chart() -> None:
    app = detail("GC=F")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        redraws: list[None] = []
        plot = screen.query_one(PlotextPlot)
        original = plot.plt.clear_figure

        def counting() -> None:
            redraws.append(None)
            original()

        plot.plt.clear_figure = counting  # type: ignore[method-assign]
        extra = Headline("Gold hits a record", "FT", NOW - timedelta(minutes=1), "", ("GC=F",))
        screen.post_message(SnapshotUpdated(make_snapshot(extra_headline=extra)))
        await pilot.pause()
        assert redraws == []  # same series: the chart is left alone
        assert "Gold hits a record" in label_text(screen, "#detail-headlines-list")

        screen.post_message(SnapshotUpdated(make_snapshot(gold_last=2360.0)))
        await pilot.pause()
        assert len(redraws) == 1
        assert label_text(screen, "#stat-last") == "2,360.00"
        assert label_text(screen, "#stat-change") == "+29.90"

        app.theme = "textual-light"  # the line colours follow the theme: one more redraw
        await pilot.pause()
        assert len(redraws) == 2


# --- help --------------------------------------------------------------------------------

BINDINGS = [("q", "Quit"), ("?", "This help"), ("enter", "Open the detail view")]


@pytest.mark.parametrize("key", ["escape", "question_mark", "q"])
async def test_help_lists_bindings_and_closes(key: str) -> None:
    app = Host(lambda: HelpScreen(BINDINGS))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for shown, description in BINDINGS:
            assert shown in text and description in text
        assert "closed" in text and "source is failing" in text and "delayed" in text
        await pilot.press(key)
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        assert app.is_running


# --- headlines ---------------------------------------------------------------------------

NAMES = {"GC=F": "Gold futures", "XAU": "Gold spot", "BTC-USD": "Bitcoin"}


def headlines_app(snapshot: MarketSnapshot | None = None) -> Host:
    snap = snapshot or make_snapshot()
    return Host(lambda: HeadlinesScreen(snap, fixed_now, NAMES))


def table_of(app: App[None]) -> DataTable[object]:
    return app.screen.query_one("#headlines-table", DataTable)


async def test_headlines_table_rows_and_cells() -> None:
    app = headlines_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = table_of(app)
        assert table.row_count == 3
        first = [str(cell) for cell in table.get_row_at(0)]
        assert first == ["4m", "14:56", "Reuters", HOSTILE, "Gold futures, Gold spot"]
        last = [str(cell) for cell in table.get_row_at(2)]
        assert last[:3] == ["2d", "2026-03-14", "CNBC"]
        assert "[@click=app.quit]q[/]" in screen_text(app)
        assert app.is_running


async def test_headlines_update_adds_one_row_without_clearing() -> None:
    app = headlines_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = table_of(app)

        def no_clear(columns: bool = False) -> DataTable[object]:
            raise AssertionError("the table must not be cleared on update")

        table.clear = no_clear  # type: ignore[method-assign]
        keys_before = set(table.rows)
        extra = Headline("Silver jumps", "Reuters", NOW - timedelta(minutes=1), "", ("XAU",))
        app.screen.post_message(SnapshotUpdated(make_snapshot(extra_headline=extra)))
        await pilot.pause()
        assert table.row_count == 4
        assert keys_before < set(table.rows)
        assert str(table.get_row_at(0)[3]) == "Silver jumps"  # newest first

        app.screen.post_message(SnapshotUpdated(dataclasses.replace(make_snapshot(), headlines=())))
        await pilot.pause()
        assert table.row_count == 0


async def test_headlines_enter_shows_link_and_escape_closes() -> None:
    app = headlines_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("down", "enter")  # the second row: a simulated headline without a URL
        await pilot.pause()
        assert isinstance(app.screen, LinkScreen)
        assert "no link (simulated)" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HeadlinesScreen)
        await pilot.press("up", "enter")
        await pilot.pause()
        assert "https://x/1" in screen_text(app)
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert app.is_running
