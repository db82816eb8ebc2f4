"""The detail view of one instrument: intraday chart, every number behind its row, its news.

Untrusted strings (names, sources, headline titles) go into widgets as plain ``Text`` or with
``markup=False`` so that a ``[bold]`` or ``[@click=…]`` in them is shown, never interpreted.
Colours come from ``screens.tcss`` classes (``up``/``down``/``stale``), never from hex values.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.color import Color
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.theme import Theme
from textual.timer import Timer
from textual.widgets import Footer, Label, Static
from textual_plotext import PlotextPlot

from tui import format as fmt
from tui.data.sigma import is_rate
from tui.data.snapshot import MarketSnapshot, Quote, StaleReason
from tui.messages import SnapshotUpdated
from tui.screens.detail_bars import bars_line, draw_candles
from tui.screens.detail_parts import (
    direction,
    find_quote,
    finite_points,
    last_error,
    local,
    local_clock,
    reference_label,
    related_headlines,
    series_key,
    theme_rgb,
)
from tui.screens.lifecycle import RELEASED, release
from widgets.theme_styles import FEW_COLOURS, cell_styles, color_system

if TYPE_CHECKING:
    from tui.data.bars import BarBook, Bars

STALE_TEXT: dict[StaleReason, str] = {
    StaleReason.CLOSED: "market closed",
    StaleReason.OLD: "delayed: older than the source's refresh",
    StaleReason.FAILING: "source failing: showing the last good value",
    StaleReason.CACHED: "cached: the last known price from a previous run",
}

# (id suffix, label) of the stats panel rows, in display order.
STATS: tuple[tuple[str, str], ...] = (
    ("last", "Last"),
    ("prev", "Previous close"),
    ("change", "Change"),
    ("pct", "Change %"),
    ("high", "Day high"),
    ("low", "Day low"),
    ("range", "Range position"),
    ("sigma", "σ-move"),
    ("vol", "60-day σ"),
    ("range52", "52-week range"),
    ("asof", "As of"),
    ("currency", "Currency"),
    ("source", "Source"),
    ("stale", "Status"),
    ("error", "Last error"),
)

# Ages are re-rendered this often so they keep counting between snapshots.
AGE_REFRESH_SECONDS = 5.0
# At most this many time labels on the chart's x axis, so they never overlap.
MAX_X_TICKS = 6


class Chart(PlotextPlot):
    """textual-plotext's plot, minus its leak: it subscribes to the app's theme signal and
    never unsubscribes, so every chart ever shown stayed alive with its render caches."""

    def on_unmount(self) -> None:
        release(self)


class DetailScreen(Screen[None]):
    """Everything known about one instrument, kept current as snapshots arrive."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Back"),
        Binding("j,down", "step(1)", "Next", key_display="j/↓"),
        Binding("k,up", "step(-1)", "Previous", key_display="k/↑"),
        Binding("q", "dismiss", "Back", show=False),  # q quits only from the main screen
    ]

    def __init__(
        self,
        snapshot: MarketSnapshot,
        pane: str,
        symbol: str,
        now: Callable[[], datetime],
        bars: BarBook | None = None,
    ) -> None:
        super().__init__(classes="detail-screen")
        self.snapshot = snapshot
        self.pane_name = pane
        self.symbol = symbol
        self._now = now
        # Kept when a later snapshot lacks the symbol, so the view never goes blank.
        self.quote: Quote | None = find_quote(snapshot, pane, symbol)
        self._drawn_key: tuple[object, ...] | None = None
        # Live Yahoo only: the v8 chart's OHLC bars, asked for while this view is open.
        self._bar_book = bars
        self._ages: Timer | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="detail-title"):
            yield Label(id="detail-name", markup=False)
            yield Label(id="detail-symbol", markup=False)
            yield Label(id="detail-source", markup=False)
            yield Label("DEMO", id="detail-demo", classes="demo-badge")
        with Horizontal(id="detail-body"):
            with Vertical(id="detail-chart-box"):
                yield Chart(id="detail-chart")
                yield Static(id="detail-no-series", markup=False)
                yield Static(id="detail-bars", markup=False)
            with Grid(id="detail-stats"):
                for key, label in STATS:
                    yield Label(label, id=f"label-{key}", classes="stat-label")
                    yield Label(id=f"stat-{key}", classes="stat-value", markup=False)
        yield Label("Related headlines", id="detail-headlines-title")
        with VerticalScroll(id="detail-headlines"):
            yield Static(id="detail-headlines-list", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._on_theme_changed)
        self._render_title()
        self._render_stats()
        self._render_headlines()
        self._redraw_chart()
        self._load_bars()
        self._ages = self.set_interval(AGE_REFRESH_SECONDS, self._refresh_ages)

    def on_unmount(self) -> None:
        """Give back the theme subscription, the timer and the snapshot: closed, it is freed."""
        release(self, self._ages)
        self.snapshot = RELEASED
        self.quote = None
        self._bar_book = None

    def on_snapshot_updated(self, message: SnapshotUpdated) -> None:
        """Re-render from the new snapshot; the chart only when its data changed."""
        message.stop()
        self.snapshot = message.snapshot
        quote = find_quote(message.snapshot, self.pane_name, self.symbol)
        if quote is not None:
            self.quote = quote
        if not self.is_mounted:
            return  # on_mount renders from what was just stored
        self._render_title()
        self._render_stats()
        self._render_headlines()
        if self._chart_key() != self._drawn_key:
            self._redraw_chart()
        self._load_bars()

    def action_step(self, step: int) -> None:
        """The next or previous instrument of the pane, without leaving the view."""
        pane = self.snapshot.pane(self.pane_name)
        symbols = [q.symbol for q in pane.quotes] if pane is not None else []
        if not symbols:
            return
        here = symbols.index(self.symbol) if self.symbol in symbols else -step
        self.symbol = symbols[(here + step) % len(symbols)]
        self.quote = find_quote(self.snapshot, self.pane_name, self.symbol)
        self._render_title()
        self._render_stats()
        self._render_headlines()
        self._redraw_chart()
        self._load_bars()

    def _on_theme_changed(self, _theme: Theme) -> None:
        """The line colours come from the theme, so a theme switch redraws the chart."""
        self._redraw_chart()

    def _refresh_ages(self) -> None:
        self._render_stats()
        self._render_headlines()
        self._load_bars()

    # --- OHLC bars (tui/data/bars.py) ------------------------------------------------------

    def _book_for_symbol(self) -> BarBook | None:
        """The bar book when this row's prices come from its source (live Yahoo), else None."""
        book, quote = self._bar_book, self.quote
        if book is None or quote is None or not book.serves(quote.source):
            return None
        return book

    def _shown_bars(self) -> Bars | None:
        book = self._book_for_symbol()
        return book.state(self.symbol).bars if book is not None else None

    def _load_bars(self) -> None:
        """Ask for the bars when the book says they are due (at most every 60 s), in a worker;
        re-render the line either way so ages and countdowns move."""
        book = self._book_for_symbol()
        line = self.query_one("#detail-bars", Static)
        line.display = book is not None
        if book is None:
            return
        if book.due(self.symbol):
            # exit_on_error off: a bars request that fails oddly must not take the app down.
            self.run_worker(self._fetch_bars(book, self.symbol), group="bars", exit_on_error=False)
        self._render_bars(book, loading=True)

    async def _fetch_bars(self, book: BarBook, symbol: str) -> None:
        await book.get(symbol)
        if self.is_mounted and symbol == self.symbol and self._bar_book is book:
            self._render_bars(book, loading=False)
            if self._chart_key() != self._drawn_key:
                self._redraw_chart()

    def _render_bars(self, book: BarBook, *, loading: bool) -> None:
        places = fmt.quote_decimals(self.quote) if self.quote is not None else None
        state = book.state(self.symbol)
        text = bars_line(state, book.clock.monotonic(), places, local, loading)
        self.query_one("#detail-bars", Static).update(text)

    # --- rendering -------------------------------------------------------------------------

    def _render_title(self) -> None:
        quote = self.quote
        self.query_one("#detail-name", Label).update(Text(quote.name if quote else self.symbol))
        self.query_one("#detail-symbol", Label).update(Text(self.symbol))
        source = quote.source if quote and quote.source else "no source"
        self.query_one("#detail-source", Label).update(Text(f"via {source}"))
        self.query_one("#detail-demo", Label).display = self.snapshot.demo

    def _set_stat(self, key: str, value: str, css: str | None = None) -> None:
        label = self.query_one(f"#stat-{key}", Label)
        label.update(Text(value))
        label.set_classes(f"stat-value {css}" if css else "stat-value")
        # On an 8/16-colour terminal the theme's up/down colours turn grey: use the table's.
        direction = None
        if css in ("up", "down") and color_system(self.app) in FEW_COLOURS:
            styles = cell_styles(self.app)
            direction = (styles.up if css == "up" else styles.down).color
        label.styles.color = Color.from_rich_color(direction) if direction else None

    def _render_stats(self) -> None:
        quote = self.quote
        now = self._now()
        if quote is None:
            for key, _ in STATS:
                self._set_stat(key, "—")
            self._set_stat("stale", f"{self.symbol} is not in the current snapshot", "stale")
            return
        move = direction(quote.change)
        places = fmt.quote_decimals(quote)
        self.query_one("#label-prev", Label).update(reference_label(quote))
        self._set_stat("last", fmt.marked(fmt.price(quote.last, places), quote.marks))
        self._set_stat("prev", fmt.price(quote.prev_close, places))
        change = fmt.change(quote.change, places)
        if quote.change_bp is not None:  # a yield: the move in basis points too
            change += f" ({fmt.basis_points(quote.change_bp)})"
        self._set_stat("change", change, move)
        self._set_stat("pct", fmt.percent(quote.change_pct), move)
        self._set_stat("high", fmt.price(quote.day_high, places))
        self._set_stat("low", fmt.price(quote.day_low, places))
        pos = quote.range_pos
        self._set_stat(
            "range", f"{pos * 100:.0f}%" if pos is not None and math.isfinite(pos) else "—"
        )
        self._set_stat("sigma", fmt.sigma(quote.sigma), direction(quote.sigma))
        unit = " bp" if is_rate(quote.pane, quote.symbol) else "%"
        vol = quote.sigma_daily
        self._set_stat("vol", f"{vol:.2f}{unit} a day" if vol is not None else "—")
        pos52 = quote.range_52w_pos
        self._set_stat(
            "range52",
            f"{pos52 * 100:.0f}% (0 = low, 100 = high close)" if pos52 is not None else "—",
        )
        age = fmt.age_between(quote.as_of, now)
        as_of = local_clock(quote.as_of, now)
        delayed = quote.stale_reason is StaleReason.OLD
        self._set_stat(
            "asof",
            (f"{as_of} ({age} ago)" if age != fmt.AHEAD else f"{as_of} (ahead of the clock)")
            if quote.as_of
            else "—",
            "stale" if delayed else None,
        )
        self._set_stat("currency", quote.currency or "—")
        self._set_stat("source", quote.source or "—")
        error = last_error(self.snapshot, quote)
        self._set_stat("error", error or "—", "stale" if error else None)
        if not quote.has_data:
            self._set_stat("stale", "no data from any source", "stale")
        elif quote.stale_reason is None:
            self._set_stat("stale", "up to date")
        else:
            self._set_stat("stale", STALE_TEXT[quote.stale_reason], "stale")

    def _render_headlines(self) -> None:
        now = self._now()
        lines: list[Text] = []
        for headline in related_headlines(self.snapshot, self.symbol):
            line = Text()
            line.append(f"{fmt.age_between(headline.published, now):>4}", style="bold")
            line.append("  ")
            line.append(headline.source, style="italic")
            line.append("  ")
            line.append(headline.title)
            lines.append(line)
        body = Text("\n").join(lines) if lines else Text("No related headlines", style="italic")
        self.query_one("#detail-headlines-list", Static).update(body)

    def _chart_key(self) -> tuple[object, ...]:
        """What the chart depends on: redrawing is skipped when this has not changed."""
        return (series_key(self.quote), self._shown_bars())

    def _redraw_chart(self) -> None:
        quote = self.quote
        self._drawn_key = self._chart_key()
        plot = self.query_one("#detail-chart", PlotextPlot)
        empty = self.query_one("#detail-no-series", Static)
        bars = self._shown_bars()
        if bars is not None:  # the v8 chart's bars: candles, and their closes for the ticks
            points = [(b.time, b.close) for b in bars.complete]
        else:
            points = finite_points(quote)
        if quote is None or not points:
            source = quote.source if quote and quote.source else "any source"
            empty.update(Text(f"No intraday series from {source}"))
            empty.display = True
            plot.display = False
            return
        empty.display = False
        plot.display = True
        plt = plot.plt
        plt.clear_figure()
        xs = [t.timestamp() for t, _ in points]
        ys = [v for _, v in points]
        last = ys[-1]
        theme = self.app.theme_variables
        if quote.prev_close is not None and math.isfinite(quote.prev_close):
            up = last >= quote.prev_close
            muted = theme_rgb(theme, "warning")
            plt.hline(quote.prev_close, color=muted)
            # Labelled, so the reference line is not read as part of the frame.
            plt.text(
                reference_label(quote).lower(),
                x=xs[0],
                y=quote.prev_close,
                color=muted,
                alignment="left",
            )
        else:
            up = last >= ys[0]
        if bars is not None:
            drawn = draw_candles(plt, bars, theme_rgb(theme, "success"), theme_rgb(theme, "error"))
        else:
            colour = theme_rgb(theme, "success" if up else "error")
            plt.plot(xs, ys, marker="braille", color=colour)
            drawn = ys
        # Keep the previous close in view (plotext's limits follow the data only) with headroom.
        bounds = [*drawn, quote.prev_close] if quote.prev_close is not None else drawn
        low, high = min(bounds), max(bounds)
        pad = (high - low) * 0.05 or abs(high) * 0.001 or 1.0
        plt.ylim(low - pad, high + pad)
        ticks = [low - pad + (high - low + 2 * pad) * i / 4 for i in range(5)]
        places = fmt.quote_decimals(quote)
        plt.yticks(ticks, [fmt.price(t, places) for t in ticks])  # 66,923.20, not 66923.2
        step = max(1, math.ceil(len(points) / MAX_X_TICKS))
        picks = list(range(0, len(points), step))
        plt.xticks([xs[i] for i in picks], [local(points[i][0]).strftime("%H:%M") for i in picks])
        plot.refresh()
