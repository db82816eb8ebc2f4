"""The main screen: the quote panes (indices, metals, crypto, fx, rates, energy), headlines,
a macro strip, a tape and a status line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical
from textual.events import DescendantFocus, Resize, ScreenResume
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from tui.data.clock_truth import clock_warning
from tui.data.errors import ErrorKind
from tui.data.instruments import BASIS_POINT_PANES
from tui.data.sessions import SessionBook
from tui.data.snapshot import MarketSnapshot, SourceHealth
from tui.layout import CHROME_ROWS, Layout, PaneSpec, Plan, plan_layout
from tui.screens.main_filter import GROUP_LABELS, BoardFilter
from tui.screens.pane_fit import chrome_rows, take_rows
from tui.screens.pane_tabs import PANES, tab_line
from widgets.footer import Footer
from widgets.macro_strip import MacroStrip
from widgets.market_header import MarketHeader
from widgets.news_table import NewsTable
from widgets.quote_table import QuoteTable, SortMode
from widgets.status_bar import SourceStatusBar
from widgets.tape import HeadlineTape, TapeItem

if TYPE_CHECKING:
    from tui.data.share import ShareStatus

QUOTE_PANES = tuple(key for key, _ in PANES if key != "news")


class MainScreen(BoardFilter):
    BINDINGS: ClassVar[list[BindingType]] = [
        # First, so the footer keeps it at every width (the app's own ? serves other screens).
        Binding("question_mark", "app.help", "Help", key_display="?"),
        Binding("1", "focus_pane('indices')", "Indices", show=False),
        Binding("2", "focus_pane('metals')", "Metals", show=False),
        Binding("3", "focus_pane('crypto')", "Crypto", show=False),
        Binding("4", "focus_pane('news')", "News", show=False),
        Binding("5", "focus_pane('fx')", "FX", show=False),
        Binding("6", "focus_pane('rates')", "Rates", show=False),
        Binding("7", "focus_pane('energy')", "Energy", show=False),
        Binding("tab", "step_pane(1)", "Next pane", show=False, priority=True),
        Binding("shift+tab", "step_pane(-1)", "Previous pane", show=False, priority=True),
        Binding("s", "cycle_sort", "Sort"),
        Binding("slash", "open_filter", "Filter", key_display="/"),
        Binding("n", "headlines", "Headlines"),
    ]
    AUTO_FOCUS = ""  # on_mount focuses the active pane: not the hidden filter box first

    def __init__(
        self,
        *,
        now: Callable[[], datetime],
        demo: bool,
        low_bandwidth: bool,
        animate: bool,
        share: bool = False,
        sessions: SessionBook | None = None,
        pane_rows: dict[str, int] | None = None,
        panes: Sequence[str] | None = None,
        pane_grouped: dict[str, bool] | None = None,
    ) -> None:
        super().__init__()
        self.sessions = sessions
        # Rows each pane holds (from the config, then from each snapshot): the layout rule
        # sizes the panes by them.
        self.pane_rows: dict[str, int] = dict(pane_rows or {})
        # Panes whose rows fall in more than one group (indices by region, metals by type):
        # only those need a group column, so the others' width goes to σ or the change.
        # From the config at first, so the first layout is the one the first snapshot keeps
        # (a different guess would lay out, and build every table's columns, twice).
        self.pane_grouped: dict[str, bool] = dict(pane_grouped or {})
        self.plan: Plan | None = None
        self._specs: list[PaneSpec] = []
        # --pane: the ordered list of panes this instance shows (tui/pane_filter.py); the
        # layout rule lays out this list, so one pane fills the screen.
        self.panes = tuple((k, t) for k, t in PANES if panes is None or k in panes)
        if panes is not None:
            self.panes = tuple(sorted(self.panes, key=lambda p: list(panes).index(p[0])))
        self.now = now
        self.demo = demo
        self.low_bandwidth = low_bandwidth
        self.animated = animate
        self.share = share  # [share]: the desk line is composed (loaded) only then
        self.sort_mode = SortMode.REGION
        self.active_pane = self.panes[0][0]
        self.snapshot: MarketSnapshot | None = None
        self.layout_mode = Layout.WIDE
        self._laid_out_for: tuple[int, int, str, object, int] | None = None
        self._names: dict[str, str] = {}
        self.ready = False  # set once composed: snapshots that arrive earlier wait for it
        self.on_ready: Callable[[], None] | None = None  # the app applies a waiting snapshot
        self.expect_macro = True  # the macro strip shows until a snapshot without values
        self._resumed = False

    def compose(self) -> ComposeResult:
        yield MarketHeader(
            now=self.now,
            demo=self.demo,
            seconds=not self.low_bandwidth,
            animate=self.animated,
            sessions=self.sessions,
        )
        yield Input(placeholder="filter by name or symbol (Enter keeps, Esc clears)", id="filter")
        yield Static(id="pane-tabs")
        with Container(id="panes"):
            for key, title in self.panes:
                active = " -active" if key == self.active_pane else ""
                pane = Vertical(id=f"pane-{key}", classes="pane" + active)
                pane.border_title = title
                with pane:
                    if key == "news":
                        yield NewsTable(id="table-news")
                    else:
                        yield QuoteTable(
                            flash=not self.low_bandwidth,
                            basis_points=key in BASIS_POINT_PANES,
                            id=f"table-{key}",
                            group_label=GROUP_LABELS.get(key, "Group"),
                        )
        yield Static(id="too-small")
        macro = MacroStrip(id="macro")
        macro.display = self.expect_macro
        yield macro
        yield HeadlineTape(now=self.now, step_mode=self.low_bandwidth, animate=self.animated)
        if self.share:
            from widgets.share_badge import ShareBadge

            yield ShareBadge(now=self.now, animate=self.animated)
        yield SourceStatusBar(now=self.now, animate=self.animated)
        yield Footer()
        # The widgets mount after this: classes set now cost nothing, set later they restyle
        # every widget on the screen (~40 ms at 160x48, before the first frame).
        chrome = CHROME_ROWS + (1 if self.expect_macro else 0)
        width, height = self.app.size
        mode = plan_layout(width, height, self.pane_specs(), self.active_pane, chrome=chrome).mode
        for other in Layout:
            self.set_class(other is mode, other.value)

    def expect(self, snapshot: MarketSnapshot) -> None:
        """The first snapshot is known before compose (the cached board): the screen mounts
        laid out for its rows and its macro strip, the layout the snapshot keeps."""
        shown = {key for key, _ in self.panes}
        take_rows(snapshot, shown, self.pane_rows, self.pane_grouped)
        self.expect_macro = bool(snapshot.macro)

    def on_screen_resume(self, event: ScreenResume) -> None:
        # Runs before Screen's own handler. The first resume follows the mount, which styled
        # every widget a moment ago: restyling them all again (~20 ms at 160x48) before the
        # first frame changes nothing. Later resumes (back from a screen, a theme) do restyle.
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.ready = True
        if self.on_ready is not None:
            # First: the app may apply a snapshot at once (the cached board), which lays the
            # panes out for its rows, headlines and macro strip; laying out for the config's
            # guess before it would build every table's columns twice.
            self.on_ready()
        self._update_subtitles()
        self._relayout(self.size.width, self.size.height)  # a no-op when apply laid out
        self._focus_now(self.query_one(f"#table-{self.active_pane}"))

    # --- data -------------------------------------------------------------------------------

    def apply(self, snapshot: MarketSnapshot, *, flash: bool = True) -> int:
        """Show ``snapshot``; return the number of table cells written."""
        self.snapshot = snapshot
        now = self.now()
        self._names = {q.symbol: q.name for q in snapshot.quotes}
        touched = 0
        not_found = frozenset(
            e.symbol
            for e in snapshot.errors
            if e.symbol
            and e.kind is ErrorKind.NO_DATA
            and (e.status == 404 or "not found" in e.message.casefold())
        )
        shown = {key for key, _ in self.panes}
        take_rows(snapshot, shown, self.pane_rows, self.pane_grouped)
        # First the macro strip (it may appear and take a row), then the layout for these
        # rows and groups (a no-op when nothing changed), then the tables: each is built once.
        self.query_one(MacroStrip).update_values(snapshot.macro, now)
        self._relayout(self.size.width, self.size.height)
        for pane in snapshot.panes:
            if pane.name in shown:
                table = self.query_one(f"#table-{pane.name}", QuoteTable)
                touched += table.update_quotes(pane.quotes, now, flash=flash, not_found=not_found)
        for news in self.query(NewsTable):
            touched += news.update_headlines(snapshot.headlines, now, self._names)
        self._update_subtitles()  # rows arrived or went: "+2 more" follows them
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

    def show_share(self, status: ShareStatus, shown: MarketSnapshot | None) -> None:
        """The desk line (composed with [share] only): this node's role, and its data's age."""
        from widgets.share_badge import ShareBadge

        self.query_one(ShareBadge).show(status, shown.generated_at if shown else None)

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

    def pane_specs(self) -> list[PaneSpec]:
        """The panes to lay out, in order, with what the layout rule needs to know of them."""
        return [
            PaneSpec(
                key,
                self.pane_rows.get(key, 10),
                grouped=self.pane_grouped.get(key, True),
                kind="list" if key == "news" else "quotes",
                longest_name=16,
            )
            for key, _ in self.panes  # --pane filters the list the layout rule lays out
        ]

    def _relayout(self, width: int, height: int) -> None:
        # Textual sends several Resize events of one size (mount, first layout, scrollbars):
        # updating the classes and texts again would only queue more layout refreshes.
        chrome = chrome_rows(self)
        rows = tuple(sorted(self.pane_rows.items())), tuple(sorted(self.pane_grouped.items()))
        key = (width, height, self.active_pane, rows, chrome)
        if self._laid_out_for == key or not width:
            return
        self._laid_out_for = key
        specs = self.pane_specs()
        plan = plan_layout(width, height, specs, self.active_pane, chrome=chrome)
        if plan == self.plan and specs == self._specs:
            # Same placements (a pane switch within one page): nothing to move or repaint.
            self._show_active()
            self._keep_focus()
            self._update_subtitles()
            return
        self.plan = plan
        self._specs = specs  # hidden panes' columns follow them even when the page does not
        mode = plan.mode
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
        for name, _ in self.panes:
            pane = self.query_one(f"#pane-{name}")
            place = plan.placement(name)
            pane.display = place is not None
            if place is None:
                # Off this page: columns as on its own page, so rows exist before it shows.
                place = plan_layout(width, height, specs, name, chrome=chrome).placement(name)
            else:
                pane.styles.offset = (place.x, place.y)
                pane.styles.width = place.width
                pane.styles.height = place.height
            if place is not None and name != "news":
                table = self.query_one(f"#table-{name}", QuoteTable)
                table.set_plan(place.columns, place.name_width)
        self._show_active()
        self._keep_focus()
        self._update_subtitles()
        # Positioned panes: repaint the whole area, or cells a pane left keep its old border.
        self.query_one("#panes").refresh(layout=True)

    def _keep_focus(self) -> None:
        """Focus the active pane's table when focus was lost (its pane hidden by a squeeze)."""
        if self.layout_mode is Layout.TOO_SMALL:
            return
        focused = self.focused
        box = self.query_one("#filter", Input)
        if focused is box and box.display:
            return
        table = self.query_one(f"#table-{self.active_pane}")
        if focused is not table:
            self._focus_now(table)

    def _show_active(self) -> None:
        visible = set(self.plan.visible) if self.plan is not None else set()
        for key, _ in self.panes:
            self.query_one(f"#pane-{key}").set_class(key == self.active_pane, "-active")
        tabs = tab_line([key for key, _ in self.panes], self.active_pane, visible)
        self.query_one("#pane-tabs", Static).update(tabs)

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        for key, _ in self.panes:
            pane = self.query_one(f"#pane-{key}")
            if event.widget in pane.walk_children() or event.widget is pane:
                if key != self.active_pane:
                    self.active_pane = key
                    self._relayout(self.size.width, self.size.height)
                    self._show_active()
                return

    # --- actions ----------------------------------------------------------------------------

    def action_focus_pane(self, key: str) -> None:
        if key not in {k for k, _ in self.panes}:
            return  # not shown (--pane)
        self.active_pane = key
        self._relayout(self.size.width, self.size.height)  # its page, when panes are paged
        self._show_active()
        self._focus_now(self.query_one(f"#table-{key}"))

    def action_step_pane(self, step: int) -> None:
        """Tab / Shift+Tab: the next or previous pane, across pages."""
        keys = [key for key, _ in self.panes]
        here = keys.index(self.active_pane) if self.active_pane in keys else 0
        self.action_focus_pane(keys[(here + step) % len(keys)])

    def _focus_now(self, widget: Widget) -> None:
        """Focus at once, not on the next idle (``Widget.focus`` defers): keys that arrived in
        the same burst (``3 Enter`` over SSH) must act on the pane this key chose."""
        self.set_focus(widget, scroll_visible=False)

    def action_headlines(self) -> None:
        from tui.screens.headlines import HeadlinesScreen

        if self.snapshot is not None:
            self.app.push_screen(HeadlinesScreen(self.snapshot, self.now, self._names))

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        table = event.data_table
        if isinstance(table, NewsTable):
            headline = table.headline(str(event.row_key.value))
            if headline is not None:
                from tui.screens.headlines import LinkScreen

                self.app.push_screen(LinkScreen(headline, self._names, self.now))
            return
        if isinstance(table, QuoteTable) and table.id:
            from tui.messages import OpenDetail  # the detail view's: loaded with the first Enter

            symbol = event.row_key.value
            if symbol:
                self.post_message(OpenDetail(table.id.removeprefix("table-"), symbol))
