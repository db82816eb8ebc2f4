"""The main screen: four panes (indices, metals, crypto, headlines), a tape and a status line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical
from textual.events import DescendantFocus, Resize
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from tui.data.clock_truth import clock_warning
from tui.data.snapshot import MarketSnapshot, SourceHealth
from tui.layout import Layout, layout_for
from tui.messages import OpenDetail
from widgets.footer import Footer
from widgets.market_header import MarketHeader
from widgets.news_table import NewsTable
from widgets.quote_table import SORT_CYCLE, QuoteTable, SortMode
from widgets.status_bar import SourceStatusBar
from widgets.tape import HeadlineTape, TapeItem

PANES: tuple[tuple[str, str], ...] = (
    ("indices", "Global indices"),
    ("metals", "Metals"),
    ("crypto", "Crypto"),
    ("news", "Headlines"),
)
SHORT_TITLES = {"indices": "Indices", "metals": "Metals", "crypto": "Crypto", "news": "News"}


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "focus_pane('indices')", "Indices", show=False),
        Binding("2", "focus_pane('metals')", "Metals", show=False),
        Binding("3", "focus_pane('crypto')", "Crypto", show=False),
        Binding("4", "focus_pane('news')", "News", show=False),
        Binding("s", "cycle_sort", "Sort"),
        Binding("slash", "open_filter", "Filter", key_display="/"),
        Binding("n", "headlines", "Headlines"),
    ]

    def __init__(
        self,
        *,
        now: Callable[[], datetime],
        demo: bool,
        low_bandwidth: bool,
        animate: bool,
    ) -> None:
        super().__init__()
        self.now = now
        self.demo = demo
        self.low_bandwidth = low_bandwidth
        self.animated = animate
        self.sort_mode = SortMode.REGION
        self.active_pane = "indices"
        self.snapshot: MarketSnapshot | None = None
        self.layout_mode = Layout.WIDE
        self._laid_out_for: tuple[int, int] | None = None
        self._names: dict[str, str] = {}
        self.ready = False  # set once composed: snapshots that arrive earlier wait for it
        self.on_ready: Callable[[], None] | None = None  # the app applies a waiting snapshot

    def compose(self) -> ComposeResult:
        yield MarketHeader(
            now=self.now, demo=self.demo, seconds=not self.low_bandwidth, animate=self.animated
        )
        yield Input(placeholder="filter by name or symbol (Enter keeps, Esc clears)", id="filter")
        yield Static(id="pane-tabs")
        with Container(id="panes"):
            for key, title in PANES:
                pane = Vertical(id=f"pane-{key}", classes="pane")
                pane.border_title = title
                with pane:
                    if key == "news":
                        yield NewsTable(id="table-news")
                    else:
                        yield QuoteTable(flash=not self.low_bandwidth, id=f"table-{key}")
        yield Static(id="too-small")
        yield HeadlineTape(now=self.now, step_mode=self.low_bandwidth, animate=self.animated)
        yield SourceStatusBar(now=self.now, animate=self.animated)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self._update_subtitles()
        self._relayout(self.size.width, self.size.height)
        self.query_one("#table-indices", QuoteTable).focus()
        self.ready = True
        if self.on_ready is not None:
            self.on_ready()

    # --- data -------------------------------------------------------------------------------

    def apply(self, snapshot: MarketSnapshot) -> int:
        """Show ``snapshot``; return the number of table cells written."""
        self.snapshot = snapshot
        now = self.now()
        self._names = {q.symbol: q.name for q in snapshot.quotes}
        touched = 0
        for pane in snapshot.panes:
            table = self.query_one(f"#table-{pane.name}", QuoteTable)
            touched += table.update_quotes(pane.quotes, now)
        touched += self.query_one(NewsTable).update_headlines(snapshot.headlines, now, self._names)
        self.query_one(HeadlineTape).set_items(
            [
                TapeItem(
                    title=h.title,
                    source=h.source,
                    published=h.published,
                    related=tuple(self._names.get(s, s) for s in h.related),
                )
                for h in snapshot.headlines[:30]
            ]
        )
        self.query_one(SourceStatusBar).update_sources(snapshot.sources)
        quote_sources = [s for s in snapshot.sources if s.name != "headlines"]
        header = self.query_one(MarketHeader)
        header.offline = bool(quote_sources) and all(
            s.health is SourceHealth.OFFLINE for s in quote_sources
        )
        header.clock_warning = clock_warning(snapshot.clock_offset) or ""
        return touched

    def set_notice(self, text: str | None) -> None:
        """An error that is not a source's (an unwritable alert log) on the status line."""
        self.query_one(SourceStatusBar).set_notice(text)

    def set_paused(self, paused: bool) -> None:
        self.query_one(MarketHeader).paused = paused
        tape = self.query_one(HeadlineTape)
        if paused:
            tape.pause()
        else:
            tape.resume()

    def _theme_changed(self, _theme: object) -> None:
        for table in self.query(QuoteTable):
            table.restyle()
        self.query_one(NewsTable).restyle(self.now())

    # --- layout -----------------------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        self._relayout(event.size.width, event.size.height)

    def _relayout(self, width: int, height: int) -> None:
        # Textual sends several Resize events of one size (mount, first layout, scrollbars):
        # updating the classes and texts again would only queue more layout refreshes.
        if self._laid_out_for == (width, height):
            return
        self._laid_out_for = (width, height)
        mode = layout_for(width, height)
        for other in Layout:
            self.set_class(other is mode, other.value)
        self.layout_mode = mode
        self.query_one("#too-small", Static).update(
            Text(
                f"marketmon needs at least 50×12; this terminal is {width}×{height}.\n"
                "Enlarge the window or the tmux pane.",
                justify="center",
            )
        )
        self._show_active()

    def _show_active(self) -> None:
        for key, _ in PANES:
            self.query_one(f"#pane-{key}").set_class(key == self.active_pane, "-active")
        tabs = Text()
        for i, (key, _title) in enumerate(PANES, start=1):
            style = "reverse bold" if key == self.active_pane else ""
            tabs.append(f" {i} {SHORT_TITLES[key]} ", style=style)
        tabs.append("  Tab/1-4 switch", style="dim")
        self.query_one("#pane-tabs", Static).update(tabs)

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        for key, _ in PANES:
            pane = self.query_one(f"#pane-{key}")
            if event.widget in pane.walk_children() or event.widget is pane:
                if key != self.active_pane:
                    self.active_pane = key
                    self._show_active()
                return

    # --- actions ----------------------------------------------------------------------------

    def action_focus_pane(self, key: str) -> None:
        self.active_pane = key
        self._show_active()
        self.query_one(f"#table-{key}").focus()

    def action_cycle_sort(self) -> None:
        order = list(SORT_CYCLE)
        self.sort_mode = (
            order[(order.index(self.sort_mode) + 1) % len(order)]
            if (self.sort_mode in order)
            else order[0]
        )
        for table in self.query(QuoteTable):
            table.set_sort(self.sort_mode)
        self._update_subtitles()
        self.notify(f"Sorted by {self.sort_mode.value}", timeout=2)

    def action_open_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def action_headlines(self) -> None:
        from tui.screens.headlines import HeadlinesScreen

        if self.snapshot is not None:
            self.app.push_screen(HeadlinesScreen(self.snapshot, self.now, self._names))

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        for table in self.query(QuoteTable):
            table.set_filter(event.value)
        self._update_subtitles()

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        event.input.display = False
        self.query_one(f"#table-{self.active_pane}").focus()

    def key_escape(self) -> None:
        box = self.query_one("#filter", Input)
        if box.display or box.value:
            box.value = ""
            box.display = False
            self.query_one(f"#table-{self.active_pane}").focus()

    def _update_subtitles(self) -> None:
        box = self.query_one("#filter", Input)
        for key, _ in PANES[:3]:
            parts = [f"sort: {self.sort_mode.value}"]
            if box.value.strip():
                parts.append(f"filter: {box.value.strip()}")
            self.query_one(f"#pane-{key}").border_subtitle = Text(" · ".join(parts)).plain

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        table = event.data_table
        if isinstance(table, QuoteTable) and table.id:
            symbol = event.row_key.value
            if symbol:
                self.post_message(OpenDetail(table.id.removeprefix("table-"), symbol))
