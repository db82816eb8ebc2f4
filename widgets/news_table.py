"""A DataTable of headlines, newest first, updated by diff (rows are never cleared)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets.data_table import ColumnKey

from tui import format as fmt
from tui.data.snapshot import Headline
from widgets.live_table import LiveTable
from widgets.theme_styles import CellStyles, cell_styles

SOURCE_WIDTH = 18  # "Demo Markets Desk", "Yahoo Finance", "Cointelegraph" whole


def headline_key(headline: Headline) -> str:
    """The row's key: 64 bits of the source and title's hash. Keys live only as long as the
    process (never saved), so Python's own hash serves: hashlib would load OpenSSL's library
    on the way to the first frame."""
    return f"{hash((headline.source, headline.title)) & 0xFFFF_FFFF_FFFF_FFFF:016x}"


class _Keyed(Text):
    row_key: str = ""


class NewsTable(LiveTable):
    """Headlines with their age, source and the instruments they name."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("enter", "select_cursor", "Headline", show=True),
    ]

    DEFAULT_CSS = """
    NewsTable {
        height: 1fr;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;  /* the title column is fitted to the width: no stray scrollbar */
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", cell_padding=1, show_header=False)
        self._items: dict[str, Headline] = {}
        self._shown: dict[str, tuple[str, str]] = {}
        self._names: Mapping[str, str] = {}
        self._styles: CellStyles | None = None
        self._order: dict[str, int] = {}

    def on_mount(self) -> None:
        self.add_column("Age", width=4, key="age")
        self.add_column("Source", width=SOURCE_WIDTH, key="source")
        self.add_column("Headline", width=self._title_width(), key="title")

    def _title_width(self) -> int:
        """What the age and source columns leave (a wider title would scroll sideways)."""
        return max(10, self.size.width - 4 - SOURCE_WIDTH - 3 * 2 - 1)

    def on_resize(self) -> None:
        column = self.columns.get(ColumnKey("title"))
        if column is not None and column.width != self._title_width():
            column.width = self._title_width()
            self._require_update_dimensions = True
            self.refresh(layout=True)

    def update_headlines(
        self, headlines: Sequence[Headline], now: datetime, names: Mapping[str, str]
    ) -> int:
        """Show ``headlines`` (already newest first); return how many cells were written."""
        self._names = names
        self._styles = self._styles or cell_styles(self.app)
        wanted = {headline_key(h): h for h in headlines}
        self._order = {key: i for i, key in enumerate(wanted)}
        touched = 0
        with self.app.batch_update():
            added = False
            for key in [k for k in self._shown if k not in wanted]:
                self.remove_row(key)
                del self._shown[key]
            for key, headline in wanted.items():
                age = fmt.age_between(headline.published, now)
                if key not in self._shown:
                    title = self._title(headline, key)
                    self.add_row(
                        Text(age, style=self._styles.muted, justify="right"),
                        Text(
                            headline.source,
                            style=self._styles.muted,
                            overflow="ellipsis",
                            no_wrap=True,
                        ),
                        title,
                        key=key,
                    )
                    self._shown[key] = (age, headline.title)
                    touched += 3
                    added = True
                elif self._shown[key][0] != age:
                    self.update_cell(
                        key, "age", Text(age, style=self._styles.muted, justify="right")
                    )
                    self._shown[key] = (age, headline.title)
                    touched += 1
            self._items = wanted
            if added:
                self.sort("title", key=lambda cell: self._order.get(cell.row_key, 0))
        return touched

    def headline(self, key: str) -> Headline | None:
        return self._items.get(key)

    def restyle(self, now: datetime) -> None:
        """The theme changed: rows are written again with the new colours."""
        self._styles = None
        items = list(self._items.values())
        for key in list(self._shown):
            self.remove_row(key)
        self._shown.clear()
        self.update_headlines(items, now, self._names)

    def _title(self, headline: Headline, key: str) -> _Keyed:
        styles = self._styles or cell_styles(self.app)
        text = _Keyed(no_wrap=True, overflow="ellipsis")
        text.row_key = key
        text.append(headline.title)
        tags = [self._names.get(s, s) for s in headline.related]
        if tags:  # after the title, so the title is what a narrow pane shows
            text.append(" · " + ", ".join(tags), style=styles.accent)
        return text
