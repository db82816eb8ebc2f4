"""All headlines in one table, updated in place as snapshots arrive.

Rows are keyed by title and source, so a new snapshot adds, changes or removes only the rows
that differ: the cursor and scroll position survive a refresh. Every cell is a plain ``Text``
(a ``str`` cell would be parsed as markup by ``DataTable``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import ClassVar
from urllib.parse import urlsplit

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Label, Static
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowKey

from tui import format as fmt
from tui.data.snapshot import Headline, MarketSnapshot
from tui.messages import SnapshotUpdated
from tui.screens.lifecycle import RELEASED, release

# The title before the related instruments: at any width the titles are what shows.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("age", "Age"),
    ("time", "Time"),
    ("source", "Source"),
    ("title", "Title"),
    ("related", "Related"),
)
SOURCE_WIDTH = 18
FIXED_WIDTH = 4 + 10 + SOURCE_WIDTH + 2 * 4 + 1  # age, time, source, padding, scrollbar

AGE_REFRESH_SECONDS = 5.0
NO_LINK = "no link (simulated)"


def row_key(headline: Headline) -> str:
    """The identity of a headline across snapshots (feeds give no stable id)."""
    return f"{headline.source}\x1f{headline.title}"


def _local(when: datetime) -> datetime:
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone()


def clock(when: datetime | None, now: datetime) -> str:
    """Local HH:MM today, the date otherwise."""
    if when is None:
        return "—"
    moment = _local(when)
    if moment.date() == _local(now).date():
        return moment.strftime("%H:%M")
    return moment.strftime("%Y-%m-%d")


def browser_available() -> bool:
    """A graphical browser can be opened: never a text browser (lynx, w3m), which would take
    over the terminal marketmon is drawing on."""
    if sys.platform not in ("darwin", "win32") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return False
    import webbrowser

    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    return getattr(browser, "name", "") not in TEXT_BROWSERS


TEXT_BROWSERS = frozenset({"lynx", "links", "elinks", "w3m", "www-browser"})


def openable(url: str) -> bool:
    """Only a web address is handed to the browser (never a file, script or command)."""
    return urlsplit(url).scheme in ("http", "https") and not any(c.isspace() for c in url)


class LinkScreen(ModalScreen[None]):
    """One headline in full: title, source, time, the instruments it names and its link.

    The link is shown as plain text (a terminal may make it clickable); c copies it, o opens
    it in a browser when a graphical one is available. Nothing from the feed is ever run: the
    URL is passed to Python's ``webbrowser`` as one argument, and only when it is http(s).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close"),
        Binding("enter", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
        Binding("c", "copy", "Copy link"),
        Binding("o", "open_link", "Open in browser"),
    ]

    def __init__(
        self,
        headline: Headline,
        names: Mapping[str, str] | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(classes="link-screen")
        self.headline = headline
        self._names = names or {}
        self._now = now
        self.can_open = bool(headline.url) and openable(headline.url) and browser_available()

    def compose(self) -> ComposeResult:
        h = self.headline
        when = "time unknown"
        if h.published is not None:
            now = self._now() if self._now else datetime.now(UTC)
            when = f"{_local(h.published):%Y-%m-%d %H:%M} ({fmt.age_between(h.published, now)} ago)"
        related = ", ".join(self._names.get(s, s) for s in h.related) or "none on screen"
        hints = ["c copy"] + (["o open in browser"] if self.can_open else []) + ["escape close"]
        with Vertical(id="link-dialog"):
            yield Static(Text(h.title), id="link-title")
            yield Static(Text(f"{h.source} · {when}"), id="link-source")
            yield Static(Text(f"Related: {related}"), id="link-related")
            yield Static(Text(h.url or NO_LINK), id="link-url")
            yield Label(" · ".join(hints), id="link-hint", markup=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_link":
            return self.can_open
        return True

    def on_unmount(self) -> None:
        release(self)

    def action_copy(self) -> None:
        if self.headline.url:
            self.app.copy_to_clipboard(self.headline.url)
            self.notify("Link copied to the clipboard")

    def action_open_link(self) -> None:
        if not self.can_open:
            return
        import webbrowser

        webbrowser.open(self.headline.url, new=2)
        self.notify("Opened in the browser")


class HeadlinesScreen(Screen[None]):
    """Every headline in the snapshot, newest first; enter shows the selected one's link."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Back"),
        Binding("q", "dismiss", "Back", show=False),  # q quits only from the main screen
    ]

    def __init__(
        self,
        snapshot: MarketSnapshot,
        now: Callable[[], datetime],
        names: Mapping[str, str],
    ) -> None:
        super().__init__(classes="headlines-screen")
        self.snapshot = snapshot
        self._now = now
        self._names = names
        self._shown: dict[str, Headline] = {}
        self._ages: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Label(id="headlines-title", markup=False)
        table: DataTable[Text] = DataTable(
            id="headlines-table", cursor_type="row", zebra_stripes=True
        )
        yield table
        yield Footer()

    def on_mount(self) -> None:
        table = self._table()
        for key, label in COLUMNS:
            width = {"source": SOURCE_WIDTH, "title": self._title_width()}.get(key)
            table.add_column(label, key=key, width=width)
        self._apply(self.snapshot)
        self._ages = self.set_interval(AGE_REFRESH_SECONDS, self._refresh_ages)

    def on_unmount(self) -> None:
        """Stop the age timer and drop the snapshot, so a closed screen is freed."""
        release(self, self._ages)
        self.snapshot = RELEASED
        self._shown.clear()

    def on_snapshot_updated(self, message: SnapshotUpdated) -> None:
        message.stop()
        self.snapshot = message.snapshot
        self._apply(message.snapshot)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        headline = self._shown.get(str(event.row_key.value))
        if headline is not None:
            self.app.push_screen(LinkScreen(headline, self._names, self._now))

    def _title_width(self) -> int:
        """The title column takes the width the fixed columns leave (related comes after)."""
        return max(24, (self.size.width or self.app.size.width) - FIXED_WIDTH)

    def on_resize(self) -> None:
        table = self._table()
        column = table.columns.get(ColumnKey("title"))
        if column is not None and column.width != self._title_width():
            column.width = self._title_width()
            table._require_update_dimensions = True  # DataTable re-measures on the next paint
            table.refresh(layout=True)

    def _table(self) -> DataTable[Text]:
        table: DataTable[Text] = self.query_one("#headlines-table", DataTable)
        return table

    def _cells(self, headline: Headline, now: datetime) -> dict[str, Text]:
        related = ", ".join(self._names.get(s, s) for s in headline.related)
        return {
            "age": Text(fmt.age_between(headline.published, now), justify="right"),
            "time": Text(clock(headline.published, now)),
            "source": Text(headline.source, overflow="ellipsis", no_wrap=True),
            "related": Text(related),
            "title": Text(headline.title, overflow="ellipsis", no_wrap=True),
        }

    def _apply(self, snapshot: MarketSnapshot) -> None:
        """Diff ``snapshot`` against the rows on screen and touch only what changed."""
        table = self._table()
        now = self._now()
        incoming = {row_key(h): h for h in snapshot.headlines}
        cursor_key = self._cursor_key()
        for key in [k for k in self._shown if k not in incoming]:
            table.remove_row(key)
            del self._shown[key]
        added = False
        for key, headline in incoming.items():
            cells = self._cells(headline, now)
            if key not in self._shown:
                table.add_row(*(cells[c] for c, _ in COLUMNS), key=key)
                added = True
            else:
                self._update_cells(key, cells)
            self._shown[key] = headline
        if added:
            self._sort(cursor_key)
        self._render_title(snapshot)

    def _update_cells(self, key: str, cells: dict[str, Text]) -> None:
        table = self._table()
        for column, value in cells.items():
            if table.get_cell(key, column).plain != value.plain:
                table.update_cell(key, column, value)

    def _refresh_ages(self) -> None:
        now = self._now()
        for key, headline in self._shown.items():
            self._update_cells(key, self._cells(headline, now))

    def _sort(self, cursor_key: RowKey | None) -> None:
        """Newest first (undated last), keeping the cursor on the row it was on."""
        table = self._table()
        epoch = datetime.min.replace(tzinfo=UTC)

        def newest(values: tuple[Text, Text]) -> datetime:
            source, title = values
            published = self._shown[f"{source.plain}\x1f{title.plain}"].sort_time
            return _local(published) if published else epoch

        table.sort("source", "title", key=newest, reverse=True)
        if cursor_key is not None and cursor_key in table.rows:
            table.move_cursor(row=table.get_row_index(cursor_key))

    def _cursor_key(self) -> RowKey | None:
        table = self._table()
        if table.row_count == 0:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except CellDoesNotExist:  # the cursor is past the last row
            return None

    def _render_title(self, snapshot: MarketSnapshot) -> None:
        count = len(snapshot.headlines)
        text = f"Headlines · {count}" + (" · DEMO (simulated)" if snapshot.demo else "")
        self.query_one("#headlines-title", Label).update(Text(text))
