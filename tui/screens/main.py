"""The main screen: four panes (indices, metals, crypto, headlines), a tape and a status line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical
from textual.events import DescendantFocus, Resize
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from tui.data.snapshot import MarketSnapshot, SourceHealth
from tui.layout import Layout, layout_for
from tui.messages import OpenDetail
from tui.pane_filter import arrange_subset
from widgets.market_header import MarketHeader
from widgets.news_table import NewsTable
from widgets.quote_table import SORT_CYCLE, QuoteTable, SortMode
from widgets.share_badge import ShareBadge
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
        panes: Sequence[str] | None = None,
    ) -> None:
        super().__init__()
        # --pane: the ordered list of panes this instance shows (tui/pane_filter.py).
        self.panes = tuple((k, t) for k, t in PANES if panes is None or k in panes)
        if panes is not None:
            self.panes = tuple(sorted(self.panes, key=lambda p: list(panes).index(p[0])))
        self.subset = panes is not None
        self.now = now
        self.demo = demo
        self.low_bandwidth = low_bandwidth
        self.animated = animate
        self.sort_mode = SortMode.REGION
        self.active_pane = self.panes[0][0]
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
            for key, title in self.panes:
                pane = Vertical(id=f"pane-{key}", classes="pane")
                pane.border_title = title
                with pane:
                    if key == "news":
                        yield NewsTable(id="table-news")
                    else:
                        yield QuoteTable(flash=not self.low_bandwidth, id=f"table-{key}")
        yield Static(id="too-small")
        yield HeadlineTape(now=self.now, step_mode=self.low_bandwidth, animate=self.animated)
        yield ShareBadge(now=self.now, animate=self.animated)  # shown only with [share]
        yield SourceStatusBar(now=self.now, animate=self.animated)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self._update_subtitles()
        self._relayout(self.size.width, self.size.height)
        self.query_one(f"#table-{self.active_pane}").focus()
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
        shown = {key for key, _ in self.panes}
        for pane in snapshot.panes:
            if pane.name in shown:
                table = self.query_one(f"#table-{pane.name}", QuoteTable)
                touched += table.update_quotes(pane.quotes, now)
        for news in self.query(NewsTable):
            touched += news.update_headlines(snapshot.headlines, now, self._names)
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
        self.query_one(MarketHeader).offline = bool(quote_sources) and all(
            s.health is SourceHealth.OFFLINE for s in quote_sources
        )
        return touched

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
        for news in self.query(NewsTable):
            news.restyle(self.now())

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
        if self.subset:
            self._arrange_subset(mode)
        self.query_one("#too-small", Static).update(
            Text(
                f"marketmon needs at least 50×12; this terminal is {width}×{height}.\n"
                "Enlarge the window or the tmux pane.",
                justify="center",
            )
        )
        self._show_active()

    def _arrange_subset(self, mode: Layout) -> None:
        """--pane: the layout's grid for the chosen panes (inline styles beat the CSS)."""
        keys = tuple(key for key, _ in self.panes)
        columns, rows, spanning = arrange_subset(keys, mode.value)
        self.query_one("#panes").set_styles(
            f"grid-size: {columns} {rows}; grid-columns: 1fr; "
            f"grid-rows: {'2fr 1fr' if spanning else '1fr'};"
        )
        for key in keys:
            self.query_one(f"#pane-{key}").styles.column_span = columns if key == spanning else 1
        if len(keys) == 1:
            self.query_one("#pane-tabs").styles.display = "none"

    def _show_active(self) -> None:
        for key, _ in self.panes:
            self.query_one(f"#pane-{key}").set_class(key == self.active_pane, "-active")
        tabs = Text()
        number = {key: i for i, (key, _) in enumerate(PANES, start=1)}  # the keys 1-4
        for key, _title in self.panes:
            i = number[key]
            style = "reverse bold" if key == self.active_pane else ""
            tabs.append(f" {i} {SHORT_TITLES[key]} ", style=style)
        tabs.append("  Tab/1-4 switch", style="dim")
        self.query_one("#pane-tabs", Static).update(tabs)

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        for key, _ in self.panes:
            pane = self.query_one(f"#pane-{key}")
            if event.widget in pane.walk_children() or event.widget is pane:
                if key != self.active_pane:
                    self.active_pane = key
                    self._show_active()
                return

    # --- actions ----------------------------------------------------------------------------

    def action_focus_pane(self, key: str) -> None:
        if key not in {k for k, _ in self.panes}:
            return  # not shown (--pane)
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
        for key, _ in self.panes:
            if key == "news":
                continue
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
